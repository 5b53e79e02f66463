{{ config(meta={"dagster": {"ref": {"name": "int_msoa_apportioned"}}}) }}
{#- MSOA series on wards: for every indicator, period and council, the May-2023 ward estimates
    sum to the council's figure, and the council's figure is the sum of the published counts of
    the MSOAs in that council (MSOAs nest in councils). Returns the periods that do not. -#}
with

estimates as (
    select indicator_id, period, la_code,
        sum(numerator) filter (where area_type = 'ward') as ward_sum,
        sum(numerator) filter (where area_type = 'la') as council_figure
    from {{ ref('int_msoa_apportioned') }}
    group by indicator_id, period, la_code
),

published as (
    select counts.indicator_id, counts.period, msoas.la_code, sum(coalesce(counts.count_value, 0)) as msoa_sum
    from (
        select 'uc_households' as indicator_id, msoa_code, period, households as count_value
        from {{ ref('stg_dwp__uc_households_msoa11') }}
        union all
        select 'children_relative_low_income', msoa_code, period, children from {{ ref('stg_dwp__cilif_msoa11') }}
    ) as counts
    inner join (select distinct msoa_code, la_code from {{ ref('stg_ons__lsoa11_msoa11') }}) as msoas using (msoa_code)
    group by all
)

select estimates.*, published.msoa_sum
from estimates
inner join published using (indicator_id, period, la_code)
where abs(estimates.ward_sum - estimates.council_figure) > 1e-6
   or abs(estimates.council_figure - published.msoa_sum) > 1e-6
