{#- One row per indicator, area and period. LSOA-built values carry Wilson 95% and 99.8%
    limits where a numerator and denominator exist (from dagster_project.methods, registered as
    DuckDB functions: this model must stay a table). Series published only for the borough and
    England are carried as published. Counts from 1 to disclosure_min_count - 1 are disclosive:
    value, limits and count are withheld and the row is marked suppressed. -#}
{{ config(materialized='table') }}

with

aggregated as (
    select * from {{ ref('int_area_indicator_values') }}
),

definitions as (
    select indicator_id, value_type, multiplier, disclosure_min_count from {{ ref('indicator_definitions') }}
),

computed as (
    select
        aggregated.*,
        coalesce(
            definitions.value_type in ('proportion', 'count')
            and aggregated.numerator >= 1
            and aggregated.numerator < definitions.disclosure_min_count,
            false
        ) as disclosive,
        aggregated.unscaled_value * definitions.multiplier as raw_value,
        definitions.value_type,
        definitions.disclosure_min_count,
        aggregated.denominator is not null as has_interval,
        definitions.multiplier,
        case
            when aggregated.denominator is not null then 'numerator over denominator, Wilson score interval'
            when definitions.value_type = 'count' then 'sum of LSOA counts'
            when definitions.value_type = 'proportion'
                then 'population-weighted mean of LSOA rates: this release publishes no denominator, so no interval'
            else 'population-weighted mean of LSOA values'
        end as method_note
    from aggregated
    inner join definitions using (indicator_id)
),

{#- Secondary suppression: where exactly one ward's count is withheld, it could be recovered
    from the borough total, so the next smallest ward count is withheld too. -#}
protected as (
    select
        *,
        disclosive or (
            area_type = 'ward' and value_type in ('proportion', 'count') and numerator is not null
            and count(*) filter (where disclosive) over (partition by indicator_id, period, area_type) = 1
            and not disclosive
            and row_number() over (
                partition by indicator_id, period, area_type, disclosive order by numerator, area_code
            ) = 1
        ) as withheld,
        case when disclosive then 'small count' end as primary_reason
    from computed
),

built as (
    select
        indicator_id,
        area_code,
        area_type,
        period,
        period_start,
        period_end,
        case when withheld then null else numerator end as numerator,
        denominator,
        case when withheld then null else raw_value end as value,
        case when has_interval and not withheld then wilson_lower(numerator, denominator, 0.95) * multiplier end
            as lower_ci_95,
        case when has_interval and not withheld then wilson_upper(numerator, denominator, 0.95) * multiplier end
            as upper_ci_95,
        case when has_interval and not withheld then wilson_lower(numerator, denominator, 0.998) * multiplier end
            as lower_ci_998,
        case when has_interval and not withheld then wilson_upper(numerator, denominator, 0.998) * multiplier end
            as upper_ci_998,
        withheld as suppressed,
        source_id,
        is_demo,
        n_lsoas,
        case area_type
            when 'ward' then 'best-fit aggregation of LSOAs to May 2023 wards'
            else 'aggregation of all LSOAs in the borough'
        end as aggregation_method,
        case
            when primary_reason is not null then 'suppressed: a count below ' || disclosure_min_count || ' could identify people'
            when withheld then 'suppressed: withheld so that a small count elsewhere cannot be worked out from the total'
            else method_note
        end as method_note
    from protected
),

standardised as (
    select * from {{ ref('int_standardised_values') }} where area_type in ('ward', 'la')
),

published as (
    select indicator_id, area_code, area_type, period, period_start, period_end, value, source_id, is_demo
    from {{ ref('stg_fingertips__borough_indicators') }}
    union all
    select 'claimant_rate', area_code, area_type, period, period_start, period_end, claimant_rate_percent,
        source_id, is_demo
    from {{ ref('stg_nomis__claimant_rate_ward') }}
    where area_type = 'la'
),

combined as (
    select * from built
    union all by name
    select
        indicator_id, area_code, area_type, period, period_start, period_end,
        null::double as numerator, null::double as denominator, value,
        null::double as lower_ci_95, null::double as upper_ci_95, null::double as lower_ci_998, null::double as upper_ci_998,
        false as suppressed, source_id, is_demo, null::bigint as n_lsoas,
        'as published for the ' || case area_type when 'la' then 'borough' else 'country' end as aggregation_method,
        'published value; no interval is published' as method_note
    from published
    union all by name
    select
        indicator_id, area_code, area_type, period, cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        numerator, denominator, value, lower_ci_95, upper_ci_95, lower_ci_998, upper_ci_998,
        value is null as suppressed, source_id, is_demo, null::bigint as n_lsoas,
        case area_type when 'ward' then 'computed for the May 2023 ward from age-banded counts'
            else 'computed for the borough from age-banded counts' end as aggregation_method,
        coalesce(
            'withheld: ' || withheld_reason,
            case when indicator_id like 'life_expectancy%'
                then 'Chiang II abridged life table, Silcocks'' variance'
                else 'directly standardised to the 2013 European Standard Population, Dobson limits' end
        ) as method_note
    from standardised
),

benchmarks as (
    select indicator_id, period, area_type, value from combined where area_type in ('la', 'england')
),

polarities as (
    select indicator_id, polarity from {{ ref('indicator_definitions') }}
)

select
    combined.*,
    case when combined.area_type = 'ward' then compare_with_benchmark(
        combined.lower_ci_95, combined.upper_ci_95, combined.lower_ci_998, combined.upper_ci_998,
        borough.value, polarities.polarity) end as compared_to_la,
    case when combined.area_type != 'england' and england.value is not null then compare_with_benchmark(
        combined.lower_ci_95, combined.upper_ci_95, combined.lower_ci_998, combined.upper_ci_998,
        england.value, polarities.polarity) end as compared_to_england,
    coalesce(trends.trend, 'Cannot be calculated') as trend
from combined
inner join polarities using (indicator_id)
left join benchmarks as borough
    on borough.area_type = 'la' and borough.indicator_id = combined.indicator_id and borough.period = combined.period
left join benchmarks as england
    on england.area_type = 'england' and england.indicator_id = combined.indicator_id
    and england.period = combined.period
left join {{ ref('int_indicator_trends') }} as trends
    on trends.indicator_id = combined.indicator_id and trends.area_code = combined.area_code
    and trends.period = combined.period
