{#- DWP children aged 0 to 15 in relative low income families by 2011 MSOA, one row per MSOA
    and financial year (2014/15 to 2021/22; the last year provisional). ".." (nil or
    negligible) loads as null and is kept as a suppressed count. -#}
with

source as (
    select * from {{ source('raw', 'cilif_relative_msoa11') }}
),

unpivoted as (
    {{ unpivot_keeping_suppressed('source', '^[0-9]{4}_[0-9]{2}(_p)?$', 'year_label', 'children') }}
),

renamed as (
    select
        msoa11cd as msoa_code,
        'cilif_relative_msoa11' as source_id,
        left(year_label, 4) || '/' || substr(year_label, 6, 2) as period,
        make_date(cast(left(year_label, 4) as integer), 4, 1) as period_start,
        make_date(cast(left(year_label, 4) as integer) + 1, 3, 31) as period_end,
        case when year_label like '%\_p' escape '\' then 'provisional' else 'final' end as revision_status,
        nullif(children, -1)::double as children,
        children = -1 as suppressed,
        _is_demo as is_demo
    from unpivoted
)

select * from renamed
