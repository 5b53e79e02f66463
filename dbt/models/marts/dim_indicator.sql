select
    definitions.indicator_id,
    definitions.title,
    definitions.domain,
    definitions.unit,
    definitions.value_type,
    definitions.multiplier,
    definitions.polarity,
    definitions.definition,
    definitions.source_id,
    sources.licence,
    definitions.disclosure_min_count,
    coalesce(definitions.unit_label, definitions.unit) as unit_label,
    definitions.what_it_means
from {{ ref('indicator_definitions') }} as definitions
left join {{ ref('stg_registry__sources') }} as sources using (source_id)
