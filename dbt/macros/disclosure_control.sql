{#- Disclosure control, one rule for every model that needs it: the CTEs `aggregated` (the rows of
    `values`, int_area_indicator_values), `definitions` (of `definitions_relation`,
    indicator_definitions) and `computed` (macro disclosure_inputs) to `protected` over them. `protected` adds disclosive, withheld and suppression ('primary' /
    'secondary') to each row. int_withheld_counts lists the withheld cells, for the models
    upstream of fct_indicator_values (trends, inequality), so no published test or measure draws
    on a withheld count, and for fct_indicator_values, which publishes with them (macro
    withheld_from: the rule is worked out once a build).

    Secondary suppression, per council, so that no withheld count can be worked out by
    differencing the published council total and ward counts. Counts of 1 to m - 1 (m =
    disclosure_min_count) are withheld (primary). Then non-zero ward counts (each m or more) are
    withheld too (secondary), in a fixed pseudo-random order (not smallest first, which would
    bound them from above), until the withheld margin - the primary counts plus, for each
    secondary cell, its count minus m - reaches n_primary x (m - 1): an attacker who knows the
    rule and the total then learns no more about the primary cells than "1 to m - 1" each.
    Where a council's ward counts cannot protect its primary cells, the council's own figure is
    withheld too. The margin is summed exactly (exact_sum) and compared rounded to 6 decimal
    places, so estimated (fractional) counts that add up to the threshold reach it: a tie
    protects, whatever the order of the rows or the floating-point noise of the estimates.
    Counts are likewise compared with 0 and m rounded to 6 decimal places (an estimate of
    4.9999999999999 is 5, not withheld). -#}
{% macro disclosure_control(values, definitions_relation) -%}
{{ disclosure_inputs(values, definitions_relation) }},

candidates as (
    select
        *,
        area_type = 'ward' and value_type in ('proportion', 'count') and not disclosive
            and n_suppressed = 0 and round(numerator, 6) >= disclosure_min_count and disclosure_min_count > 0 as candidate,
        count(*) filter (where disclosive) over council as n_primary,
        coalesce({{ exact_sum('numerator', filter='disclosive', over='council', exact=true) }}, 0) as primary_total
    from computed
    window council as (partition by indicator_id, period, area_type, la_code)
),

ordered as (
    select
        *,
        coalesce({{ exact_sum('numerator - disclosure_min_count', exact=true, over='(
            partition by indicator_id, period, area_type, la_code, candidate
            order by hash(indicator_id, period, area_code), area_code
            rows between unbounded preceding and 1 preceding
        )') }}, 0) as excess_before,
        row_number() over (
            partition by indicator_id, period, area_type, la_code, candidate
            order by hash(indicator_id, period, area_code), area_code
        ) as candidate_rank
    from candidates
),

ward_protection as (
    select
        *,
        candidate and n_primary > 0
            and (candidate_rank = 1 or round(primary_total + excess_before, 6) < n_primary * (disclosure_min_count - 1))
            as secondary
    from ordered
),

{#- councils whose withheld ward counts do not protect the primary ones: the total goes too -#}
unprotected_councils as (
    select indicator_id, period, la_code
    from ward_protection
    where area_type = 'ward'
    group by all
    having count(*) filter (where disclosive) > 0
        and (count(*) filter (where secondary) = 0
            or round(any_value(primary_total)
                + coalesce({{ exact_sum('numerator - disclosure_min_count', filter='secondary', exact=true) }}, 0), 6)
                < any_value(n_primary) * (any_value(disclosure_min_count) - 1))
),

protected as (
    select
        ward_protection.* exclude (candidate, n_primary, primary_total, excess_before, candidate_rank, secondary),
        disclosive or secondary or (area_type = 'la' and unprotected.la_code is not null) as withheld,
        case when disclosive then 'primary' when secondary or unprotected.la_code is not null then 'secondary' end
            as suppression
    from ward_protection
    left join unprotected_councils as unprotected
        on ward_protection.area_type = 'la' and unprotected.indicator_id = ward_protection.indicator_id
        and unprotected.period = ward_protection.period and unprotected.la_code = ward_protection.area_code
)
{%- endmacro %}


{#- The CTEs `aggregated`, `definitions` and `computed` of disclosure control: each row of `values`
    with its indicator's definitions and whether its count is disclosive (primary). -#}
{% macro disclosure_inputs(values, definitions_relation) -%}
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
            and round(aggregated.numerator, 6) > 0
            and round(aggregated.numerator, 6) < definitions.disclosure_min_count,
            false
        ) as disclosive,
        definitions.value_type,
        definitions.disclosure_min_count,
        definitions.multiplier,
        definitions.suppressed_input_max
    from aggregated
    inner join definitions using (indicator_id)
)
{%- endmacro %}

{#- disclosure_control's `protected` for the rows of `values`, from the cells the rule withholds as
    listed once a build (`withheld_relation`, int_withheld_counts: one row per indicator, area and
    period withheld, with its suppression), not worked out again: the same columns and rows. -#}
{% macro withheld_from(values, definitions_relation, withheld_relation) -%}
{{ disclosure_inputs(values, definitions_relation) }},

protected as (
    select computed.*, withheld.suppression is not null as withheld, withheld.suppression
    from computed
    left join {{ withheld_relation }} as withheld using (indicator_id, area_code, period)
)
{%- endmacro %}
