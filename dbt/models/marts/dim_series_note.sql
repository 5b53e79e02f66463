{#- Every note that bears on an indicator's figures, per council (`*`: other areas, England):
    breaks (int_series_breaks: no trend, status or gap verdict spans them) and caveats that do
    not break a series (seed series_notes, indicator_id may be a glob pattern). Pages show these
    beside the figures; fct_indicator_values.series_note carries them per row for downloads. -#}
{{ config(materialized='table') }}

select
    indicator_id, la_code, 'break' as kind, break_id as note_id, break_from as from_date, break_to as to_date,
    break_text || ': ' || note as note, source
from {{ ref('int_series_breaks') }}
union all
select
    definitions.indicator_id, councils.la_code, 'note', 'note:' || notes.indicator_id || ':' || cast(notes.from_date as varchar),
    notes.from_date, notes.to_date, notes.note, null
from {{ ref('series_notes') }} as notes
inner join (select indicator_id from {{ ref('indicator_definitions') }} union select 'claimant_rate') as definitions
    on definitions.indicator_id glob notes.indicator_id
cross join (select distinct la_code from {{ ref('int_series_breaks') }}) as councils
