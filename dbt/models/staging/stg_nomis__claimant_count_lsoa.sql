with

source as (
    select * from {{ source('raw', 'claimant_count_lsoa') }}
),

renamed as (
    select
        geography as lsoa_code,
        2011 as lsoa_vintage,
        'claimant_count_lsoa' as source_id,
        date as period,
        cast(date || '-01' as date) as period_start,
        last_day(cast(date || '-01' as date)) as period_end,
        value as claimants,
        _is_demo as is_demo
    from source
)

select * from renamed
