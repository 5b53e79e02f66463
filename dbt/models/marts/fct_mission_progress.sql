{#- Each mission indicator's borough value at its first (baseline) and latest period, whether
    it has moved the right way, whether the gap between the most and least deprived wards has
    narrowed (the SII trend where it can be calculated, else the quintile gap), the borough's
    recent trend, and a plain-English status. A change counts only when the 95% intervals do not
    overlap; scores without intervals compare values. -#}
with

borough as (
    select * from {{ ref('fct_indicator_values') }} where area_type = 'la'
),

gaps as (
    select * from {{ ref('fct_inequality') }} where measure = 'quintile_gap'
),

links as (
    select links.mission_id, links.indicator_id, links.target_text, indicators.polarity
    from {{ ref('bridge_mission_indicator') }} as links
    inner join {{ ref('dim_indicator') }} as indicators using (indicator_id)
),

endpoints as (
    select
        indicator_id,
        arg_min(period, period_start) as baseline_period,
        arg_max(period, period_start) as latest_period,
        count(*) as n_periods
    from borough
    group by indicator_id
),

compared as (
    select
        links.mission_id,
        links.indicator_id,
        links.polarity,
        links.target_text,
        latest.trend as borough_trend,
        sii_trend.gap_trend as sii_gap_trend,
        endpoints.baseline_period,
        baseline.value as baseline_value,
        endpoints.latest_period,
        latest.value as latest_value,
        endpoints.n_periods,
        latest.value - baseline.value as change,
        latest.lower_ci_95 > baseline.upper_ci_95 or latest.upper_ci_95 < baseline.lower_ci_95 as ci_separated,
        baseline.lower_ci_95 is null as no_interval,
        abs(latest_gap.value) - abs(baseline_gap.value) as gap_change,
        latest_gap.lower_ci_95 > baseline_gap.upper_ci_95 or latest_gap.upper_ci_95 < baseline_gap.lower_ci_95
            as gap_ci_separated,
        baseline_gap.lower_ci_95 is null as gap_no_interval
    from links
    left join endpoints using (indicator_id)
    left join borough as baseline
        on baseline.indicator_id = links.indicator_id and baseline.period = endpoints.baseline_period
    left join borough as latest
        on latest.indicator_id = links.indicator_id and latest.period = endpoints.latest_period
    left join gaps as baseline_gap
        on baseline_gap.indicator_id = links.indicator_id and baseline_gap.period = endpoints.baseline_period
    left join gaps as latest_gap
        on latest_gap.indicator_id = links.indicator_id and latest_gap.period = endpoints.latest_period
    left join {{ ref('fct_inequality') }} as sii_trend
        on sii_trend.indicator_id = links.indicator_id and sii_trend.period = endpoints.latest_period
        and sii_trend.measure = 'sii_quintiles'
),

judged as (
    select
        *,
        case
            when coalesce(n_periods, 0) < 2 then 'not enough data'
            when not (no_interval or ci_separated) or change = 0 then 'no significant change'
            when (change < 0) = (polarity = 'low_is_good') and polarity != 'no_judgement' then 'improving'
            when polarity = 'no_judgement' then case when change > 0 then 'increasing' else 'decreasing' end
            else 'worsening'
        end as direction,
        case
            when sii_gap_trend is not null and sii_gap_trend != 'not enough data' then sii_gap_trend
            when coalesce(n_periods, 0) < 2 or gap_change is null then 'not enough data'
            when not (gap_no_interval or gap_ci_separated) or gap_change = 0 then 'no significant change'
            when gap_change < 0 then 'gap narrowing'
            else 'gap widening'
        end as gap_direction
    from compared
)

select
    mission_id,
    indicator_id,
    baseline_period,
    baseline_value,
    latest_period,
    latest_value,
    target_text,
    direction,
    gap_direction,
    borough_trend,
    case
        when direction = 'not enough data' then 'not enough data'
        when gap_direction = 'gap narrowing' then 'gap narrowing'
        when direction = 'improving' and gap_direction != 'gap widening' then 'on track'
        when direction = 'worsening' or gap_direction = 'gap widening' then 'worsening'
        else 'no significant change'
    end as status
from judged
