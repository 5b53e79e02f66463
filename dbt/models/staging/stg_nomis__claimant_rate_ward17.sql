{#- Monthly claimant rates (% of residents aged 16 to 64) on the 2017 wards and for the district,
    from the download of November 2017. A later download revises some values: the two are kept
    as separate series and never spliced. -#}
with

source as (
    select * from {{ source('raw', 'claimant_rate_ward17_monthly') }}
),

renamed as (
    select
        area_code,
        case when area_code like 'E05%' or area_code like 'W05%' then 'ward'
            when area_code like 'E47%' then 'combined_authority' else 'la' end as area_type,
        regexp_replace(area_name, '\s*\([^)]*\)$', '') as area_name,
        'claimant_rate_ward17_monthly' as source_id,
        strftime(cast(date as date), '%Y-%m') as period,
        cast(date as date) as period_start,
        last_day(cast(date as date)) as period_end,
        value as claimant_rate_percent,
        _is_demo as is_demo
    from source
)

select * from renamed
