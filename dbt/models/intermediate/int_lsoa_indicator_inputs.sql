{#- One row per indicator, period and LSOA: a numerator and denominator (proportions and
    counts) or a score and its population weight (scores, and rates whose release publishes
    no denominator). A numerator suppressed at source keeps its row and its denominator
    (input_suppressed), so that ward and borough figures can be bounded, never biased by
    dropping the LSOA. weight_population says which populations weight a score. To add an
    indicator: a row in the indicator_definitions seed and a select below. -#}
with

periods as (
    select source_id, release, period, period_start, period_end, try_cast(right(release, 4) as integer) as release_year
    from {{ ref('stg_registry__sources') }}
),

populations as (
    select * from {{ ref('int_lsoa_populations') }}
),

{#- the mid-year each IoD release's denominators stand for (seed population_years, with its source) -#}
release_years as (
    select population_of as release, population_year as year from {{ ref('population_years') }}
),

iod_scores as (
    select lsoa_code, lsoa_vintage, source_id, imd_score, income_score, employment_score, imd_decile,
        null::double as idaci_score, null::double as idaopi_score, is_demo
    from {{ ref('stg_iod2019__scores') }}
    union all by name
    select lsoa_code, lsoa_vintage, source_id, imd_score, income_score, employment_score, imd_decile,
        income_decile, health_decile, education_decile,
        null::double as idaci_score, null::double as idaopi_score, is_demo
    from {{ ref('stg_iod2025__scores') }}
    union all by name
    select lsoa_code, lsoa_vintage, source_id, imd_score, income_score, employment_score, imd_decile,
        idaci_score, idaopi_score, is_demo
    from {{ ref('stg_iod2015__scores') }}
),

file8 as (
    select * from {{ ref('stg_iod2019__file8_indicators') }}
    union all by name
    select * from {{ ref('stg_iod2025__file8_indicators') }}
),

{#- A release's own populations, else those of the nearest release (weights only). -#}
weights as (
    select
        periods.source_id,
        populations.lsoa_code,
        populations.release = periods.release as same_release,
        coalesce('mid-' || release_years.year, populations.release)
            || ' populations (' || populations.release || ' denominators)' as weight_population,
        populations.population_total,
        populations.population_children_0_15,
        populations.population_60_plus,
        populations.population_working_age
    from periods
    inner join populations on true
    left join release_years on release_years.release = populations.release
    {# only the sources weighted here (a cross join with every source's periods costs seconds at England's size) #}
    where periods.source_id in (select source_id from iod_scores union select source_id from file8)
    qualify row_number() over (
        partition by periods.source_id, populations.lsoa_code
        order by abs(populations.release_year - periods.release_year), populations.release_year desc
    ) = 1
),

{#- Weights for a release's scores (IMD): its own populations (File 6), else the total
    population supplied nearest the year the publisher weighted by (seed population_years, e.g.
    IoD2019 mid-2015): another release's File 6, a council's ONS mid-year estimates on
    2021 LSOAs, or Census 2021 usual residents (March 2021), in that order on a tie. -#}
score_populations as (
    select lsoa_code, release, release_years.year,
        population_total, 0 as preference,
        coalesce('mid-' || release_years.year, release) || ' populations (' || release || ' denominators)' as weight_population
    from populations
    left join release_years using (release)
    union all
    select lsoa_code, null, year, population_total, 1, population_year || ' populations (ONS small area estimates)'
    from {{ ref('stg_ons__population_lsoa21_years') }}
    union all
    select lsoa_code, null, 2021, residents, 2, 'Census 2021 usual residents'
    from {{ ref('stg_census__disability_equality_act') }}
),

score_weights as (
    select releases.source_id, candidates.lsoa_code, candidates.population_total, candidates.weight_population
    from (
        select distinct periods.source_id, periods.release, release_years.year
        from periods
        left join release_years using (release)
        where periods.release like 'IoD%' and periods.source_id in (select source_id from iod_scores)
    ) as releases
    inner join score_populations as candidates on candidates.population_total is not null
    qualify row_number() over (
        partition by releases.source_id, candidates.lsoa_code
        order by coalesce(candidates.release = releases.release, false) desc, abs(candidates.year - releases.year),
            candidates.preference
    ) = 1
),

release_scores as (
    select
        iod_scores.*,
        iod_scores.imd_decile as decile,
        periods.release,
        periods.period, periods.period_start, periods.period_end,
        score_weights.population_total as weight_total,
        weights.population_working_age as weight_working_age,
        weights.weight_population as working_age_weight_population,
        score_weights.weight_population
    from iod_scores
    inner join periods using (source_id)
    left join weights using (source_id, lsoa_code)
    left join score_weights using (source_id, lsoa_code)
),

file8_with_populations as (
    select
        file8.*,
        periods.period, periods.period_start, periods.period_end,
        case when weights.same_release then weights.population_total end as population_total,
        case when weights.same_release then weights.population_children_0_15 end as population_children_0_15,
        case when weights.same_release then weights.population_60_plus end as population_60_plus,
        case when weights.same_release then weights.population_working_age end as population_working_age,
        weights.population_total as weight_total,
        weights.population_working_age as weight_working_age,
        weights.weight_population,
        scores.income_score,
        scores.employment_score
    from file8
    inner join periods using (source_id)
    left join weights using (source_id, lsoa_code)
    left join release_scores as scores on scores.release = periods.release and scores.lsoa_code = file8.lsoa_code
),

census as (
    select census.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__highest_qualification') }} as census
    inner join periods using (source_id)
),

{#- Census 2011 households on 2021 LSOAs (one comparable series): a split 2011 LSOA's counts are
    shared among its 2021 LSOAs by their 2021 households, merged ones are summed. -#}
households as (
    select households.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__household_deprivation') }} as households
    inner join periods using (source_id)
    where households.lsoa_vintage = 2021
    union all by name
    select
        pieces.lsoa21_code as lsoa_code, 2021 as lsoa_vintage, households.source_id,
        {{ exact_sum('households.households * pieces.share_of_lsoa11') }} as households,
        {{ exact_sum('households.households_deprived * pieces.share_of_lsoa11') }} as households_deprived,
        bool_or(households.is_demo) as is_demo,
        any_value(periods.period) as period, any_value(periods.period_start) as period_start,
        any_value(periods.period_end) as period_end
    from {{ ref('stg_census__household_deprivation') }} as households
    inner join {{ ref('int_lsoa11_pieces') }} as pieces on pieces.lsoa11_code = households.lsoa_code
    inner join periods using (source_id)
    where households.lsoa_vintage = 2011
    group by pieces.lsoa21_code, households.source_id
),

disability_equality_act as (
    select disability.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__disability_equality_act') }} as disability
    inner join periods using (source_id)
),

no_qualifications_2011 as (
    select census.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__no_qualifications_working_age') }} as census
    inner join periods using (source_id)
),

census_health as (
    select health.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__general_health') }} as health
    inner join periods using (source_id)
),

census_disability as (
    select disability.*, periods.period, periods.period_start, periods.period_end
    from {{ ref('stg_census__disability') }} as disability
    inner join periods using (source_id)
),

{#- claimants over residents aged 16 to 64 of the mid-year nearest the month (the later of two
    equally near; mid-2016, 2017, 2019 or 2020 where supplied) -#}
claimants_own_year as (
    select claimants.*, population.population_16_64, population.population_year
    from {{ ref('stg_nomis__claimant_count_lsoa') }} as claimants
    inner join {{ ref('stg_ons__population_lsoa11_years') }} as population using (lsoa_code)
    qualify row_number() over (
        partition by claimants.source_id, claimants.period, claimants.lsoa_code
        order by abs(datediff('day', make_date(population.year, 6, 30), claimants.period_start)), population.year desc
    ) = 1
),

{#- numerator/denominator rows; where a release has no denominator, its published rate and a
    population weight (score/weight) are carried instead. -#}
proportions as (
    select 'income_deprivation' as indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        income_numerator as numerator, population_total as denominator, income_score as score, weight_total as weight, is_demo,
        weight_population
    from file8_with_populations
    union all
    select 'income_deprivation', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        null, null, income_score, weight_total, is_demo, weight_population
    from release_scores where source_id = 'iod2015_long'
    union all
    select 'employment_deprivation', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        employment_numerator, population_working_age, employment_score, weight_working_age, is_demo, weight_population
    from file8_with_populations
    union all
    select 'employment_deprivation', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        null, null, employment_score, weight_working_age, is_demo, working_age_weight_population
    from release_scores where source_id = 'iod2015_long'
    union all
    select 'child_income_deprivation', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        idaci_numerator, population_children_0_15, null, null, is_demo, weight_population
    from file8_with_populations
    union all
    select 'older_income_deprivation', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        idaopi_numerator, population_60_plus, null, null, is_demo, weight_population
    from file8_with_populations
    union all
    select 'no_qualifications', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        no_qualifications, residents_16_plus, null, null, is_demo, null
    from census
    union all
    select 'degree_level_qualifications', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        level_4_plus, residents_16_plus, null, null, is_demo, null
    from census
    union all
    select 'households_deprived', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        households_deprived, households, null, null, is_demo, null
    from households
    union all
    select 'claimant_count', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        claimants, population_16_64, null, null, is_demo, population_year
    from claimants_own_year
    union all
    select 'bad_health', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        bad_or_very_bad_health, residents, null, null, is_demo, null
    from census_health
    union all
    select 'disability_limited_a_lot', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        limited_a_lot, residents, null, null, is_demo, null
    from census_disability
    union all
    select 'disability', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        disabled, residents, null, null, is_demo, null
    from disability_equality_act
    union all
    select care.indicator_id, care.source_id, periods.period, periods.period_start, periods.period_end, care.lsoa_code,
        care.lsoa_vintage, care.numerator, care.residents, null, null, care.is_demo, null
    from {{ ref('stg_census__care_and_activity') }} as care
    inner join periods using (source_id)
),

counts as (
    select 'working_age_no_qualifications' as indicator_id, source_id, period, period_start, period_end, lsoa_code,
        lsoa_vintage, residents_16_64_no_qualifications as numerator, is_demo
    from no_qualifications_2011

),

scores as (
    select 'years_of_potential_life_lost' as indicator_id, source_id, period, period_start, period_end, lsoa_code,
        lsoa_vintage, years_of_potential_life_lost as score, weight_total as weight, is_demo, weight_population
    from file8_with_populations
    union all
    select 'comparative_illness_disability_ratio', source_id, period, period_start, period_end, lsoa_code,
        lsoa_vintage, comparative_illness_disability_ratio, weight_total, is_demo, weight_population
    from file8_with_populations
    union all
    select 'acute_morbidity', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        acute_morbidity, weight_total, is_demo, weight_population
    from file8_with_populations
    union all
    select 'mental_health', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        mental_health, weight_total, is_demo, weight_population
    from file8_with_populations
    union all
    select 'adult_skills_deprivation', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        adult_skills_rate, weight_working_age, is_demo, weight_population
    from file8_with_populations
    union all
    select 'entry_to_higher_education', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        entry_to_higher_education, weight_total, is_demo, weight_population
    from file8_with_populations
    union all
    select 'staying_on_post_16', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        staying_on_post_16, weight_total, is_demo, weight_population
    from file8_with_populations
    union all
    select 'imd_score', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        imd_score, weight_total, is_demo, weight_population
    from release_scores
    union all
    {# Unweighted share of LSOAs: each LSOA counts once, as the published statistic does. #}
    select 'most_deprived_decile_share', source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        case when decile = 1 then 1.0 else 0.0 end, 1.0, is_demo, 'each neighbourhood counted once (unweighted)'
    from release_scores
    where decile is not null
    union all
    {# The same share on the income, health and education domains (IoD2025 File 7 deciles). #}
    select domain_deciles.indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        case when domain_deciles.decile = 1 then 1.0 else 0.0 end, 1.0, is_demo,
        'each neighbourhood counted once (unweighted)'
    from release_scores
    cross join lateral (values
        ('income_most_deprived_share', income_decile),
        ('health_most_deprived_share', health_decile),
        ('education_most_deprived_share', education_decile)
    ) as domain_deciles(indicator_id, decile)
    where domain_deciles.decile is not null
),

combined as (
    select indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        numerator, denominator, null::double as score, null::double as weight, is_demo,
        numerator is null as input_suppressed,
        {#- the denominator's mid-year, for a series whose denominator changes with the period -#}
        case when indicator_id = 'claimant_count' then weight_population end as weight_population
    from proportions
    where denominator is not null
    union all
    select indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        null, null, score, weight, is_demo, false, weight_population
    from proportions
    where denominator is null and score is not null and weight is not null
    union all
    select indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        numerator, null, null, null, is_demo, false, null
    from counts
    where numerator is not null
    union all
    select indicator_id, source_id, period, period_start, period_end, lsoa_code, lsoa_vintage,
        null, null, score, weight, is_demo, false, weight_population
    from scores
    where score is not null and weight is not null
)

select * from combined
