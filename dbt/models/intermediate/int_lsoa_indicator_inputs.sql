{#- One row per indicator, period and LSOA: a numerator and denominator (proportions) or a
    score and its population weight (scores). To add an indicator, add a row to the
    indicator_definitions seed and a select below. -#}
with

periods as (
    select source_id, release, period, period_start, period_end from {{ ref('stg_registry__sources') }}
),

populations as (
    select * from {{ ref('int_lsoa_populations') }}
),

latest_population as (
    select * from populations
    qualify row_number() over (partition by lsoa_code order by release desc) = 1
),

file8 as (
    select * from {{ ref('stg_iod2019__file8_indicators') }}
    union all by name
    select * from {{ ref('stg_iod2025__file8_indicators') }}
),

file8_with_populations as (
    select
        file8.*,
        periods.period,
        periods.period_start,
        periods.period_end,
        same_release.population_total,
        same_release.population_children_0_15,
        same_release.population_60_plus,
        same_release.population_working_age,
        coalesce(same_release.population_total, latest_population.population_total) as weight_total,
        coalesce(same_release.population_working_age, latest_population.population_working_age) as weight_working_age
    from file8
    inner join periods using (source_id)
    left join populations as same_release
        on same_release.release = periods.release and same_release.lsoa_code = file8.lsoa_code
    left join latest_population on latest_population.lsoa_code = file8.lsoa_code
),

census as (
    select census.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__highest_qualification') }} as census
    inner join periods using (source_id)
),

proportions as (
    select 'income_deprivation' as indicator_id, *, income_numerator as numerator, population_total as denominator
    from file8_with_populations
    union all by name
    select 'child_income_deprivation' as indicator_id, *, idaci_numerator as numerator, population_children_0_15 as denominator
    from file8_with_populations
    union all by name
    select 'older_income_deprivation' as indicator_id, *, idaopi_numerator as numerator, population_60_plus as denominator
    from file8_with_populations
    union all by name
    select 'employment_deprivation' as indicator_id, *, employment_numerator as numerator, population_working_age as denominator
    from file8_with_populations
    union all by name
    select 'no_qualifications' as indicator_id, *, no_qualifications as numerator, residents_16_plus as denominator
    from census
    union all by name
    select 'degree_level_qualifications' as indicator_id, *, level_4_plus as numerator, residents_16_plus as denominator
    from census
),

scores as (
    select 'years_of_potential_life_lost' as indicator_id, *, years_of_potential_life_lost as score, weight_total as weight
    from file8_with_populations
    union all by name
    select 'comparative_illness_disability_ratio' as indicator_id, *, comparative_illness_disability_ratio as score, weight_total as weight
    from file8_with_populations
    union all by name
    select 'acute_morbidity' as indicator_id, *, acute_morbidity as score, weight_total as weight
    from file8_with_populations
    union all by name
    select 'mental_health' as indicator_id, *, mental_health as score, weight_total as weight
    from file8_with_populations
    union all by name
    select 'adult_skills_deprivation' as indicator_id, *, adult_skills_rate as score, weight_working_age as weight
    from file8_with_populations
),

combined as (
    select indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        numerator, denominator, null::double as score, null::double as weight, is_demo
    from proportions
    where denominator is not null
    union all
    select indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        null, null, score, weight, is_demo
    from scores
    where score is not null and weight is not null
)

select * from combined
