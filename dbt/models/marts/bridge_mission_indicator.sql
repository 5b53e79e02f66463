select mission_id, indicator_id, target_text, target_type, target_value, target_year from {{ ref('mission_indicators') }}
