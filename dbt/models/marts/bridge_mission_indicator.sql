{#- only the missions a configured council tracks: a mission no council lists has no page -#}
select mission_id, indicator_id, target_text, target_type, target_value, target_year from {{ ref('mission_indicators') }}
where mission_id in {{ configured_missions() }}
