{#- Census 2011 and 2021 arrive in the same (TS067 bulk) layout: one staging model for both. -#}
with

source as (
    select *, 'census2021_ts067' as source_id, 2021 as lsoa_vintage
    from {{ source('raw', 'census2021_ts067') }}
    union all by name
    select *, 'census2011_qualifications' as source_id, 2011 as lsoa_vintage
    from {{ source('raw', 'census2011_qualifications') }}
),

renamed as (
    select
        geography_code as lsoa_code,
        lsoa_vintage,
        source_id,
        cast(date as varchar) as census_year,
        highest_level_of_qualification_total_all_usual_residents_aged_16_years_and_over as residents_16_plus,
        highest_level_of_qualification_no_qualifications as no_qualifications,
        highest_level_of_qualification_level_4_qualifications_and_above as level_4_plus,
        _is_demo as is_demo
    from source
)

select * from renamed
