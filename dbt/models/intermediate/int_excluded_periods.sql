{#- Every period left out of a trend or gap test, and why: the rules of the seed exclusion_rules,
    applied here and nowhere else (int_indicator_trends, int_inequality_sii and fct_inequality
    read this table). One row per indicator, kind of area, area and period, with the rule of
    highest precedence where several apply:
    - area_type 'ward' or 'la': the figure is incomplete, withheld, a range (suppressed inputs)
      or withheld by its method, so no trend test draws on it or on any series holding it;
    - area_type 'council_wards' (area_code the council): a ward figure of the council's period is
      incomplete, withheld or a range, so the council and period have no inequality measure and
      enter no gap test (a quintile or SII would be biased, or give a withheld count back);
    - area_type 'council' (area_code the council, '*' for areas outside the configured councils):
      the period falls within a break (int_value_epochs.affected), so it enters no trend or gap
      test of the council's series. -#}
{{ config(materialized='table') }}

with

rules as (
    select * from {{ ref('exclusion_rules') }}
),

area_values as (
    select indicator_id, area_type, area_code, la_code, period, n_suppressed, incomplete_reason
    from {{ ref('int_area_indicator_values') }}
),

figures as (
    select indicator_id, area_type, area_code, la_code, period, 'incomplete' as rule_id
    from area_values where incomplete_reason is not null
    union all
    select indicator_id, area_type, area_code, la_code, period, 'suppressed'
    from area_values where n_suppressed > 0
    union all
    select indicator_id, area_type, area_code, la_code, period, 'withheld'
    from {{ ref('int_withheld_counts') }}
    union all
    select indicator_id, area_type, area_code, la_code, period, 'withheld_by_method'
    from {{ ref('int_standardised_values') }}
    where area_type in ('ward', 'la') and value is null
),

council_wards as (
    select indicator_id, 'council_wards' as area_type, la_code as area_code, la_code, period, rule_id
    from figures
    where area_type = 'ward' and rule_id in ('incomplete', 'withheld', 'suppressed')
),

breaks as (
    select indicator_id, 'council' as area_type, la_code as area_code, la_code, period, 'break' as rule_id
    from {{ ref('int_value_epochs') }}
    where affected
),

every_exclusion as (
    select * from figures
    union all
    select * from council_wards
    union all
    select * from breaks
)

select
    every_exclusion.indicator_id, every_exclusion.area_type, every_exclusion.area_code, every_exclusion.la_code,
    every_exclusion.period, every_exclusion.rule_id, rules.reason, rules.series_reason
from every_exclusion
inner join rules using (rule_id)
qualify row_number() over (
    partition by every_exclusion.indicator_id, every_exclusion.area_type, every_exclusion.area_code, every_exclusion.period
    order by rules.precedence
) = 1
