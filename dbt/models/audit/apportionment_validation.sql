{#- How well 2017-ward claimant counts are carried onto the May-2023 wards, out of sample: for each
    LSOA claimant snapshot month, its 2017 ward totals are shared among their LSOAs (a) by
    16-64 population and (b) by claimant shares of the nearest other snapshot (the method
    int_ward17_apportioned uses), summed into May-2023 wards and compared with the direct LSOA
    figures of that month. One row per method, month and ward; the methodology page publishes
    the errors. -#}
{{ config(materialized='table') }}

with

lsoa_ward17 as (
    select lsoa_code, ward_code as ward17_code from {{ ref('stg_ons__lsoa_ward17_lookup') }}
),

lsoa_ward23 as (
    select lsoa_code, ward_code, la_code from {{ ref('int_lsoa_ward_bestfit') }} where lsoa_vintage = 2011
),

counts as (
    select c.period, c.period_start, c.lsoa_code, l.ward17_code, c.claimants
    from {{ ref('stg_nomis__claimant_count_lsoa') }} as c
    inner join lsoa_ward17 as l using (lsoa_code)
    where c.claimants is not null
),

shares as (
    select period_start, lsoa_code, claimants / nullif(sum(claimants) over (partition by period_start, ward17_code), 0) as share
    from counts
),

population_shares as (
    select l.lsoa_code, p.population_16_64 / sum(p.population_16_64) over (partition by l.ward17_code) as share
    from lsoa_ward17 as l
    inner join {{ ref('stg_ons__population_mid2016') }} as p using (lsoa_code)
),

months as (select distinct period, period_start from counts),

{#- the nearest other snapshot month for each month (the earlier on a tie) -#}
nearest as (
    select months.period_start, other.period_start as other_start
    from months cross join months as other
    where other.period_start != months.period_start
    qualify row_number() over (
        partition by months.period_start
        order by abs(date_diff('day', other.period_start, months.period_start)), other.period_start
    ) = 1
),

totals as (
    select period_start, ward17_code, sum(claimants) as ward17_total from counts group by all
),

predicted as (
    select
        counts.period, counts.period_start, counts.lsoa_code, counts.claimants as direct,
        totals.ward17_total * population_shares.share as by_population,
        totals.ward17_total * coalesce(other.share, population_shares.share) as by_claimant_share
    from counts
    inner join totals using (period_start, ward17_code)
    inner join population_shares using (lsoa_code)
    left join nearest using (period_start)
    left join shares as other on other.period_start = nearest.other_start and other.lsoa_code = counts.lsoa_code
),

wards as (
    select
        predicted.period, lsoa_ward23.la_code, lsoa_ward23.ward_code,
        sum(direct) as direct, {{ exact_sum('by_population') }} as by_population,
        {{ exact_sum('by_claimant_share') }} as by_claimant_share
    from predicted
    inner join lsoa_ward23 using (lsoa_code)
    group by all
)

select period, la_code, ward_code, 'population shares (16 to 64)' as method, direct, by_population as estimate,
    by_population - direct as error
from wards
union all
select period, la_code, ward_code, 'claimant shares of the nearest other snapshot', direct, by_claimant_share,
    by_claimant_share - direct
from wards
