with

source as (
    select * from {{ source('raw', 'source_registry') }}
),

renamed as (
    select
        source_id,
        title,
        publisher,
        release,
        url,
        licence,
        attribution,
        geography_level,
        geography_vintage,
        period,
        period_start,
        period_end
    from source
)

select * from renamed
