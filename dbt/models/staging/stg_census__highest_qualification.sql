{#- Census 2011 and 2021 arrive in the same (TS067 bulk) layout: one staging model for both. A
    council's own long extract of TS067 (census2021_qualification_long) fills 2021 LSOAs the bulk
    table lacks. -#}
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
    union all
    select
        area_code, 2021, 'census2021_qualification_long', '2021',
        sum(value),
        sum(value) filter (where highest_qualification = 'No qualifications'),
        sum(value) filter (where highest_qualification = 'Level 4 qualifications or above'),
        bool_or(_is_demo)
    from {{ source('raw', 'census2021_qualification_long') }}
    where measure = 'Count'
      and area_code not in (select geography_code from {{ source('raw', 'census2021_ts067') }})
    group by area_code
)

select * from renamed
