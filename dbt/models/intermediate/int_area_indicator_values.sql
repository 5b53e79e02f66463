{#- LSOA inputs aggregated to May-2023 wards and to the borough (one rule for both):
    counts are summed, proportions recomputed from summed numerators and denominators,
    scores are population-weighted means of LSOA scores. -#}
with

inputs as (
    select * from {{ ref('int_lsoa_indicator_inputs') }}
),

bestfit as (
    select * from {{ ref('int_lsoa_ward_bestfit') }}
),

located as (
    select inputs.*, bestfit.ward_code, bestfit.la_code
    from inputs
    inner join bestfit using (lsoa_code, lsoa_vintage)
),

areas as (
    select *, ward_code as area_code, 'ward' as area_type from located
    union all
    select *, la_code as area_code, 'la' as area_type from located
),

aggregated as (
    select
        indicator_id,
        area_code,
        area_type,
        period,
        any_value(period_start) as period_start,
        any_value(period_end) as period_end,
        any_value(source_id) as source_id,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        sum(score * weight) / nullif(sum(weight), 0) as score,
        sum(weight) as weight,
        count(*) as n_lsoas,
        bool_or(is_demo) as is_demo
    from areas
    group by indicator_id, area_code, area_type, period
)

select
    *,
    {#- before the indicator's multiplier: a proportion, a weighted score or a count -#}
    case
        when denominator is not null then numerator / nullif(denominator, 0)
        when score is not null then score
        else numerator
    end as unscaled_value
from aggregated
