select mission_id, title, statement from {{ ref('missions') }}
