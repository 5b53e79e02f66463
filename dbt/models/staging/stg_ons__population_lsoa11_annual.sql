{#- ONS small area population estimates on 2011 LSOAs, one row per LSOA and mid-year, as
    `make fetch` writes them from Nomis (NM_2010_1). -#}
with

source as (
    select * from {{ source('raw', 'population_lsoa11_annual') }}
),

renamed as (
    select
        lsoa11cd as lsoa_code,
        2011 as lsoa_vintage,
        'population_lsoa11_annual' as source_id,
        year as period,
        make_date(cast(year as integer), 6, 30) as reference_date,
        all_ages as population_total,
        aged_0_15 as population_0_15,
        aged_16_64 as population_16_64,
        aged_65_plus as population_65_plus,
        _is_demo as is_demo
    from source
)

select * from renamed
