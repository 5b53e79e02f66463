{#- Emergency admissions and population by ESP2013 age band for May-2023 wards (local extract). -#}
with

source as (
    select * from {{ source('raw', 'admissions_ward23') }}
),

renamed as (
    select
        period,
        area_code,
        area_name,
        age_band,
        admissions,
        population,
        _is_demo as is_demo
    from source
)

select * from renamed
