{#- New individual insolvencies by the debtor's 2017 ward, one row per ward, type and calendar
    year (the publisher's wide layout, one column per year, unpivoted). Types: bankruptcy,
    debt relief order (DRO), individual voluntary arrangement (IVA) and their total. -#}
with

source as (
    select * from {{ source('raw', 'insolvencies_ward17') }}
),

unpivoted as (
    unpivot source
    on columns('^[0-9]{4}$')
    into name year value insolvencies
),

renamed as (
    select
        ward_code as area_code,
        ward_name as area_name,
        local_authority_code as la_code,
        lower(insolvency_type) as insolvency_type,
        'insolvencies_ward17' as source_id,
        year as period,
        make_date(cast(year as integer), 1, 1) as period_start,
        make_date(cast(year as integer), 12, 31) as period_end,
        insolvencies,
        _is_demo as is_demo
    from unpivoted
)

select * from renamed
