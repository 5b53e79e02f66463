{#- Deaths and population by sex and life-table age band for May-2023 wards (local extract). -#}
with

source as (
    select * from {{ source('raw', 'mortality_ward23') }}
),

renamed as (
    select
        period,
        area_code,
        area_name,
        sex,
        age_band,
        deaths,
        population,
        _is_demo as is_demo
    from source
)

select * from renamed
