-- Every note beside an indicator's figures for the site's council (marts.dim_series_note):
-- breaks (no trend, status or gap verdict spans them) first, then caveats, each with its source.
-- Indicator, ward and mission pages show them through the series_notes component. council_code:
-- whose notes (site_council holds every council when blocks run once for all councils).
select c.la_code as council_code, n.indicator_id, n.kind, n.note, n.source, n.from_date
from marts.dim_series_note n
join site_council c on c.la_code = n.la_code
order by council_code, n.indicator_id, n.kind, n.from_date, n.note
