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
    select
        links.mission_id, links.indicator_id, links.target_text, links.target_type, links.target_value,
        links.target_year, indicators.polarity
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
        links.target_type,
        links.target_value,
        links.target_year,
        year(baseline.period_start) as baseline_year,
        year(latest.period_start) as latest_year,
        abs(baseline_sii.value) as baseline_sii,
        abs(sii_trend.value) as latest_sii,
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
    left join {{ ref('fct_inequality') }} as baseline_sii
        on baseline_sii.indicator_id = links.indicator_id and baseline_sii.period = endpoints.baseline_period
        and baseline_sii.measure = 'sii_quintiles'
),

{#- Where a target is set: the value (or |SII|) a straight path from the baseline to the
    target would have reached by the latest period. -#}
with_path as (
    select
        *,
        least(greatest((latest_year - baseline_year) / nullif(target_year - baseline_year, 0), 0), 1) as elapsed,
        case target_type
            when 'value' then baseline_value + (target_value - baseline_value)
                * least(greatest((latest_year - baseline_year) / nullif(target_year - baseline_year, 0), 0), 1)
            when 'sii_reduction' then baseline_sii * (1 - target_value
                * least(greatest((latest_year - baseline_year) / nullif(target_year - baseline_year, 0), 0), 1))
        end as expected_by_now
    from compared
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
        end as gap_direction,
        case
            when target_type is null or expected_by_now is null or latest_year = baseline_year then null
            when target_type = 'sii_reduction' then latest_sii <= expected_by_now
            when polarity = 'low_is_good' then latest_value <= expected_by_now
            else latest_value >= expected_by_now
        end as on_track_for_target
    from with_path
)

select
    mission_id,
    indicator_id,
    baseline_period,
    baseline_value,
    latest_period,
    latest_value,
    target_text,
    target_type,
    target_value,
    target_year,
    expected_by_now,
    on_track_for_target,
    direction,
    gap_direction,
    borough_trend,
    case
        when direction = 'not enough data' then 'not enough data'
        when on_track_for_target then 'on track'
        when gap_direction = 'gap narrowing' then 'gap narrowing'
        when on_track_for_target is null and direction = 'improving' and gap_direction != 'gap widening' then 'on track'
        when direction = 'worsening' or gap_direction = 'gap widening' or not on_track_for_target then 'worsening'
        else 'no significant change'
    end as status
from judged
