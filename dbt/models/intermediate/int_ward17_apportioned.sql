{#- Series published only on the 2017 wards, estimated for the May-2023 wards. Each 2017 ward's
    count is shared among its LSOAs (official LSOA 2011 to ward 2017 best fit): claimants by each
    LSOA's share of the ward's claimants in the nearest LSOA claimant snapshot (validated in
    audit.apportionment_validation; in a snapshot's own month the direct LSOA counts are the
    figure), otherwise - and for insolvencies - in proportion to their
    mid-2016 population (aged 16 to 64 for claimants, 18 and over for insolvencies), and
    the LSOA shares are summed into May-2023 wards. Counts are conserved: the May-2023 ward
    estimates of a period sum to the 2017 ward total of that period (months of direct LSOA
    counts aside). split_share is the
    largest part of a May-2023 ward's population that comes from any single 2017 ward that
    was divided between May-2023 wards; above one half, the estimate rests mostly on one split. -#}
with

ward17_values as (
    select 'claimant_rate_monthly' as indicator_id, 'working_age' as base, area_code as ward17_code, source_id,
        period, period_start, period_end, claimants::double as count_value, is_demo
    from {{ ref('stg_nomis__claimant_count_ward17') }}
    where area_type = 'ward'
    union all
    select
        case insolvency_type when 'total' then 'insolvency_rate' else insolvency_type || '_rate' end,
        'adults', area_code, source_id, period, period_start, period_end, insolvencies::double, is_demo
    from {{ ref('stg_insolvency__ward17') }}
),

{#- The insolvency statistics use the May-2021 wards: the 2017 wards in most councils, but already
    the current wards in Manchester (2018) and Salford (2021). A source ward code that is not a
    2017 ward but is a May-2023 ward takes that ward's LSOAs (the 2011 LSOA best fit), so its
    count passes to the same ward whole. -#}
lsoa_ward17 as (
    select lsoa_code, ward_code as ward17_code from {{ ref('stg_ons__lsoa_ward17_lookup') }}
    union all
    select lsoa_code, ward_code from {{ ref('int_lsoa_ward_bestfit') }}
    where lsoa_vintage = 2011 and ward_code not in (select ward_code from {{ ref('stg_ons__lsoa_ward17_lookup') }})
),

{#- the source wards each base's series uses (so that an LSOA counts once per base) -#}
source_wards as (
    select distinct base, ward17_code from ward17_values
),

lsoa_ward23 as (
    select lsoa_code, ward_code, la_code from {{ ref('int_lsoa_ward_bestfit') }} where lsoa_vintage = 2011
),

populations as (
    select lsoa_code, 'working_age' as base, population_16_64 as population from {{ ref('stg_ons__population_mid2016') }}
    union all
    select lsoa_code, 'adults', population_18_plus from {{ ref('stg_ons__population_mid2016') }}
),

{#- each LSOA's share of its 2017 ward's population, and its May-2023 ward -#}
lsoa_shares as (
    select
        populations.base,
        lsoa_ward17.ward17_code,
        lsoa_ward17.lsoa_code,
        lsoa_ward23.ward_code,
        lsoa_ward23.la_code,
        populations.population,
        populations.population / sum(populations.population) over (partition by populations.base, lsoa_ward17.ward17_code)
            as share
    from lsoa_ward17
    inner join populations using (lsoa_code)
    inner join source_wards on source_wards.base = populations.base and source_wards.ward17_code = lsoa_ward17.ward17_code
    inner join lsoa_ward23 using (lsoa_code)
),

{#- claimant shares: each LSOA's part of its 2017 ward's claimants in every LSOA snapshot month -#}
snapshot_shares as (
    select
        counts.period_start as snapshot_start,
        lsoa_ward17.ward17_code,
        counts.lsoa_code,
        counts.claimants / nullif(sum(counts.claimants) over (partition by counts.period_start, lsoa_ward17.ward17_code), 0)
            as share
    from {{ ref('stg_nomis__claimant_count_lsoa') }} as counts
    inner join lsoa_ward17 using (lsoa_code)
    where counts.claimants is not null
),

{#- in a month with direct LSOA claimant counts, those decide the May-2023 ward figure outright
    (one figure per ward and month: the same as the claimant_count indicator's) -#}
direct as (
    select 'working_age' as base, lsoa_ward23.ward_code, counts.period_start, sum(counts.claimants) as numerator
    from {{ ref('stg_nomis__claimant_count_lsoa') }} as counts
    inner join lsoa_ward23 using (lsoa_code)
    where counts.claimants is not null
        and counts.lsoa_code in (select lsoa_code from lsoa_ward17)  {#- a semi-join: an LSOA may map to two source wards -#}
    group by all
),

{#- the snapshot nearest each claimant month (the earlier on a tie) -#}
nearest_snapshot as (
    select months.period_start, snapshots.snapshot_start
    from (select distinct period_start from ward17_values where base = 'working_age') as months
    cross join (select distinct snapshot_start from snapshot_shares) as snapshots
    qualify row_number() over (
        partition by months.period_start
        order by abs(date_diff('day', snapshots.snapshot_start, months.period_start)), snapshots.snapshot_start
    ) = 1
),

{#- how much of each May-2023 ward comes from each 2017 ward, and whether that 2017 ward was split -#}
pieces as (
    select
        base, ward_code, ward17_code, sum(population) as population, {{ exact_sum('share') }} as share_of_ward17,
        count(distinct ward_code) over (partition by base, ward17_code) as n_wards23
    from lsoa_shares
    group by base, ward_code, ward17_code
),

split_flags as (
    select
        base, ward_code,
        coalesce(max(population) filter (where share_of_ward17 < 1 - 1e-9), 0) / sum(population) as split_share
    from pieces
    group by base, ward_code
),

denominators as (
    select base, ward_code, la_code, sum(population) as population, count(*) as n_lsoas
    from lsoa_shares
    group by base, ward_code, la_code
),

estimates as (
    select
        ward17_values.indicator_id,
        lsoa_shares.ward_code as area_code,
        lsoa_shares.la_code,
        ward17_values.base,
        ward17_values.source_id,
        ward17_values.period,
        ward17_values.period_start,
        ward17_values.period_end,
        {{ exact_sum('ward17_values.count_value * coalesce(claimant.share, lsoa_shares.share)') }} as numerator,
        bool_or(ward17_values.is_demo) as is_demo
    from ward17_values
    inner join lsoa_shares using (base, ward17_code)
    left join nearest_snapshot
        on ward17_values.base = 'working_age' and nearest_snapshot.period_start = ward17_values.period_start
    {#- a 2017 ward with no claimants in the snapshot keeps population shares (all its shares null) #}
    left join snapshot_shares as claimant
        on claimant.snapshot_start = nearest_snapshot.snapshot_start and claimant.ward17_code = lsoa_shares.ward17_code
        and claimant.lsoa_code = lsoa_shares.lsoa_code
    group by all
)

select
    estimates.indicator_id,
    estimates.area_code,
    'ward' as area_type,
    estimates.la_code,
    estimates.source_id,
    estimates.period,
    estimates.period_start,
    estimates.period_end,
    coalesce(direct.numerator, estimates.numerator) as numerator,
    denominators.population as denominator,
    denominators.n_lsoas,
    split_flags.split_share,
    estimates.is_demo
from estimates
inner join denominators
    on denominators.base = estimates.base and denominators.ward_code = estimates.area_code
inner join split_flags on split_flags.base = estimates.base and split_flags.ward_code = estimates.area_code
left join direct
    on direct.base = estimates.base and direct.ward_code = estimates.area_code and direct.period_start = estimates.period_start
