{#- Ward series that cannot be rebuilt on the May-2023 wards (no LSOA data exist), shown on
    the ward boundaries they were published for and labelled as such: the 2015-2018 claimant
    rate (2017 wards), and OHID Local Health indicators (rolling periods; ratios, percentages and
    life expectancies that cannot be re-cut without their counts, and life expectancies are never
    averaged). -#}
with

claimant_rate as (
    select * from {{ ref('stg_nomis__claimant_rate_ward') }} where area_type = 'ward'
),

ward_names as (
    select ward_code, any_value(ward_name) as ward_name
    from {{ ref('stg_ons__lsoa_ward17_lookup') }}
    group by ward_code
),

-- each ward's council, from the lookups of either vintage (a council's pages list only its wards)
ward_councils as (
    select ward_code, min(la_code) as la_code
    from (
        select ward_code, la_code from {{ ref('stg_ons__lsoa_ward17_lookup') }}
        union
        select ward_code, la_code from {{ ref('stg_ons__lsoa_ward_lookup') }}
    )
    group by ward_code
),

own_vintage as (

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
union all by name
select
    'localhealth_' || regexp_replace(lower(regexp_replace(localhealth.indicator_name, '\s*\(.*\)$', '')), '[^a-z0-9]+', '_', 'g')
        || case when localhealth.indicator_name like '%best-fit OAs%' then '_2023_wards' else '' end as indicator_id,
    localhealth.ward_code,
    localhealth.ward_name,
    case when localhealth.indicator_name like '%best-fit OAs%' then 2023 else 2022 end as ward_vintage,
    localhealth.period,
    make_date(localhealth.first_year, 1, 1) as period_start,
    make_date(localhealth.last_year, 12, 31) as period_end,
    localhealth.value,
    localhealth.source_id,
    localhealth.is_demo,
    'OHID Local Health, ' || localhealth.indicator_name || ' (' || localhealth.measure || '), '
        || case when localhealth.first_year < localhealth.last_year
            then 'pooled over ' || localhealth.period || ': successive periods overlap, so they are not independent'
            else localhealth.period end
        || case when localhealth.indicator_name like '%best-fit OAs%' then '; published for the May 2023 wards (best-fit output areas)'
            else '; published for the wards before May 2023' end as note
from {{ ref('stg_localhealth__ward') }} as localhealth
)

select own_vintage.*, ward_councils.la_code
from own_vintage
left join ward_councils using (ward_code)
