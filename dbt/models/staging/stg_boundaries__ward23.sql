with

source as (
    select * from {{ source('raw', 'boundaries_ward23') }}
),

renamed as (
    select
        area_code as ward_code,
        area_name as ward_name,
        local_authority_area_code as la_code,
        local_authority_area_name as la_name,
        lat as latitude,
        lon as longitude,
        geometry as geometry_geojson
    from source
)

select * from renamed
