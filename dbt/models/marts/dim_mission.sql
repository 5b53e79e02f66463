{#- only the missions a configured council tracks: a mission no council lists has no page -#}
select mission_id, title, statement from {{ ref('missions') }}
where mission_id in {{ configured_missions() }}
