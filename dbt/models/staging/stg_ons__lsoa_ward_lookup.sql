with

source as (
    select * from {{ source('raw', 'lookup_lsoa21_ward23') }}
),

renamed as (
    select
        lsoa21cd as lsoa_code,
        lsoa21nm as lsoa_name,
        wd23cd as ward_code,
        wd23nm as ward_name,
        lad23cd as la_code,
        lad23nm as la_name,
        'official best-fit lookup' as method
    from source
)

select * from renamed
