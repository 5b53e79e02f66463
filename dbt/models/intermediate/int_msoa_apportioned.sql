{#- DWP series published by 2011 MSOA, estimated for May-2023 wards and summed for councils.
    Each MSOA's count is shared among its LSOA pieces (int_lsoa11_pieces) in proportion to the
    population it counts: Census 2021 households for households on Universal Credit (the
    household count nearest most months, one denominator for every month), children aged 0 to
    15 of the mid-year nearest the period's middle (mid-2016, 2017, 2019 or 2020) for children in
    low income families. The ward's denominator is the same population, so the rate is the
    MSOA rate where a ward lies in one MSOA. Counts are conserved: a council's figure is the sum
    of its MSOAs (MSOAs nest in councils). ".." counts are nil or negligible: 0, flagged as
    suppressed, bounded by suppressed_input_max. split_share: the largest part of the ward's
    population that comes from any one MSOA divided between wards; above one half, the
    estimate rests mostly on one split. -#}
with

counts as (
    select 'uc_households' as indicator_id, 'households' as base, msoa_code, source_id, period, period_start,
        period_end, households as count_value, suppressed, is_demo
    from {{ ref('stg_dwp__uc_households_msoa11') }}
    union all
    select 'children_relative_low_income', 'children', msoa_code, source_id, period, period_start, period_end,
        children, suppressed, is_demo
    from {{ ref('stg_dwp__cilif_msoa11') }}
),

pieces as (
    select pieces.*, msoas.msoa_code
    from {{ ref('int_lsoa11_pieces') }} as pieces
    inner join {{ ref('stg_ons__lsoa11_msoa11') }} as msoas on msoas.lsoa_code = pieces.lsoa11_code
),

{#- each piece's population, by base and year -#}
populations as (
    select 'households' as base, 2021 as year, 'Census 2021 households' as population_name,
        pieces.lsoa11_code, pieces.lsoa21_code, households.households * pieces.share_of_lsoa21 as population
    from pieces
    inner join {{ ref('stg_census__household_deprivation') }} as households
        on households.lsoa_code = pieces.lsoa21_code and households.lsoa_vintage = 2021
    union all
    select 'children', people.year, people.population_year || ' population aged 0 to 15',
        pieces.lsoa11_code, pieces.lsoa21_code, people.population_0_15 * pieces.share_of_lsoa11
    from pieces
    inner join {{ ref('stg_ons__population_lsoa11_years') }} as people on people.lsoa_code = pieces.lsoa11_code
),

years as (
    select distinct base, year, population_name from populations
),

{#- the population year nearest the middle of each period (twice the distance: the sum of the
    distances to its first and last day), the later of two equally near -#}
period_years as (
    select counts.indicator_id, counts.base, counts.period, years.year, years.population_name
    from (select distinct indicator_id, base, period, period_start, period_end from counts) as counts
    inner join years using (base)
    qualify row_number() over (
        partition by counts.indicator_id, counts.period
        order by abs(datediff('day', make_date(years.year, 6, 30), counts.period_start)
            + datediff('day', make_date(years.year, 6, 30), counts.period_end)), years.year desc
    ) = 1
),

weighted as (
    select pieces.*, populations.base, populations.year, populations.population_name, populations.population,
        coalesce(
            populations.population / nullif({{ exact_sum('populations.population',
                over='(partition by populations.base, populations.year, pieces.msoa_code)') }}, 0),
            1.0 / count(*) over (partition by populations.base, populations.year, pieces.msoa_code)
        ) as share_of_msoa,
        count(distinct pieces.ward_code) over (partition by populations.base, populations.year, pieces.msoa_code)
            as n_wards_of_msoa
    from pieces
    inner join populations using (lsoa11_code, lsoa21_code)
),

{#- each ward's and each council's population (one grouping set a level); split_share for wards -#}
area_populations as (
    select
        base, year, la_code,
        if(grouping(ward_code) = 0, 'ward', 'la') as area_type,
        coalesce(ward_code, la_code) as area_code,
        {{ exact_sum('population') }} as population, count(distinct lsoa21_code) as n_lsoas,
        if(grouping(ward_code) = 0,
            coalesce(max(msoa_population) filter (where n_wards_of_msoa > 1), 0) / nullif({{ exact_sum('population') }}, 0),
            null) as split_share
    from (
        select *, {{ exact_sum('population', over='(partition by base, year, ward_code, msoa_code)') }} as msoa_population
        from weighted
    )
    group by grouping sets ((base, year, la_code, ward_code), (base, year, la_code))
),

joined as (
    select
        counts.indicator_id, counts.msoa_code, counts.source_id, counts.period, counts.period_start, counts.period_end,
        coalesce(counts.count_value, 0) * weighted.share_of_msoa as estimate,
        case when counts.suppressed then weighted.share_of_msoa else 0 end as suppressed_share,
        counts.suppressed, counts.is_demo,
        weighted.base, weighted.year, weighted.ward_code, weighted.la_code
    from counts
    inner join period_years using (indicator_id, period)
    inner join weighted
        on weighted.msoa_code = counts.msoa_code and weighted.base = counts.base and weighted.year = period_years.year
),

definitions as (
    select indicator_id, suppressed_input_max from {{ ref('indicator_definitions') }}
),

{#- each area's MSOAs (those with a piece in it), per population; an area's n_suppressed counts
    those whose count is suppressed (few rows: counted apart from the sums over every piece) -#}
area_msoas as (
    select distinct base, year, msoa_code, 'ward' as area_type, ward_code as area_code, la_code from weighted
    union all
    select distinct base, year, msoa_code, 'la', la_code, la_code from weighted
),

suppressed_msoas as (
    select
        counts.indicator_id, area_msoas.area_type, area_msoas.area_code, area_msoas.la_code, counts.source_id,
        counts.period, count(distinct counts.msoa_code) as n_suppressed
    from counts
    inner join period_years using (indicator_id, period)
    inner join area_msoas
        on area_msoas.msoa_code = counts.msoa_code and area_msoas.base = counts.base and area_msoas.year = period_years.year
    where counts.suppressed
    group by all
),

{#- each ward's pieces summed, in fixed point, and each council's wards from those sums (the same
    exact total as its pieces'); what is the same for every piece of an area (its population and
    name, suppressed counts, the indicator's suppressed_input_max) is joined to the sums -#}
ward_sums as (
    select
        indicator_id, ward_code, la_code, source_id, period, base, year,
        any_value(period_start) as period_start, any_value(period_end) as period_end,
        {{ exact_sum('estimate', exact=true) }} as numerator,
        {{ exact_sum('suppressed_share', exact=true) }} as suppressed_share,
        bool_or(is_demo) as is_demo
    from joined
    group by indicator_id, ward_code, la_code, source_id, period, base, year
),

level_sums as (
    select *, 'ward' as area_type, ward_code as area_code from ward_sums
    union all by name
    select
        indicator_id, la_code, source_id, period, base, year, any_value(period_start) as period_start,
        any_value(period_end) as period_end, sum(numerator) as numerator, sum(suppressed_share) as suppressed_share,
        bool_or(is_demo) as is_demo, 'la' as area_type, la_code as area_code
    from ward_sums
    group by indicator_id, la_code, source_id, period, base, year
),

sums as (
    select
        sums.indicator_id, sums.area_code, sums.area_type, sums.la_code, sums.source_id, sums.period,
        sums.period_start, sums.period_end, sums.numerator::double as numerator,
        sums.suppressed_share::double as suppressed_share, coalesce(suppressed.n_suppressed, 0) as n_suppressed,
        populations.population as denominator, populations.n_lsoas, populations.split_share, sums.is_demo
    from level_sums as sums
    inner join area_populations as populations
        on populations.base = sums.base and populations.year = sums.year
        and populations.area_type = sums.area_type and populations.area_code = sums.area_code
    left join suppressed_msoas as suppressed
        on suppressed.indicator_id = sums.indicator_id and suppressed.area_type = sums.area_type
        and suppressed.area_code = sums.area_code and suppressed.la_code = sums.la_code
        and suppressed.source_id = sums.source_id and suppressed.period = sums.period
),

areas as (
    select
        sums.indicator_id, sums.area_code, sums.area_type, sums.la_code, sums.source_id, sums.period, sums.period_start,
        sums.period_end, sums.numerator,
        sums.numerator + sums.suppressed_share * coalesce(definitions.suppressed_input_max, 0) as numerator_upper,
        sums.n_suppressed, sums.denominator, sums.n_lsoas, sums.split_share, period_years.population_name, sums.is_demo
    from sums
    inner join period_years using (indicator_id, period)
    left join definitions using (indicator_id)
)

select
    *,
    case area_type
        when 'ward' then 'estimated from MSOA counts: each MSOA''s count shared among its LSOAs by ' || population_name
        else 'sum of the council''s MSOA counts'
    end as aggregation_method
from areas
