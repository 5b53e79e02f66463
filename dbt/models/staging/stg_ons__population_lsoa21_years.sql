{#- Mid-year LSOA (2021) populations where a council supplies them (mid-2022, mid-2024; persons,
    all ages), one row per LSOA and year: weights for scores of the year nearest the publisher's. -#}
with

source as (
    select area_code, 2022 as year, all_ages, _is_demo
    from {{ source('raw', 'population_lsoa21_mid2022') }}
    where sex = 'Persons'
    union all
    select area_code, 2024, all_ages, _is_demo
    from {{ source('raw', 'population_lsoa21_mid2024') }}
    where sex = 'Persons'
),

renamed as (
    select
        area_code as lsoa_code,
        2021 as lsoa_vintage,
        year,
        'mid-' || year as population_year,
        all_ages::double as population_total,
        _is_demo as is_demo
    from source
)

select * from renamed
