{#- Claimant rate on the 2017 wards (no LSOA counts exist to re-base it) and for the borough. -#}
with

source as (
    select * from {{ source('raw', 'claimant_rate_ward') }}
),

renamed as (
    select
        geography as area_code,
        case when geography like 'E05%' then 'ward' when geography like 'E47%' then 'combined_authority' else 'la' end as area_type,
        'claimant_rate_ward' as source_id,
        date as period,
        cast(date || '-01' as date) as period_start,
        last_day(cast(date || '-01' as date)) as period_end,
        value as claimant_rate_percent,
        _is_demo as is_demo
    from source
)

select * from renamed
