{#- England's figure for an indicator and period, beside the wards' and councils' figures.
    - Published: the publishers' own England figures (stg_reference__england_figures), each with
      the indicator's own numerator, denominator and date (the reference table says why, per row).
    - Computed: a figure worked out here only where a national file holds every English LSOA and
      England's figure is made the way the ward and council figures are: the share of England's
      LSOAs among its most deprived tenth overall and on the income, health and education domains
      (IoD2025 File 7; each LSOA counted once, as for wards). Preferred to a reference copy of
      the same figure.
      A file holds every English LSOA when its IMD ranks run 1 to N with N rows. England's IMD
      score and the IoD income and employment rates are population-weighted (or need the
      numerators and populations), which the national file does not publish: no England figure.
    Each published figure is labelled with its publisher, table and release date, and the
    repackaging (repository, path, commit) the value was taken or worked out from.
    An England figure is kept only for an indicator and period the warehouse holds for real
    councils (never beside demonstration figures), and takes their period's dates. -#}
with

real_periods as (
    select indicator_id, period, any_value(period_start) as period_start, any_value(period_end) as period_end
    from {{ ref('int_area_indicator_values') }}
    where area_type = 'la' and not is_demo
    group by all
),

published as (
    select indicator_id, area_code, area_type, period, value, source_id, is_demo,
        publisher || ', ' || table_name || ' (released ' || strftime(cast(release_date as date), '%-d %B %Y')
            || '); the figure is worked out from the copy in ' || provenance as aggregation_method,
        'no interval is published. ' || derivation as method_note,
        2 as preference
    from {{ ref('stg_reference__england_figures') }}
),

{#- England's share of its LSOAs in the most deprived tenth, overall and on three domains -#}
national_deciles as (
    select domain_deciles.indicator_id, domain_deciles.domain_name,
        count(*) as n_lsoas,
        count(*) filter (where domain_deciles.decile = 1) as n_most_deprived,
        max(imd_rank) as max_rank,
        count(distinct imd_rank) as n_ranks,
        bool_or(is_demo) as is_demo
    from {{ ref('stg_iod2025__scores') }}
    cross join lateral (values
        ('most_deprived_decile_share', 'the Index of Multiple Deprivation', imd_decile),
        ('income_most_deprived_share', 'the Income Deprivation domain', income_decile),
        ('health_most_deprived_share', 'the Health Deprivation and Disability domain', health_decile),
        ('education_most_deprived_share', 'the Education, Skills and Training domain', education_decile)
    ) as domain_deciles(indicator_id, domain_name, decile)
    where lsoa_code like 'E01%'
    group by all
),

computed as (
    select indicator_id, 'E92000001' as area_code, 'england' as area_type,
        '2025' as period, 100.0 * n_most_deprived / n_lsoas as value, 'iod2025_scores' as source_id, is_demo,
        'computed here from every English LSOA in the national file (' || n_lsoas || ' LSOAs)' as aggregation_method,
        'the share of England''s LSOAs in its most deprived tenth on ' || domain_name || ': '
            || n_most_deprived || ' of ' || n_lsoas as method_note,
        1 as preference
    from national_deciles
    where n_lsoas > 0 and n_lsoas = max_rank and n_ranks = n_lsoas
),

{#- a figure computed from a supplied national file is preferred to the reference copy -#}
candidates as (
    select * from published
    union all
    select * from computed
),

combined as (
    select * from candidates
    qualify row_number() over (partition by indicator_id, period order by preference) = 1
)

select combined.* exclude (preference), real_periods.period_start, real_periods.period_end
from combined
inner join real_periods using (indicator_id, period)
where not combined.is_demo
