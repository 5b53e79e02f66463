{#- One row per indicator, area (ward or borough) and period, with Wilson 95% and 99.8%
    limits for proportions (from dagster_project.methods, registered as DuckDB functions).
    Counts from 1 to disclosure_min_count - 1 are disclosive: value, limits and count are
    withheld and the row is marked suppressed. -#}
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
        definitions.value_type,
        definitions.multiplier,
        definitions.value_type = 'proportion'
            and aggregated.numerator >= 1
            and aggregated.numerator < definitions.disclosure_min_count as disclosive,
        case definitions.value_type
            when 'proportion' then aggregated.numerator / aggregated.denominator
            else aggregated.score
        end * definitions.multiplier as raw_value,
        case when definitions.value_type = 'proportion' then
            wilson_lower(aggregated.numerator, aggregated.denominator, 0.95) * definitions.multiplier end as raw_lower_95,
        case when definitions.value_type = 'proportion' then
            wilson_upper(aggregated.numerator, aggregated.denominator, 0.95) * definitions.multiplier end as raw_upper_95,
        case when definitions.value_type = 'proportion' then
            wilson_lower(aggregated.numerator, aggregated.denominator, 0.998) * definitions.multiplier end as raw_lower_998,
        case when definitions.value_type = 'proportion' then
            wilson_upper(aggregated.numerator, aggregated.denominator, 0.998) * definitions.multiplier end as raw_upper_998
    from aggregated
    inner join definitions using (indicator_id)
)

select
    indicator_id,
    area_code,
    area_type,
    period,
    period_start,
    period_end,
    case when disclosive then null else numerator end as numerator,
    denominator,
    case when disclosive then null else raw_value end as value,
    case when disclosive then null else raw_lower_95 end as lower_ci_95,
    case when disclosive then null else raw_upper_95 end as upper_ci_95,
    case when disclosive then null else raw_lower_998 end as lower_ci_998,
    case when disclosive then null else raw_upper_998 end as upper_ci_998,
    disclosive as suppressed,
    source_id,
    is_demo,
    n_lsoas,
    case area_type
        when 'ward' then 'best-fit aggregation of LSOAs to May 2023 wards'
        else 'aggregation of all LSOAs in the borough'
    end as aggregation_method
from computed
