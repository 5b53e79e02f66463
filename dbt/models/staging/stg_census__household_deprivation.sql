{#- Census 2021 TS011: households by number of deprivation dimensions, to one row per LSOA. -#}
with

source as (
    select * from {{ source('raw', 'census2021_household_deprivation') }}
),

renamed as (
    select
        lsoa21_code as lsoa_code,
        2021 as lsoa_vintage,
        'census2021_household_deprivation' as source_id,
        sum(count) as households,
        sum(count) filter (where households_number_deprivation_dimensions >= 1) as households_deprived,
        bool_or(_is_demo) as is_demo
    from source
    group by lsoa21_code
)

select * from renamed
