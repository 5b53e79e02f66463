with

source as (
    select * from {{ source('raw', 'lookup_lsoa21_ward23') }}
),

renamed as (
    select
        lsoa21cd as lsoa_code,
        lsoa21nm as lsoa_name,
        2021 as lsoa_vintage,
        wd23cd as ward_code,
        wd23nm as ward_name,
        2023 as ward_vintage,
        lad23cd as la_code,
        lad23nm as la_name,
        'official best-fit lookup' as method,
        _is_demo as is_demo
    from source
)

select * from renamed
