{#- Each mission indicator's progress in each council, judged only from a test at one stated
    confidence level (99.8%) and only within the latest comparable series (segment) since the
    latest break (int_value_epochs; no verdict spans a break):
    - direction: the trend test on the last 5 yearly points where there are enough (monthly
      series as yearly figures), else a z-test of the first and latest (int_indicator_trends);
    - gap_direction: the headline gap verdict (fct_inequality.is_gap_headline: the test at the
      council's latest period with a slope index of inequality), the one every page states;
    - on_track_for_target: the latest 99.8% interval wholly on the right (or wrong) side of the
      straight path from the baseline to the target.
    Every sentence names the window its test covered (window_from/window_to), and
    unassessed_group gives, in a few words, why an indicator cannot be judged.
    Without a test the status is 'cannot be assessed' and status_reason says why in plain
    words. Pages render status and status_reason; they never judge for themselves. -#}
with

links as (
    select
        links.mission_id, links.indicator_id, links.target_text, links.target_type, links.target_value,
        links.target_year, indicators.polarity, indicators.title, indicators.unit
    from {{ ref('bridge_mission_indicator') }} as links
    inner join {{ ref('dim_indicator') }} as indicators using (indicator_id)
),

{#- each council tracks the missions its configuration names (var council_missions) -#}
councils as (
    select distinct wards.la_code, missions.mission_id
    from {{ ref('dim_ward') }} as wards
    inner join (
        {%- set pairs = [] %}
        {%- for code, missions in var('council_missions').items() %}{% for mission in missions %}
        {#- values are quoted (the councils file is validated too: codes and [a-z0-9_]+ ids) -#}
        {%- do pairs.append("select '" ~ (code | replace("'", "''")) ~ "' as la_code, '" ~ (mission | replace("'", "''")) ~ "' as mission_id") %}
        {%- endfor %}{% endfor %}
        {#- a council configured without missions tracks none -#}
        {{ pairs | join(' union all ') if pairs else 'select null::varchar as la_code, null::varchar as mission_id where false' }}
    ) as missions using (la_code)
),

borough as (
    select * from {{ ref('fct_indicator_values') }} where area_type = 'la'
),

latest as (
    select * from borough
    where value is not null or value_lower_bound is not null
    qualify row_number() over (partition by indicator_id, area_code order by period_start desc) = 1
),

tests as (
    select * from {{ ref('int_indicator_trends') }}
),

gaps as (
    select * from {{ ref('fct_inequality') }} where measure = 'sii_quintiles'
),

assessed as (
    select
        links.*,
        councils.la_code,
        latest.segment_id,
        latest.segment_label,
        latest.value_status,
        tests.n_periods,
        tests.baseline_period,
        baseline.value as baseline_value,
        year(baseline.period_start) as baseline_year,
        latest.period as latest_period,
        latest.value as latest_value,
        latest.value_lower_bound as latest_lower_bound,
        latest.value_upper_bound as latest_upper_bound,
        latest.lower_ci_998 as latest_lower,
        latest.upper_ci_998 as latest_upper,
        latest_epoch.affected_by as latest_affected_by,
        latest_epoch.since_break as latest_since_break,
        regexp_matches(latest.period, '^[0-9]{4}-[0-9]{2}$') as latest_is_monthly,
        tests.since_break,
        tests.window_from,
        tests.window_to,
        cast(tests.tested_from as date) as tested_from,
        cast(tests.tested_to as date) as tested_to,
        tests.trend_from,
        year(latest.period_start) as latest_year,
        latest.trend as borough_trend,
        tests.trend_method,
        tests.trend_p_value,
        tests.trend_reason,
        tests.change_direction,
        tests.change_p_value,
        tests.change_method,
        tests.change_reason,
        baseline_gap.value as baseline_sii,
        latest_gap.value as latest_sii,
        {#- the SII's simulated 95% limits widened to 99.8% (normal approximation) -#}
        latest_gap.value + (latest_gap.lower_ci_95 - latest_gap.value) * {{ z998() }} / {{ z95() }} as latest_sii_lower,
        latest_gap.value + (latest_gap.upper_ci_95 - latest_gap.value) * {{ z998() }} / {{ z95() }} as latest_sii_upper,
        headline_gap.gap_trend,
        headline_gap.gap_test_method,
        headline_gap.gap_p_value,
        {#- a month in words (as the trend windows are), other periods as published -#}
        case when regexp_matches(gap_from.period, '^[0-9]{4}-[0-9]{2}$') then strftime(gap_from.period_start, '%B %Y')
            else gap_from.period end as gap_window_from,
        case when regexp_matches(gap_to.period, '^[0-9]{4}-[0-9]{2}$') then strftime(gap_to.period_start, '%B %Y')
            else gap_to.period end as gap_window_to
    from links
    inner join councils using (mission_id)
    left join latest on latest.indicator_id = links.indicator_id and latest.area_code = councils.la_code
    left join tests
        on tests.indicator_id = links.indicator_id and tests.area_code = councils.la_code
        and tests.period = latest.period
    left join {{ ref('int_value_epochs') }} as latest_epoch
        on latest_epoch.indicator_id = links.indicator_id and latest_epoch.la_code = councils.la_code
        and latest_epoch.period = latest.period
    left join borough as baseline
        on baseline.indicator_id = links.indicator_id and baseline.area_code = councils.la_code
        and baseline.period = tests.baseline_period
    left join gaps as latest_gap
        on latest_gap.indicator_id = links.indicator_id and latest_gap.la_code = councils.la_code
        and latest_gap.period = latest.period
    left join gaps as baseline_gap
        on baseline_gap.indicator_id = links.indicator_id and baseline_gap.la_code = councils.la_code
        and baseline_gap.period = tests.baseline_period and baseline_gap.segment_id = latest_gap.segment_id
    left join gaps as headline_gap
        on headline_gap.indicator_id = links.indicator_id and headline_gap.la_code = councils.la_code
        and headline_gap.is_gap_headline and headline_gap.gap_test_method is not null
    left join {{ ref('int_value_segments') }} as gap_from
        on gap_from.indicator_id = links.indicator_id and gap_from.segment_id = headline_gap.segment_id
        and gap_from.period_start = headline_gap.gap_tested_from
    left join {{ ref('int_value_segments') }} as gap_to
        on gap_to.indicator_id = links.indicator_id and gap_to.period = headline_gap.period
),

directions as (
    select
        *,
        case
            when latest_period is null or latest_affected_by is not null then 'cannot be assessed'
            when borough_trend like '%getting better' then 'improving'
            when borough_trend like '%getting worse' then 'worsening'
            when borough_trend = 'No significant change' then 'no significant change'
            when borough_trend in ('Increasing', 'Decreasing') then lower(borough_trend)
            when change_direction = 0 then 'no significant change'
            when change_direction is not null and polarity = 'no_judgement'
                then case when change_direction > 0 then 'increasing' else 'decreasing' end
            when change_direction is not null
                then case when (change_direction > 0) = (polarity = 'high_is_good') then 'improving' else 'worsening' end
            else 'cannot be assessed'
        end as direction,
        case
            when borough_trend not in ('Cannot be assessed') and borough_trend is not null then trend_method
            when change_direction is not null then change_method
        end as test_method,
        case
            when borough_trend not in ('Cannot be assessed') and borough_trend is not null then trend_p_value
            when change_direction is not null then change_p_value
        end as p_value,
        case
            when latest_period is null then 'no figure for the council has been supplied'
            when latest_affected_by is not null
                then 'the latest figures (' || latest_period || ') fall within a break in the series: ' || latest_affected_by
            when borough_trend not in ('Cannot be assessed') and borough_trend is not null then null
            when change_direction is not null then null
            when n_periods is null and latest_is_monthly and latest_since_break is not null
                then 'fewer than 12 monthly figures since the last break (' || latest_since_break
                    || '), so there is no yearly figure to test'
            when n_periods is null and latest_is_monthly
                then 'fewer than 12 consecutive monthly figures, so there is no yearly figure to test'
            else coalesce(change_reason, trend_reason, 'no test is available for these figures')
        end as direction_reason,
        case
            when gap_trend in ('gap narrowing', 'gap widening', 'no significant change') then gap_trend
            else 'cannot be assessed'
        end as gap_direction,
        {#- where a target is set: the value (or |SII|) a straight path from the baseline to the
            target would have reached by the latest period -#}
        case target_type
            when 'value' then baseline_value + (target_value - baseline_value)
                * least(greatest((latest_year - baseline_year) / nullif(target_year - baseline_year, 0), 0), 1)
            when 'sii_reduction' then abs(baseline_sii) * (1 - target_value
                * least(greatest((latest_year - baseline_year) / nullif(target_year - baseline_year, 0), 0), 1))
        end as expected_by_now
    from assessed
),

targets as (
    select
        *,
        case
            when target_type is null or expected_by_now is null or latest_year = baseline_year then null
            when target_type = 'value' and latest_lower is not null and polarity = 'low_is_good'
                then case when latest_upper < expected_by_now then true when latest_lower > expected_by_now then false end
            when target_type = 'value' and latest_lower is not null and polarity = 'high_is_good'
                then case when latest_lower > expected_by_now then true when latest_upper < expected_by_now then false end
            when target_type = 'sii_reduction' and latest_sii_lower is not null
                then case
                    when greatest(abs(latest_sii_lower), abs(latest_sii_upper)) < expected_by_now
                        and sign(latest_sii_lower) = sign(latest_sii_upper) then true
                    when least(abs(latest_sii_lower), abs(latest_sii_upper)) > expected_by_now
                        and sign(latest_sii_lower) = sign(latest_sii_upper) then false
                end
        end as on_track_for_target
    from directions
),

judged as (
    select
        *,
        case
            when direction = 'worsening' then 'worsening'
            when gap_direction = 'gap widening' then 'gap widening'
            when on_track_for_target = false then 'off track'
            when on_track_for_target then 'on track'
            when gap_direction = 'gap narrowing' then 'gap narrowing'
            when direction = 'improving' then 'improving'
            when direction in ('no significant change', 'increasing', 'decreasing')
                or gap_direction = 'no significant change' then 'no significant change'
            else 'cannot be assessed'
        end as status
    from targets
)

select
    mission_id,
    indicator_id,
    la_code,
    segment_id,
    n_periods,
    baseline_period,
    baseline_value,
    latest_period,
    latest_value,
    latest_lower_bound,
    latest_upper_bound,
    target_text,
    target_type,
    target_value,
    target_year,
    expected_by_now,
    on_track_for_target,
    direction,
    test_method,
    p_value,
    gap_direction,
    gap_test_method,
    gap_p_value,
    borough_trend,
    status,
    window_from,
    window_to,
    case when status != 'cannot be assessed' then tested_from end as tested_from,
    case when status != 'cannot be assessed' then tested_to end as tested_to,
    since_break,
    case
        when status != 'cannot be assessed' then null
        when latest_period is null then 'no figures supplied'
        when latest_affected_by is not null or direction_reason like '%since the last break%'
            then 'too few figures since a break in the series'
        when direction_reason like '%ranges or withheld%' then 'some figures are ranges or withheld'
        when direction_reason like '%are incomplete%' then 'some figures are incomplete'
        when direction_reason like '%no count or confidence interval%' then 'no count or confidence interval to test'
        when direction_reason like 'only one period%' or direction_reason like 'fewer than%'
            then 'too few comparable periods'
        else 'no test available'
    end as unassessed_group,
    {#- one plain-English sentence: what was found, from which test, or why nothing can be said -#}
    case
        when status = 'cannot be assessed' then
            'Cannot be assessed: ' || coalesce(direction_reason, 'no test is available for these figures')
            || case when gap_direction = 'cannot be assessed' then '; the gap between the most and least deprived wards cannot be tested either' else '' end
            || '.'
        else
            upper(status[1]) || status[2:] || ': '
            || case direction
                when 'improving' then 'the council figure improved'
                when 'worsening' then 'the council figure worsened'
                when 'no significant change' then 'the council figure did not change significantly'
                when 'increasing' then 'the council figure rose'
                when 'decreasing' then 'the council figure fell'
                else 'the change in the council figure cannot be tested (' || coalesce(direction_reason, 'no test') || ')'
            end
            || case
                when test_method like '%trend%' then ' over the last 5 points, from ' || trend_from || ' to ' || window_to
                when window_from is not null and window_from != window_to
                    then ' between ' || window_from || ' and ' || window_to
                else '' end
            || case when p_value is not null then ' (' || test_method || ', p = ' || printf('%.3g', p_value) || ')' else '' end
            || case gap_direction
                when 'gap narrowing' then '; the gap between the most and least deprived wards narrowed'
                when 'gap widening' then '; the gap between the most and least deprived wards widened'
                when 'no significant change' then '; the gap between the most and least deprived wards did not change significantly'
                else '; the gap between the most and least deprived wards cannot be tested'
            end
            || case when gap_p_value is not null
                then ' between ' || gap_window_from || ' and ' || gap_window_to
                    || ' (' || gap_test_method || ', p = ' || printf('%.3g', gap_p_value) || ')' else '' end
            || case on_track_for_target
                when true then '; the latest 99.8% interval is wholly on the right side of the path to the target'
                when false then '; the latest 99.8% interval is wholly on the wrong side of the path to the target'
                else '' end
            || '. Compared within one series: ' || coalesce(segment_label, segment_id)
            || coalesce(', since ' || since_break, '') || '.'
    end as status_reason
from judged
