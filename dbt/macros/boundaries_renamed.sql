{#- Staging for a boundary file of `level` areas (lsoa, msoa...): code, name and the GeoJSON
    geometry as loaded (the reader has checked its CRS and bounds). -#}
{% macro boundaries_renamed(relation, level) %}
with

source as (
    select * from {{ relation }}
),

renamed as (
    select
        area_code as {{ level }}_code,
        area_name as {{ level }}_name,
        geometry as geometry_geojson
    from source
)

select * from renamed
{% endmacro %}
