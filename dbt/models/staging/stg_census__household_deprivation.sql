{#- Census 2011 QS119EW and 2021 TS011: households by number of deprivation dimensions, to one
    row per LSOA and census (2011 on 2011 LSOAs, 2021 on 2021 LSOAs). -#}
with

source as (
    select lsoa21_code as lsoa_code, 2021 as lsoa_vintage, 'census2021_household_deprivation' as source_id,
        households_number_deprivation_dimensions as dimensions, count, _is_demo
    from {{ source('raw', 'census2021_household_deprivation') }}
    union all
    select lsoa11_code, 2011, 'census2011_household_deprivation', households_number_deprivation_dimensions, count,
        _is_demo
    from {{ source('raw', 'census2011_household_deprivation') }}
),

renamed as (
    select
        lsoa_code,
        lsoa_vintage,
        source_id,
        sum(count) as households,
        sum(count) filter (where dimensions >= 1) as households_deprived,
        bool_or(_is_demo) as is_demo
    from source
    group by lsoa_code, lsoa_vintage, source_id
)

select * from renamed
