-- Every note beside an indicator's figures for the site's council (marts.dim_series_note):
-- breaks (no trend, status or gap verdict spans them) first, then caveats, each with its source.
-- Indicator, ward and mission pages show them through the series_notes component.
select indicator_id, kind, note, source, from_date
from marts.dim_series_note
where la_code = (select la_code from site_council)
order by indicator_id, kind, from_date, note
