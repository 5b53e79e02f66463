{#- 2011 LSOAs and the 2011 MSOA each lies in (from the output area lookup). -#}
with

source as (
    select * from {{ source('raw', 'lookup_oa11_msoa11') }}
),

renamed as (
    select distinct
        lsoa11cd as lsoa_code,
        msoa11cd as msoa_code,
        msoa11nm as msoa_name,
        lad11cd as la_code
    from source
)

select * from renamed
