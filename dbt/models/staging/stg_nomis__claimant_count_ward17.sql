{#- Monthly claimant counts on the 2017 wards and for the district, one download: counts are
    rounded to the nearest 5 by the publisher, so ward counts need not sum to the district's.
    Ward names lose the " (Wigan)" suffix Nomis adds. -#}
with

source as (
    select * from {{ source('raw', 'claimant_count_ward17_monthly') }}
),

renamed as (
    select
        area_code,
        case when area_code like 'E05%' or area_code like 'W05%' then 'ward'
            when area_code like 'E47%' then 'combined_authority' else 'la' end as area_type,
        regexp_replace(area_name, '\s*\([^)]*\)$', '') as area_name,
        'claimant_count_ward17_monthly' as source_id,
        strftime(cast(date as date), '%Y-%m') as period,
        cast(date as date) as period_start,
        last_day(cast(date as date)) as period_end,
        value as claimants,
        _is_demo as is_demo
    from source
)

select * from renamed
