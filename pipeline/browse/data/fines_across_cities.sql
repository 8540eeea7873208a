-- Fines of one conduct across cities: every fine (kind sanction, sanction fine) whose
-- conduct contains :conduct (在禁止吸烟场所吸烟, 燃放烟花爆竹; empty: every fine),
-- by jurisdiction, then amount.
select
  jurisdiction,
  jurisdiction_level,
  policy_area,
  condition,
  target,
  op,
  value,
  value_max,
  unit,
  base,
  currency,
  quote,
  sentence,
  section,
  doc
from provisions
where kind = 'sanction'
  and sanction = 'fine'
  and coalesce(condition, '') like '%' || :conduct || '%'
order by jurisdiction, value, value_max, id
