-- What one jurisdiction requires: every provision of the jurisdiction named :jurisdiction,
-- or, where no jurisdiction has that exact name, of those whose name contains it (济南
-- finds 山东省济南市), by subject, kind and question.
select
  jurisdiction,
  policy_area,
  kind,
  indicator,
  op,
  value,
  value_max,
  value_text,
  unit,
  per,
  sanction,
  condition,
  quote,
  section,
  doc
from provisions
where :jurisdiction != ''
  and (jurisdiction = :jurisdiction
       or (jurisdiction like '%' || :jurisdiction || '%'
           and not exists (select 1 from provisions where jurisdiction = :jurisdiction)))
order by jurisdiction, policy_area, kind, indicator, id
