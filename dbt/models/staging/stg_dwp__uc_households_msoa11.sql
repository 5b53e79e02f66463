{#- DWP households on Universal Credit by 2011 MSOA, one row per MSOA and month (the wide
    Stat-Xplore table unpivoted; "(r)" revised and "(p)" provisional months are kept as such).
    ".." (nil or negligible) loads as null and is kept as a suppressed count. -#}
with

source as (
    select * from {{ source('raw', 'uc_households_msoa11') }}
),

unpivoted as (
    {{ unpivot_keeping_suppressed('source', '^[a-z]+_[0-9]{4}(_[rp])?$', 'month_label', 'households') }}
),

renamed as (
    select
        msoa11cd as msoa_code,
        'uc_households_msoa11' as source_id,
        strftime(strptime(regexp_extract(month_label, '^([a-z]+_[0-9]{4})', 1), '%B_%Y'), '%Y-%m') as period,
        cast(strptime(regexp_extract(month_label, '^([a-z]+_[0-9]{4})', 1), '%B_%Y') as date) as period_start,
        last_day(cast(strptime(regexp_extract(month_label, '^([a-z]+_[0-9]{4})', 1), '%B_%Y') as date)) as period_end,
        case regexp_extract(month_label, '_([rp])$', 1) when 'r' then 'revised' when 'p' then 'provisional' else 'final' end
            as revision_status,
        nullif(households, -1)::double as households,
        households = -1 as suppressed,
        _is_demo as is_demo
    from unpivoted
)

select * from renamed
