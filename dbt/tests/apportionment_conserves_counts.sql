{{ config(meta={"dagster": {"ref": {"name": "int_ward17_apportioned"}}}) }}
{#- The May-2023 ward estimates of each period sum to the 2017 ward total of that period
    (the 2017 wards of the configured councils: those with an LSOA in the ward best fit; and
    source wards that are already May-2023 wards), except claimant months with direct LSOA
    counts, which replace the estimate. -#}
with

configured_wards17 as (
    select distinct lookup.ward_code
    from {{ ref('stg_ons__lsoa_ward17_lookup') }} as lookup
    inner join {{ ref('int_lsoa_ward_bestfit') }} as bestfit
        on bestfit.lsoa_code = lookup.lsoa_code and bestfit.lsoa_vintage = 2011
    union
    {# the insolvency statistics' May-2021 wards that are already May-2023 wards (Manchester, Salford) #}
    select ward_code from {{ ref('int_lsoa_ward_bestfit') }} where lsoa_vintage = 2011
),

estimated as (
    select indicator_id, period, sum(numerator) as total from {{ ref('int_ward17_apportioned') }} group by all
),

published as (
    select 'claimant_rate_monthly' as indicator_id, period, sum(claimants) as total
    from {{ ref('stg_nomis__claimant_count_ward17') }}
    where area_type = 'ward' and area_code in (select ward_code from configured_wards17)
    group by all
    union all
    select case insolvency_type when 'total' then 'insolvency_rate' else insolvency_type || '_rate' end, period,
        sum(insolvencies)
    from {{ ref('stg_insolvency__ward17') }}
    where area_code in (select ward_code from configured_wards17)
    group by all
)

select published.indicator_id, published.period, published.total, estimated.total as estimated_total
from published
left join estimated using (indicator_id, period)
where not (published.indicator_id = 'claimant_rate_monthly' and published.period in (
        select period from {{ ref('stg_nomis__claimant_count_lsoa') }} where claimants is not null))
  and (estimated.total is null or abs(estimated.total - published.total) > 1e-6 * greatest(published.total, 1))
