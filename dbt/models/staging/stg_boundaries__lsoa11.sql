with

source as (
    select * from {{ source('raw', 'boundaries_lsoa11') }}
),

renamed as (
    select
        area_code as lsoa_code,
        area_name as lsoa_name,
        geometry as geometry_geojson
    from source
)

select * from renamed
