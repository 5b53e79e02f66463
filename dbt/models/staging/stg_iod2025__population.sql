with

source as (
    select * from {{ source('raw', 'iod2025_file6') }}
),

renamed as (
    select
        lsoa_code_2021 as lsoa_code,
        2021 as lsoa_vintage,
        'iod2025_file6' as source_id,
        total_population_mid_2022_excluding_prisoners as population_total,
        dependent_children_aged_0_15_mid_2022_excluding_prisoners as population_children_0_15,
        population_aged_16_59_mid_2022_excluding_prisoners as population_16_59,
        older_population_aged_60_and_over_mid_2022_excluding_prisoners as population_60_plus,
        working_age_population_18_66_for_use_with_employment_deprivation_domain_mid_2022_excluding_prisoners
            as population_working_age,
        _is_demo as is_demo
    from source
)

select * from renamed
