select mission_id, indicator_id, target_text from {{ ref('mission_indicators') }}
