{#- Mid-year LSOA (2021) populations where a council supplies them (mid-2022, mid-2024; persons,
    all ages), one row per LSOA and year (each file's year from the seed population_years):
    weights for scores of the year nearest the publisher's. -#}
with

source as (
    select area_code, 'population_lsoa21_mid2022' as population_of, all_ages, _is_demo
    from {{ source('raw', 'population_lsoa21_mid2022') }}
    where sex = 'Persons'
    union all
    select area_code, 'population_lsoa21_mid2024', all_ages, _is_demo
    from {{ source('raw', 'population_lsoa21_mid2024') }}
    where sex = 'Persons'
),

years as (
    select population_of, population_year as year from {{ ref('population_years') }}
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
    inner join years using (population_of)
)

select * from renamed
