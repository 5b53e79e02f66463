{#- May-2023 wards with their population and IMD score (population-weighted mean of the
    latest IoD release's LSOA scores), ranked within their own council into quintiles and
    deciles (1 = most deprived). -#}
with

bestfit as (
    select * from {{ ref('int_lsoa_ward_bestfit') }} where lsoa_vintage = 2021
),

latest_scores as (
    select * from {{ ref('stg_iod2025__scores') }}
),

latest_population as (
    select * from {{ ref('int_lsoa_populations') }}
    qualify row_number() over (partition by lsoa_code order by release desc) = 1
),

wards as (
    select
        bestfit.ward_code,
        any_value(bestfit.ward_name) as ward_name,
        any_value(bestfit.ward_vintage) as ward_vintage,
        any_value(bestfit.la_code) as la_code,
        any_value(bestfit.la_name) as la_name,
        cast(sum(latest_population.population_total) as bigint) as population,
        {{ exact_sum('latest_scores.imd_score * latest_population.population_total') }}
            / nullif(sum(case when latest_scores.imd_score is not null then latest_population.population_total end), 0)
            as imd_score,
        count(*) as n_lsoas
    from bestfit
    left join latest_scores on latest_scores.lsoa_code = bestfit.lsoa_code
    left join latest_population on latest_population.lsoa_code = bestfit.lsoa_code
    group by bestfit.ward_code
)

select
    *,
    ntile(5) over (partition by la_code order by imd_score desc, ward_code) as deprivation_quintile,
    ntile(10) over (partition by la_code order by imd_score desc, ward_code) as deprivation_decile
from wards
