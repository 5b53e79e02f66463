{#- Disclosure control, one rule for every model that needs it: the CTEs `aggregated` (the rows of
    `values`, int_area_indicator_values), `definitions` (of `definitions_relation`,
    indicator_definitions) and `computed` to `protected` over them. `protected` adds disclosive, withheld and suppression ('primary' /
    'secondary') to each row. fct_indicator_values publishes with it; int_withheld_counts lists
    the withheld cells for the models upstream of it (trends, inequality), so no published test
    or measure draws on a withheld count.

    Secondary suppression, per council, so that no withheld count can be worked out by
    differencing the published council total and ward counts. Counts of 1 to m - 1 (m =
    disclosure_min_count) are withheld (primary). Then non-zero ward counts (each m or more) are
    withheld too (secondary), in a fixed pseudo-random order (not smallest first, which would
    bound them from above), until the withheld total minus m for each secondary cell reaches
    (m - 1) for each primary cell: an attacker who knows the rule and the total then learns no
    more about the primary cells than "1 to m - 1" each. Where a council's ward counts cannot
    protect its primary cells, the council's own figure is withheld too. -#}
{% macro disclosure_control(values, definitions_relation) -%}
aggregated as (
    select * from {{ values }}
),

definitions as (
    select * from {{ definitions_relation }}
),

computed as (
    select
        aggregated.*,
        coalesce(
            definitions.value_type in ('proportion', 'count')
            and aggregated.n_suppressed = 0
            and aggregated.numerator > 0
            and aggregated.numerator < definitions.disclosure_min_count,
            false
        ) as disclosive,
        definitions.value_type,
        definitions.disclosure_min_count,
        definitions.multiplier,
        definitions.suppressed_input_max
    from aggregated
    inner join definitions using (indicator_id)
),

{#- each council's primary cells (disclosive counts): how many, and their total -#}
primaries as (
    select
        indicator_id, period, area_type, la_code, count(*) as n_primary, sum(numerator) as primary_total,
        any_value(disclosure_min_count) as disclosure_min_count
    from computed
    where disclosive
    group by indicator_id, period, area_type, la_code
),

{#- the ward rows of councils with a primary cell that may be candidates for secondary suppression
    (non-zero ward counts of m or more; null where that is unknown), on a narrow projection -#}
candidates as (
    select
        computed.indicator_id, computed.period, computed.la_code, computed.area_code, computed.numerator,
        computed.disclosure_min_count, primaries.n_primary, primaries.primary_total,
        computed.value_type in ('proportion', 'count') and not computed.disclosive and computed.n_suppressed = 0
            and computed.numerator >= computed.disclosure_min_count and computed.disclosure_min_count > 0 as candidate
    from computed
    inner join primaries
        on primaries.area_type = 'ward' and primaries.indicator_id = computed.indicator_id
        and primaries.period = computed.period and primaries.la_code is not distinct from computed.la_code
    where computed.area_type = 'ward'
),

{#- candidates are withheld in a fixed pseudo-random order until the primary cells are protected -#}
ward_protection as (
    select
        indicator_id, period, la_code, area_code, numerator, disclosure_min_count,
        candidate and (
            row_number() over in_order = 1
            or primary_total + coalesce(sum(numerator - disclosure_min_count) over (
                in_order rows between unbounded preceding and 1 preceding
            ), 0) < n_primary * (disclosure_min_count - 1)
        ) as secondary
    from candidates
    where candidate is not false
    window in_order as (
        partition by indicator_id, period, la_code, candidate
        order by hash(indicator_id, period, area_code), area_code
    )
),

{#- councils whose withheld ward counts do not protect the primary ones: the total goes too -#}
unprotected_councils as (
    select primaries.indicator_id, primaries.period, primaries.la_code
    from primaries
    left join (
        select indicator_id, period, la_code, sum(numerator - disclosure_min_count) as secondary_excess
        from ward_protection
        where secondary
        group by indicator_id, period, la_code
    ) as secondaries
        on secondaries.indicator_id = primaries.indicator_id and secondaries.period = primaries.period
        and secondaries.la_code is not distinct from primaries.la_code
    where primaries.area_type = 'ward'
        and (secondaries.secondary_excess is null
            or primaries.primary_total + secondaries.secondary_excess
                < primaries.n_primary * (primaries.disclosure_min_count - 1))
),

protected as (
    select
        computed.*,
        computed.disclosive or (ward_protection.area_code is not null and ward_protection.secondary)
            or (computed.area_type = 'la' and unprotected.la_code is not null) as withheld,
        case
            when computed.disclosive then 'primary'
            when ward_protection.secondary or unprotected.la_code is not null then 'secondary'
        end as suppression
    from computed
    left join (select * from ward_protection where secondary is distinct from false) as ward_protection
        on computed.area_type = 'ward' and ward_protection.indicator_id = computed.indicator_id
        and ward_protection.period = computed.period and ward_protection.area_code = computed.area_code
    left join unprotected_councils as unprotected
        on computed.area_type = 'la' and unprotected.indicator_id = computed.indicator_id
        and unprotected.period = computed.period and unprotected.la_code = computed.area_code
)
{%- endmacro %}
