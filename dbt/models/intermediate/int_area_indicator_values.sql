{#- Indicator inputs on May-2023 wards and the borough (one rule for both): counts are summed,
    proportions recomputed from summed numerators and denominators, scores are
    population-weighted means of LSOA scores. An LSOA whose numerator is suppressed at source
    keeps its denominator: n_suppressed counts them and numerator_upper is the largest the
    numerator could be (each suppressed count at the indicator's suppressed_input_max), so the
    true proportion lies between numerator / denominator and numerator_upper / denominator.
    Series published only on 2017 wards are added as estimated for the May-2023 wards
    (int_ward17_apportioned), with their borough figure as published (claimants) or summed;
    series published by MSOA likewise (int_msoa_apportioned), with the council's MSOAs summed.
    A source period that lacks some of a council's LSOAs (a snapshot cut short at source) leaves
    that council's ward and borough figures for the period incomplete: incomplete_reason says
    why, and no value is made from the LSOAs it does have; other councils are untouched. -#}
with

inputs as (
    select * from {{ ref('int_lsoa_indicator_inputs') }}
),

bestfit as (
    select * from {{ ref('int_lsoa_ward_bestfit') }}
),

definitions as (
    select indicator_id, suppressed_input_max from {{ ref('indicator_definitions') }}
),

located as (
    select inputs.*, bestfit.ward_code, bestfit.la_code
    from inputs
    inner join bestfit using (lsoa_code, lsoa_vintage)
),

{#- per council and LSOA vintage, the LSOAs any indicator input has (the lookup maps more codes
    than existed in 2011), against which each indicator and period is counted -#}
council_lsoas as (
    select la_code, lsoa_vintage, count(distinct lsoa_code) as n_expected from located group by la_code, lsoa_vintage
),

incomplete as (
    select
        located.indicator_id, located.period, located.la_code,
        'incomplete: the source (' || any_value(located.source_id) || ') has no usable figure (or no population weight) for '
            || (any_value(council_lsoas.n_expected) - count(distinct located.lsoa_code)) || ' of the council''s '
            || any_value(council_lsoas.n_expected) || ' neighbourhoods (LSOAs) in this period, so the council''s figures '
            || 'for this period are not published' as incomplete_reason
    from located
    inner join council_lsoas using (la_code, lsoa_vintage)
    group by located.indicator_id, located.period, located.la_code, located.lsoa_vintage
    having count(distinct located.lsoa_code) < any_value(council_lsoas.n_expected)
),

areas as (
    select *, ward_code as area_code, 'ward' as area_type from located
    union all
    select *, la_code as area_code, 'la' as area_type from located
),

aggregated as (
    select
        areas.indicator_id,
        areas.area_code,
        areas.area_type,
        areas.la_code,
        areas.period,
        any_value(areas.period_start) as period_start,
        any_value(areas.period_end) as period_end,
        any_value(areas.source_id) as source_id,
        {{ exact_sum('areas.numerator') }} as numerator,
        {{ exact_sum('areas.numerator') }} + case when count(*) filter (where areas.input_suppressed) > 0
            then count(*) filter (where areas.input_suppressed) * any_value(definitions.suppressed_input_max) else 0 end
            as numerator_upper,
        count(*) filter (where areas.input_suppressed) as n_suppressed,
        {{ exact_sum('areas.denominator') }} as denominator,
        {{ exact_sum('areas.score * areas.weight') }} / nullif({{ exact_sum('areas.weight') }}, 0) as score,
        {{ exact_sum('areas.weight') }} as weight,
        any_value(areas.weight_population) as weight_population,
        count(*) as n_lsoas,
        bool_or(areas.is_demo) as is_demo,
        case areas.area_type
            when 'ward' then 'best-fit aggregation of LSOAs to May 2023 wards'
            else 'aggregation of all LSOAs in the borough'
        end as aggregation_method,
        null::double as split_share
    from areas
    left join definitions using (indicator_id)
    group by areas.indicator_id, areas.area_code, areas.area_type, areas.la_code, areas.period
),

apportioned as (
    select * from {{ ref('int_ward17_apportioned') }}
),

{#- the borough: the district's own published count for claimants, else the sum of the 2017 wards -#}
district_claimants as (
    select area_code as la_code, source_id, period, period_start, period_end, claimants::double as numerator, is_demo
    from {{ ref('stg_nomis__claimant_count_ward17') }}
    where area_type = 'la'
),

borough_denominators as (
    select indicator_id, la_code, period, sum(denominator) as denominator, sum(n_lsoas) as n_lsoas,
        {{ exact_sum('numerator') }} as numerator, any_value(source_id) as source_id, any_value(period_start) as period_start,
        any_value(period_end) as period_end, bool_or(is_demo) as is_demo
    from apportioned
    group by indicator_id, la_code, period
),

apportioned_areas as (
    select
        indicator_id, area_code, 'ward' as area_type, la_code, period, period_start, period_end, source_id,
        numerator, numerator as numerator_upper, 0 as n_suppressed, denominator, null::double as score,
        null::double as weight, null::varchar as weight_population, n_lsoas, is_demo,
        'estimated from 2017-ward figures: each 2017 ward''s count shared among its LSOAs by mid-2016 population'
            as aggregation_method,
        split_share
    from apportioned
    union all
    select
        borough.indicator_id, borough.la_code, 'la', borough.la_code, borough.period, borough.period_start,
        borough.period_end, borough.source_id,
        coalesce(district.numerator, borough.numerator) as numerator,
        coalesce(district.numerator, borough.numerator), 0, borough.denominator, null, null, null,
        borough.n_lsoas, borough.is_demo,
        case when district.numerator is not null then 'the district''s published count'
            else 'sum of the published 2017-ward counts' end,
        null
    from borough_denominators as borough
    left join district_claimants as district
        on borough.indicator_id = 'claimant_rate_monthly' and district.la_code = borough.la_code
        and district.period = borough.period
),

{#- the wards of an incomplete council that the period has no LSOA for at all: a row each, incomplete -#}
unreached_wards as (
    select
        incomplete.indicator_id, wards.ward_code as area_code, 'ward' as area_type, incomplete.la_code,
        incomplete.period, periods.period_start, periods.period_end, periods.source_id,
        0 as n_suppressed, 0 as n_lsoas, periods.is_demo,
        'best-fit aggregation of LSOAs to May 2023 wards' as aggregation_method, incomplete.incomplete_reason
    from incomplete
    inner join (select distinct ward_code, la_code from bestfit) as wards using (la_code)
    inner join (
        select indicator_id, period, any_value(period_start) as period_start, any_value(period_end) as period_end,
            any_value(source_id) as source_id, bool_or(is_demo) as is_demo
        from located group by indicator_id, period
    ) as periods using (indicator_id, period)
    where not exists (
        select 1 from located
        where located.indicator_id = incomplete.indicator_id and located.period = incomplete.period
            and located.ward_code = wards.ward_code
    )
),

msoa_areas as (
    select
        indicator_id, area_code, area_type, la_code, period, period_start, period_end, source_id,
        numerator, numerator_upper, n_suppressed, denominator, null::double as score, null::double as weight,
        population_name as weight_population, n_lsoas, is_demo, aggregation_method, split_share
    from {{ ref('int_msoa_apportioned') }}
),

combined as (
    select
        aggregated.* replace (
            case when incomplete.incomplete_reason is null then aggregated.numerator end as numerator,
            case when incomplete.incomplete_reason is null then aggregated.numerator_upper end as numerator_upper,
            case when incomplete.incomplete_reason is null then aggregated.score end as score
        ),
        incomplete.incomplete_reason
    from aggregated
    left join incomplete using (indicator_id, period, la_code)
    union all by name
    select * from unreached_wards
    union all by name
    select * from apportioned_areas
    union all by name
    select * from msoa_areas
)

select
    *,
    {#- before the indicator's multiplier: a proportion, a weighted score or a count -#}
    case
        when denominator is not null then numerator / nullif(denominator, 0)
        when score is not null then score
        else numerator
    end as unscaled_value
from combined
