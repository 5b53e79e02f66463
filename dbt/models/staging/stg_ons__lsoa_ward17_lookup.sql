with

source as (
    select * from {{ source('raw', 'lookup_lsoa11_ward17') }}
),

renamed as (
    select
        lsoa11cd as lsoa_code,
        lsoa11nm as lsoa_name,
        2011 as lsoa_vintage,
        wd17cd as ward_code,
        wd17nm as ward_name,
        2017 as ward_vintage,
        lad17cd as la_code,
        lad17nm as la_name
    from source
)

select * from renamed
