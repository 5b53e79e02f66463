{#- Where each indicator's periods stand against its breaks, per council (int_series_breaks):
    epoch counts the breaks wholly before the period, so two periods may be compared only
    when their epochs are equal; a period that overlaps a break (the month or year it
    happened, a COVID-19 window, or a Universal Credit rollout window whose date is unknown)
    is `affected` and enters no test. since_break names the latest break before the period. -#}
with

periods as (
    select indicator_id, period, period_start, period_end from {{ ref('int_value_segments') }}
),

councils as (
    select distinct la_code from {{ ref('int_series_breaks') }}
    union select distinct la_code from {{ ref('int_ward_deprivation') }}
    union select '*'
),

placed as (
    select
        periods.indicator_id,
        councils.la_code,
        periods.period,
        count(breaks.break_id) filter (where breaks.break_to < periods.period_start) as epoch,
        count(breaks.break_id) filter (
            where breaks.break_from <= periods.period_end and breaks.break_to >= periods.period_start
        ) > 0 as affected,
        string_agg(breaks.break_text, '; ' order by breaks.break_from) filter (
            where breaks.break_from <= periods.period_end and breaks.break_to >= periods.period_start
        ) as affected_by,
        arg_max(breaks.break_text, breaks.break_to) filter (where breaks.break_to < periods.period_start) as since_break
    from periods
    cross join councils
    left join {{ ref('int_series_breaks') }} as breaks
        on breaks.indicator_id = periods.indicator_id and breaks.la_code = councils.la_code
    group by all
)

select * from placed
