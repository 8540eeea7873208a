-- One question across jurisdictions: one row per jurisdiction (and question) with its
-- value. :indicator is the question's exact label or, where no question has that label,
-- a part of it (吸烟·罚款: every question whose label contains it).
-- The row shown is the jurisdiction's first provision in rules.jsonl order; `provisions`
-- counts them all (a text stored as TXT, DOCX and PDF counts three times), `quotes`
-- lists their distinct wordings.
select
  p.indicator,
  p.jurisdiction,
  p.jurisdiction_code,
  p.jurisdiction_level,
  p.op,
  p.value,
  p.value_max,
  p.value_text,
  p.unit,
  p.per,
  p.currency,
  p.sentence,
  p.section,
  p.doc,
  g.provisions,
  g.quotes
from provisions p
join (
  select indicator, jurisdiction, min(id) as first_id, count(*) as provisions,
         group_concat(distinct quote) as quotes
  from provisions
  where :indicator != ''
    and (indicator = :indicator
         or (indicator like '%' || :indicator || '%'
             and not exists (select 1 from provisions where indicator = :indicator)))
  group by indicator, jurisdiction
) g on p.id = g.first_id
order by p.indicator, p.jurisdiction
