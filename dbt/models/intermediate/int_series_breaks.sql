{#- Every break (seed series_breaks) per indicator and council: applies_to's ids or glob
    patterns matched against the indicator definitions, Universal Credit stages dated per
    council from universal_credit_dates (a council without its own row takes row `*`: the
    whole national rollout window). la_code `*` stands for any area outside the configured
    councils (England). -#}
with

councils as (
    select distinct la_code from {{ ref('int_ward_deprivation') }}
    union select '*'
),

indicators as (
    select indicator_id from {{ ref('indicator_definitions') }}
    union select 'claimant_rate'
),

declared as (
    select breaks.*, unnest(string_split(trim(breaks.applies_to), ' ')) as pattern
    from {{ ref('series_breaks') }} as breaks
),

per_council as (
    select
        indicators.indicator_id,
        councils.la_code,
        declared.break_id,
        declared.label,
        declared.note,
        coalesce(own.known_date, fallback.known_date, own.unknown_from, fallback.unknown_from, declared.from_date) as break_from,
        coalesce(own.known_date, fallback.known_date, own.unknown_to, fallback.unknown_to, declared.to_date) as break_to,
        coalesce(own.known_date, fallback.known_date) is null and declared.universal_credit_stage is not null
            as date_unknown,
        {#- the council's own window (months known, days not) rather than the national one -#}
        own.la_code is not null and own.la_code != '*' as council_window,
        coalesce(own.source, fallback.source, declared.source) as source,
        {#- a change persists from its date on (a Universal Credit stage, a dated change); a window
            (COVID-19) bears on the periods it overlaps only -#}
        declared.universal_credit_stage is not null or declared.from_date = declared.to_date as persists
    from declared
    inner join indicators on indicators.indicator_id glob declared.pattern
    inner join councils on declared.la_code is null or declared.la_code = councils.la_code
    left join {{ ref('universal_credit_dates') }} as own
        on own.stage = declared.universal_credit_stage and own.la_code = councils.la_code
    left join {{ ref('universal_credit_dates') }} as fallback
        on fallback.stage = declared.universal_credit_stage and fallback.la_code = '*' and own.la_code is null
)

select distinct
    *,
    label || case
        when date_unknown and council_window and strftime(break_from, '%Y-%m') = strftime(break_to, '%Y-%m')
            then ' (' || strftime(break_from, '%B %Y') || '; the day is not recorded, so the whole month is a break)'
        when date_unknown and council_window
            then ' (between ' || strftime(break_from, '%B %Y') || ' and ' || strftime(break_to, '%B %Y')
                || ', jobcentre by jobcentre; the days are not recorded, so the whole window is a break)'
        when date_unknown then ' (date not recorded for this council: the whole window '
            || strftime(break_from, '%B %Y') || ' to ' || strftime(break_to, '%B %Y') || ' is a break)'
        when break_from = break_to then ' (' || strftime(break_from, '%-d %B %Y') || ')'
        else ' (' || strftime(break_from, '%B %Y') || ' to ' || strftime(break_to, '%B %Y') || ')'
    end as break_text
from per_council
