{#- DWP households on Universal Credit by 2011 MSOA, one row per MSOA and month (the wide
    Stat-Xplore table unpivoted; "(r)" revised and "(p)" provisional months are kept as such).
    ".." (nil or negligible) loads as null and is kept as a suppressed count. -#}
with

source as (
    select * from {{ source('raw', 'uc_households_msoa11') }}
),

unpivoted as (
    unpivot (select msoa11cd, _is_demo, columns('^[a-z]+_[0-9]{4}(_[rp])?$') from source)
    on columns(* exclude (msoa11cd, _is_demo))
    include nulls
    into name month_label value households
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
        households::double as households,
        households is null as suppressed,
        _is_demo as is_demo
    from unpivoted
)

select * from renamed
