{#- Inequality between the borough's most and least deprived wards, per indicator and period:
    the gap and ratio between deprivation quintile 1 (most deprived) and quintile 5, with a
    Newcombe 95% interval for the gap in proportions; the range across wards; and the slope and
    relative indices of inequality across quintiles and deciles (proportions), all within each
    council. gap_trend, on the quintile SII row only (no other measure is tested), says whether
    the gap is narrowing, widening or not changing, from a test within one comparable series (segment_id) at its latest period
    (gap_test_method, gap_p_value); elsewhere it says it cannot be assessed. -#}
{{ config(materialized='table') }}

with

ward_values as (
    select values.* exclude (la_code), wards.la_code, wards.deprivation_quintile
    from {{ ref('int_area_indicator_values') }} as values
    inner join {{ ref('dim_ward') }} as wards on wards.ward_code = values.area_code
    where values.area_type = 'ward'
),

definitions as (
    select indicator_id, value_type, multiplier from {{ ref('indicator_definitions') }}
    where value_type in ('proportion', 'score')
),

quintiles as (
    select
        indicator_id, la_code, period, deprivation_quintile,
        {{ exact_sum('numerator') }} as numerator,
        {{ exact_sum('denominator') }} as denominator,
        {{ exact_sum('score * weight') }} / nullif({{ exact_sum('weight') }}, 0) as score
    from ward_values
    where deprivation_quintile in (1, 5)
    group by all
),

paired as (
    select
        most.indicator_id, most.la_code, most.period, definitions.value_type, definitions.multiplier,
        most.numerator as x1, most.denominator as n1, least.numerator as x2, least.denominator as n2,
        coalesce(most.numerator / most.denominator, most.score) * definitions.multiplier as most_deprived_value,
        coalesce(least.numerator / least.denominator, least.score) * definitions.multiplier as least_deprived_value
    from quintiles as most
    inner join quintiles as least
        on least.indicator_id = most.indicator_id and least.period = most.period
        and least.la_code = most.la_code and least.deprivation_quintile = 5
    inner join definitions on definitions.indicator_id = most.indicator_id
    where most.deprivation_quintile = 1
),

ward_range as (
    select
        values.indicator_id, values.la_code, values.period,
        (max(values.unscaled_value) - min(values.unscaled_value)) * any_value(d.multiplier) as value
    from ward_values as values
    inner join definitions as d using (indicator_id)
    group by all
),

sii as (
    select * from {{ ref('int_inequality_sii') }}
),

{#- life expectancy and standardised rates are computed for each quintile from pooled counts -#}
standardised_quintiles as (
    select
        most.indicator_id,
        most.la_code,
        most.period,
        most.value - least.value as gap,
        most.value / nullif(least.value, 0) as ratio
    from {{ ref('int_standardised_values') }} as most
    inner join {{ ref('int_standardised_values') }} as least
        on least.indicator_id = most.indicator_id and least.period = most.period
        and least.la_code = most.la_code and least.area_code = 'Q5'
    where most.area_code = 'Q1'
),

standardised_ranges as (
    select standardised.indicator_id, wards.la_code, standardised.period,
        max(standardised.value) - min(standardised.value) as value
    from {{ ref('int_standardised_values') }} as standardised
    inner join {{ ref('int_ward_deprivation') }} as wards on wards.ward_code = standardised.area_code
    where standardised.area_type = 'ward'
    group by all
),

measures as (
    select
        indicator_id, la_code, period, 'quintile_gap' as measure,
        most_deprived_value - least_deprived_value as value,
        case when n1 is not null and n2 is not null then proportion_difference_lower(x1, n1, x2, n2, 0.95) * multiplier end
            as lower_ci_95,
        case when n1 is not null and n2 is not null then proportion_difference_upper(x1, n1, x2, n2, 0.95) * multiplier end
            as upper_ci_95
    from paired
    union all
    select indicator_id, la_code, period, 'quintile_ratio', most_deprived_value / nullif(least_deprived_value, 0), null, null
    from paired
    union all
    select indicator_id, la_code, period, 'ward_range', value, null, null
    from ward_range
    union all
    select indicator_id, la_code, period, 'quintile_gap', gap, null, null from standardised_quintiles
    union all
    select indicator_id, la_code, period, 'quintile_ratio', ratio, null, null from standardised_quintiles
    union all
    select indicator_id, la_code, period, 'ward_range', value, null, null from standardised_ranges
    union all
    select
        indicator_id, la_code, period,
        measure || '_' || case quantiles when 5 then 'quintiles' else 'deciles' end,
        value, lower_ci_95, upper_ci_95
    from sii
),

{#- no measure for a council and period that int_excluded_periods leaves out (a ward's figure is
    a range or incomplete: a quintile or range would be biased; or withheld: quintile, decile and
    range measures would give the withheld counts back); int_inequality_sii leaves these periods
    out of every gap test too -#}
excluded_councils as (
    select indicator_id, la_code, period from {{ ref('int_excluded_periods') }}
    where area_type = 'council_wards'
),

gap_trends as (
    select indicator_id, la_code, period, gap_trend, gap_test_method, gap_p_value, gap_tested_from
    from sii where measure = 'sii' and quantiles = 5
),

{#- the verdict belongs to the measure tested (the SII across quintiles) and to no other row.
    is_gap_headline marks the one row per indicator and council whose verdict every page states:
    the council's latest period with a slope index of inequality across quintiles. Its verdict
    (tested from gap_tested_from to its period) stands where a test was made there; where none
    was (too few comparable periods since a break, or the period falls within a break), the gap
    cannot be assessed, and no older series' verdict is put in its place. -#}
headlined as (
    select
        measures.*,
        segments.segment_id,
        measures.measure = 'sii_quintiles' and row_number() over (
            partition by measures.indicator_id, measures.la_code, measures.measure = 'sii_quintiles'
            order by segments.period_start desc, measures.period desc) = 1 as is_gap_headline,
        case when measures.measure = 'sii_quintiles' then coalesce(gap_trends.gap_trend, 'cannot be assessed')
            else 'not tested (the gap is tested on the slope index of inequality across quintiles)' end as gap_trend,
        case when measures.measure = 'sii_quintiles' then gap_trends.gap_test_method end as gap_test_method,
        case when measures.measure = 'sii_quintiles' then gap_trends.gap_p_value end as gap_p_value,
        case when measures.measure = 'sii_quintiles' and gap_trends.gap_test_method is not null
            then cast(gap_trends.gap_tested_from as date) end as gap_tested_from
    from measures
    inner join {{ ref('int_value_segments') }} as segments using (indicator_id, period)
    left join gap_trends using (indicator_id, la_code, period)
    anti join excluded_councils using (indicator_id, la_code, period)
    {#- a measure that cannot be computed (a ratio to a quintile rate of zero) is left out, not published empty -#}
    where measures.value is not null
)

{#- the headline row says plainly that its gap cannot be assessed where no test was made there -#}
select * replace (
    case when is_gap_headline and gap_test_method is null then 'cannot be assessed' else gap_trend end as gap_trend)
from headlined
