{#- Census 2011 LC5601EW: residents aged 16 to 64 with no qualifications, LSOA rows only
    (the file also carries ward and borough totals). -#}
with

source as (
    select * from {{ source('raw', 'census2011_no_qualifications') }}
),

renamed as (
    select
        geography as lsoa_code,
        2011 as lsoa_vintage,
        'census2011_no_qualifications' as source_id,
        value as residents_16_64_no_qualifications,
        _is_demo as is_demo
    from source
    where geography like 'E01%'
)

select * from renamed
