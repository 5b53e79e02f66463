{#- The comparable series (segment) of every indicator, release and period: the seed
    series_segments row with the indicator and source whose `starts` is the latest on or
    before the period's start; a value with no such row is a segment of its own release, so
    releases are never assumed comparable. -#}
with

keys as (
    select distinct indicator_id, source_id, period, period_start, period_end from {{ ref('int_area_indicator_values') }}
    union
    select distinct indicator_id, source_id, period, cast(period_start as date), cast(period_end as date)
    from {{ ref('int_standardised_values') }}
    union
    select distinct indicator_id, source_id, period, period_start, period_end from {{ ref('stg_fingertips__borough_indicators') }}
    union
    select distinct 'claimant_rate', source_id, period, period_start, period_end from {{ ref('stg_nomis__claimant_rate_ward') }}
),

sources as (
    select source_id, title, release from {{ ref('stg_registry__sources') }}
),

assigned as (
    select
        keys.indicator_id,
        keys.period,
        keys.period_start,
        coalesce(keys.period_end, keys.period_start) as period_end,
        keys.source_id,
        coalesce(declared.segment_id, keys.indicator_id || ':' || keys.source_id) as segment_id,
        coalesce(declared.segment_label, sources.title) as segment_label,
        coalesce(
            declared.break_reason,
            'a separate release (' || coalesce(sources.release, keys.source_id)
                || '): figures from different releases are not assumed comparable'
        ) as break_reason
    from keys
    left join {{ ref('series_segments') }} as declared
        on declared.indicator_id = keys.indicator_id and declared.source_id = keys.source_id
        and (declared.starts is null or declared.starts <= keys.period_start)
    left join sources on sources.source_id = keys.source_id
    qualify row_number() over (
        partition by keys.indicator_id, keys.period order by declared.starts desc nulls last
    ) = 1
)

select
    *,
    {#- monthly series are tested over their last 12 points (a full year, so seasonal swings
        do not make a trend); others over their last 5, as Fingertips does -#}
    case when regexp_matches(period, '^[0-9]{4}-[0-9]{2}$') then 'monthly' else 'periodic' end as frequency
from assigned
