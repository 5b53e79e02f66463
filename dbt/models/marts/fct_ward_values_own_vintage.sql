{#- Ward series that cannot be rebuilt on the May-2023 wards (no LSOA data exist), shown on
    the ward boundaries they were published for and labelled as such. -#}
with

claimant_rate as (
    select * from {{ ref('stg_nomis__claimant_rate_ward') }} where area_type = 'ward'
),

ward_names as (
    select ward_code, any_value(ward_name) as ward_name
    from {{ ref('stg_ons__lsoa_ward17_lookup') }}
    group by ward_code
)

select
    'claimant_rate' as indicator_id,
    claimant_rate.area_code as ward_code,
    ward_names.ward_name,
    2017 as ward_vintage,
    claimant_rate.period,
    claimant_rate.period_start,
    claimant_rate.period_end,
    claimant_rate.claimant_rate_percent as value,
    claimant_rate.source_id,
    claimant_rate.is_demo,
    'published for the December 2017 wards; not comparable with the May 2023 wards' as note
from claimant_rate
left join ward_names on ward_names.ward_code = claimant_rate.area_code
