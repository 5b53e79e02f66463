{#- One row per indicator, area and period, with every statement the site may make about it.
    - Values: proportions with Wilson 95% and 99.8% limits (inline SQL, the formula of
      dagster_project.methods); scores as population-weighted means (weight_note names the
      populations); LE and DSR from int_standardised_values; borough and England series as
      published (with the publisher's own significance where released).
    - Suppression: counts above 0 and below disclosure_min_count are withheld (estimates too) (suppression
      'primary'), and enough other ward counts of the council (or its total) that no withheld
      count can be worked out from the published ones (suppression 'secondary').
    - Incomplete sources: where a source period lacks some of a council's LSOAs, that council's
      figures for the period have value_status 'incomplete' and no value (method_note says why).
    - Suppressed inputs: where LSOA numerators were suppressed at source, the value is a range
      (value_status 'bounded', value_lower_bound to value_upper_bound), never a biased rate.
    - Segments: each value belongs to one comparable series (seed series_segments; otherwise
      its own release). Trends are tested within a segment only.
    - Comparisons: only rates, scores with intervals or published significance are compared,
      at 95% confidence, with the ward's own council and with England; otherwise
      'Cannot be assessed' with comparison_reason in plain words. -#}
{{ config(materialized='table') }}

with

{{ withheld_from(ref('int_area_indicator_values'), ref('indicator_definitions'), ref('int_withheld_counts')) }},

built as (
    select
        indicator_id,
        area_code,
        area_type,
        la_code,
        period,
        period_start,
        period_end,
        source_id,
        is_demo,
        n_lsoas,
        n_suppressed,
        split_share,
        aggregation_method,
        weight_population,
        withheld,
        disclosive,
        suppression,
        denominator is not null as has_interval,
        case
            when incomplete_reason is not null then 'incomplete'
            when withheld then 'withheld'
            when n_suppressed > 0 and suppressed_input_max is null then 'withheld'
            when n_suppressed > 0 then 'bounded'
            else 'published'
        end as value_status,
        case when not withheld and n_suppressed = 0 then numerator end as numerator,
        denominator,
        case when not withheld and n_suppressed = 0 then unscaled_value * multiplier end as value,
        case when not withheld and n_suppressed > 0 and denominator > 0 then numerator / denominator * multiplier end
            as value_lower_bound,
        case when not withheld and n_suppressed > 0 and denominator > 0 then numerator_upper / denominator * multiplier end
            as value_upper_bound,
        case when denominator is not null and not withheld and numerator_upper is not null
            then {{ wilson_limit('numerator', 'denominator', z95(), '-') }} * multiplier end as lower_ci_95,
        case when denominator is not null and not withheld and numerator_upper is not null
            then {{ wilson_limit('numerator_upper', 'denominator', z95(), '+') }} * multiplier end as upper_ci_95,
        case when denominator is not null and not withheld and numerator_upper is not null
            then {{ wilson_limit('numerator', 'denominator', z998(), '-') }} * multiplier end as lower_ci_998,
        case when denominator is not null and not withheld and numerator_upper is not null
            then {{ wilson_limit('numerator_upper', 'denominator', z998(), '+') }} * multiplier end as upper_ci_998,
        case
            when incomplete_reason is not null then incomplete_reason
            when disclosive then 'suppressed: a count below ' || disclosure_min_count || ' could identify people'
            when withheld then 'suppressed: withheld so that a small count elsewhere cannot be worked out from the published totals'
            when n_suppressed > 0 and suppressed_input_max is null
                then 'withheld: ' || n_suppressed || ' of its ' || n_lsoas || ' neighbourhoods'' counts are suppressed at source'
            when n_suppressed > 0
                then 'a range: ' || n_suppressed || ' of its ' || n_lsoas || ' neighbourhoods'' counts are suppressed at source '
                    || '(0 to ' || cast(suppressed_input_max as integer) || ' each), so the rate lies between the two bounds; '
                    || 'the interval runs from the lower bound''s lower limit to the upper bound''s upper limit'
            when denominator is not null and split_share is not null
                then 'numerator over denominator, Wilson score interval; the count is an estimate, so the interval understates the uncertainty'
            when denominator is not null then 'numerator over denominator, Wilson score interval'
            when value_type = 'count' then 'sum of LSOA counts'
            when value_type = 'proportion'
                then 'population-weighted mean of LSOA rates: this release publishes no denominator, so no interval'
            else 'population-weighted mean of LSOA values'
        end as method_note
    from protected
),

standardised as (
    select * from {{ ref('int_standardised_values') }} where area_type in ('ward', 'la')
),

published as (
    {#- labelled with who released the figure and how it reached us (the registry's publisher) -#}
    select fingertips.indicator_id, fingertips.area_code, fingertips.area_type, fingertips.period,
        fingertips.period_start, fingertips.period_end, fingertips.value, fingertips.source_id, fingertips.is_demo,
        fingertips.significance,
        'as released for ' || case fingertips.area_type when 'la' then 'the borough' else 'England' end
            || ' by ' || registry.publisher || ' (' || registry.title || ')' as published_aggregation,
        null as published_note
    from {{ ref('stg_fingertips__borough_indicators') }} as fingertips
    left join {{ ref('stg_registry__sources') }} as registry using (source_id)
    union all
    select 'claimant_rate', area_code, area_type, period, period_start, period_end, claimant_rate_percent,
        source_id, is_demo, null, null, null
    from {{ ref('stg_nomis__claimant_rate_ward') }}
    where area_type = 'la'
    {#- England beside ward and council figures: published, or computed from a whole-England file #}
    union all
    select indicator_id, area_code, area_type, period, period_start, period_end, value, source_id, is_demo,
        null, aggregation_method, method_note
    from {{ ref('int_england_values') }}
),

ward_councils as (
    select ward_code, la_code from {{ ref('dim_ward') }}
),

combined as (
    select * exclude (withheld, disclosive, has_interval, n_suppressed) , n_suppressed as n_suppressed_inputs,
        null::varchar as published_significance
    from built
    union all by name
    select
        indicator_id, area_code, area_type, case when area_type = 'la' then area_code end as la_code,
        period, period_start, period_end,
        null::double as numerator, null::double as denominator, value,
        null::double as lower_ci_95, null::double as upper_ci_95, null::double as lower_ci_998, null::double as upper_ci_998,
        'published' as value_status, source_id, is_demo, null::bigint as n_lsoas,
        coalesce(published_aggregation,
            'as published for the ' || case area_type when 'la' then 'borough' else 'country' end) as aggregation_method,
        coalesce(published_note, 'published value; no interval is published') as method_note,
        significance as published_significance
    from published
    union all by name
    select
        standardised.indicator_id, standardised.area_code, standardised.area_type,
        coalesce(ward_councils.la_code, case when standardised.area_type = 'la' then standardised.area_code end) as la_code,
        standardised.period, cast(standardised.period_start as date) as period_start,
        cast(standardised.period_end as date) as period_end,
        standardised.numerator, standardised.denominator, standardised.value, standardised.lower_ci_95,
        standardised.upper_ci_95, standardised.lower_ci_998, standardised.upper_ci_998,
        case when standardised.value is null then 'withheld' else 'published' end as value_status,
        standardised.source_id, standardised.is_demo, null::bigint as n_lsoas,
        case standardised.area_type when 'ward' then 'computed for the May 2023 ward from age-banded counts'
            else 'computed for the borough from age-banded counts' end as aggregation_method,
        coalesce(
            'withheld: ' || standardised.withheld_reason,
            case when standardised.indicator_id like 'life_expectancy%'
                then 'Chiang II abridged life table, Silcocks'' variance'
                else 'directly standardised to the 2013 European Standard Population, Dobson limits' end
        ) as method_note
    from standardised
    left join ward_councils on ward_councils.ward_code = standardised.area_code
),

segments as (
    select indicator_id, period, segment_id, segment_label, break_reason from {{ ref('int_value_segments') }}
),

{#- a note depends on the figure's indicator, council and period, not its area: worked out once
    for each (a ward's figures share them) and joined to every area's figure below -#}
note_periods as (
    select distinct indicator_id, coalesce(la_code, '*') as council, period, period_start, period_end
    from combined
),

{#- notes beside each figure: series_notes rows (indicator_id may be a glob pattern) over the
    period, and every break of the row's council that bears on it (int_series_breaks): a dated
    change or a Universal Credit stage from its date on, a window (COVID-19) where it overlaps -#}
notes as (
    select indicator_id, council, period, period_start, period_end,
        string_agg(distinct note, ' ' order by note) as series_note
    from (
        select periods.*, notes.note
        from note_periods as periods
        inner join {{ ref('series_notes') }} as notes
            on periods.indicator_id glob notes.indicator_id
            and periods.period_start between notes.from_date and notes.to_date
        union all
        select periods.*, breaks.break_text || ': ' || breaks.note || ' (source: ' || breaks.source || ').'
        from note_periods as periods
        inner join {{ ref('int_series_breaks') }} as breaks
            on breaks.indicator_id = periods.indicator_id
            and breaks.la_code = periods.council
            and coalesce(periods.period_end, periods.period_start) >= breaks.break_from
            and (breaks.persists or periods.period_start <= breaks.break_to)
    )
    group by all
),

{#- benchmarks: a value, or the range a bounded value lies in -#}
benchmarks as (
    select
        indicator_id, period, area_code, area_type,
        coalesce(value, value_lower_bound) as low,
        coalesce(value, value_upper_bound) as high
    from combined where area_type in ('la', 'england')
),

with_benchmarks as (
    select
        combined.*,
        definitions.polarity,
        definitions.value_type,
        council.low as council_low, council.high as council_high,
        england.low as england_low, england.high as england_high
    from combined
    inner join definitions using (indicator_id)
    left join benchmarks as council
        on council.area_type = 'la' and council.indicator_id = combined.indicator_id
        and council.period = combined.period and council.area_code = combined.la_code
    left join benchmarks as england
        on england.area_type = 'england' and england.indicator_id = combined.indicator_id
        and england.period = combined.period
),

{#- +1: the 95% interval lies wholly above the benchmark (all of its range), -1 wholly below,
    0: it contains the whole benchmark range, null: cannot be assessed -#}
directions as (
    select
        *,
        case
            when lower_ci_95 is null or council_low is null then null
            when lower_ci_95 > council_high then 1
            when upper_ci_95 < council_low then -1
            when lower_ci_95 <= council_low and upper_ci_95 >= council_high then 0
        end as council_direction,
        case
            when lower_ci_95 is null or england_low is null then null
            when lower_ci_95 > england_high then 1
            when upper_ci_95 < england_low then -1
            when lower_ci_95 <= england_low and upper_ci_95 >= england_high then 0
        end as england_direction
    from with_benchmarks
),

worded as (
    select
        *,
        case
            when area_type != 'ward' then null
            when council_direction = 0 then 'Similar'
            when council_direction is not null and polarity = 'no_judgement' then case when council_direction > 0 then 'Higher' else 'Lower' end
            when council_direction is not null then case when (council_direction > 0) = (polarity = 'high_is_good') then 'Better' else 'Worse' end
            else 'Cannot be assessed'
        end as compared_to_la,
        case
            when area_type = 'england' then null
            when published_significance in ('Better', 'Worse', 'Similar', 'Higher', 'Lower') then published_significance
            when england_direction = 0 then 'Similar'
            when england_direction is not null and polarity = 'no_judgement' then case when england_direction > 0 then 'Higher' else 'Lower' end
            when england_direction is not null then case when (england_direction > 0) = (polarity = 'high_is_good') then 'Better' else 'Worse' end
            when england_low is not null or published_significance is not null then 'Cannot be assessed'
        end as compared_to_england,
        case
            when council_direction is not null then null
            when value_status = 'withheld' then 'the figure is withheld'
            when value_status = 'incomplete' then 'the figure is not published: its source is incomplete for this council in this period'
            when value_type = 'count' then 'a count: areas differ in size, so only rates are compared'
            when value_status = 'bounded' and lower_ci_95 is not null
                then 'the figure is a range because some neighbourhood counts are suppressed at source, and its interval overlaps part of the comparator''s range'
            when lower_ci_95 is null and value_type = 'score'
                then 'no confidence interval exists for this figure (a weighted average of published neighbourhood scores), so no difference can be tested'
            when lower_ci_95 is null and value_type = 'proportion'
                then 'this release publishes no denominator, so no confidence interval can be computed'
            when lower_ci_95 is null then 'no confidence interval is published for this figure'
            when area_type = 'ward' and council_low is null then 'the council''s figure is not available for this period'
            when area_type = 'ward' and council_low < council_high
                then 'the council''s figure is a range because some neighbourhood counts are suppressed at source, and this ward''s interval overlaps part of it'
        end as comparison_reason
    from directions
),

{#- ranks among the council's wards, on a narrow projection (one window, one sort, for the three):
    null values sort last, so ranks among the values are theirs alone -#}
ward_ranks as (
    select
        indicator_id, area_code, period,
        rank() over council as rank_in_la,
        count(value) over (council rows between unbounded preceding and unbounded following) as n_wards_in_la,
        {#- wards with the same value share a rank: pages say "joint" where n_tied > 1 -#}
        count(*) over (council range between current row and current row) as n_tied
    from combined
    where area_type = 'ward'
    window council as (partition by indicator_id, period, la_code order by value desc nulls last)
),

ranked as (
    select
        worded.*,
        case when worded.value is not null then ward_ranks.rank_in_la end as rank_in_la,
        ward_ranks.n_wards_in_la,
        case when worded.value is not null then ward_ranks.n_tied end as n_tied
    from worded
    left join ward_ranks
        on worded.area_type = 'ward' and ward_ranks.indicator_id = worded.indicator_id
        and ward_ranks.area_code = worded.area_code and ward_ranks.period = worded.period
)

select
    ranked.* exclude (polarity, value_type, council_low, council_high, england_low, england_high, council_direction,
        england_direction, published_significance, weight_population, split_share),
    ranked.value_status = 'withheld' as suppressed,
    segments.segment_id,
    segments.segment_label,
    segments.break_reason,
    notes.series_note,
    case
        when ranked.indicator_id = 'claimant_count' and ranked.weight_population is not null
            then 'rate per residents aged 16 to 64, ' || ranked.weight_population || ' estimates (the mid-year nearest the month)'
        when ranked.aggregation_method like 'estimated from MSOA counts%' or ranked.aggregation_method = 'sum of the council''s MSOA counts'
            then 'rate per ' || ranked.weight_population
                || case when ranked.area_type = 'ward' then '; the MSOA counts are shared among small areas by the same population' else '' end
        when ranked.weight_population is not null
            then 'weighted by ' || ranked.weight_population
                || case when ranked.area_type != 'england' then '; recomputed here from neighbourhood figures, not the publisher''s own area figure' else '' end
        when ranked.indicator_id in ('claimant_rate_monthly', 'claimant_count')
            then 'rate per residents aged 16 to 64, mid-2016 estimates'
        when ranked.indicator_id like '%_rate' and ranked.source_id = 'insolvencies_ward17'
            then 'rate per residents aged 18 and over, mid-2016 estimates (the same denominator for every year)'
    end as weight_note,
    ranked.split_share,
    coalesce(ranked.split_share > 0.5, false) as rests_on_one_split,
    {#- an apportioned count is an estimate: never to be printed as an exact small integer -#}
    ranked.split_share is not null and ranked.numerator is not null as count_is_estimate,
    {#- the count as pages and downloads print it: a shared-out (or otherwise fractional) count is
        an estimate, rounded (to 10 from 100) and labelled, never an exact-looking integer; rounded
        to 6 decimal places first, so that an estimate on a .5 boundary (a count shared in halves)
        rounds up, whatever its last digits -#}
    case
        when ranked.numerator is null then null
        when ranked.numerator = 0 or (ranked.split_share is null and abs(ranked.numerator - round(ranked.numerator)) < 1e-6)
            then format('{:,}', round(ranked.numerator)::bigint)
        when round(ranked.numerator, 6) < minimum.disclosure_min_count
            then 'fewer than ' || minimum.disclosure_min_count || ' (estimated)'
        else 'about ' || format('{:,}', round(round(ranked.numerator, 6),
            case when round(ranked.numerator, 6) >= 100 then -1 else 0 end)::bigint) || ' (estimated)'
    end as count_shown,
    coalesce(trends.trend, 'Cannot be assessed') as trend,
    trends.trend_method,
    trends.trend_p_value,
    coalesce(trends.trend_reason, 'the recent trend is assessed at the latest period of each comparable series') as trend_reason
from ranked
inner join segments using (indicator_id, period)
inner join definitions as minimum using (indicator_id)
left join notes
    on notes.indicator_id = ranked.indicator_id and notes.council = coalesce(ranked.la_code, '*')
    and notes.period = ranked.period and notes.period_start is not distinct from ranked.period_start
    and notes.period_end is not distinct from ranked.period_end
left join {{ ref('int_indicator_trends') }} as trends
    on trends.indicator_id = ranked.indicator_id and trends.area_code = ranked.area_code
    and trends.period = ranked.period
