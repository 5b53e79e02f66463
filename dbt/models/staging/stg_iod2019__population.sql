with

source as (
    select * from {{ source('raw', 'iod2019_file6') }}
),

renamed as (
    select
        lsoa_code_2011 as lsoa_code,
        2011 as lsoa_vintage,
        'iod2019_file6' as source_id,
        total_population_mid_2015_excluding_prisoners as population_total,
        dependent_children_aged_0_15_mid_2015_excluding_prisoners as population_children_0_15,
        population_aged_16_59_mid_2015_excluding_prisoners as population_16_59,
        older_population_aged_60_and_over_mid_2015_excluding_prisoners as population_60_plus,
        working_age_population_18_59_64_for_use_with_employment_deprivation_domain_excluding_prisoners
            as population_working_age,
        _is_demo as is_demo
    from source
)

select * from renamed
