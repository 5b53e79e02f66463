with

source as (
    select * from {{ source('raw', 'iod2025_file8') }}
),

renamed as (
    select
        lsoa21_code as lsoa_code,
        2021 as lsoa_vintage,
        'iod2025_file8' as source_id,
        income_domain_numerator as income_numerator,
        income_deprivation_affecting_children_index_idaci_numerator as idaci_numerator,
        income_deprivation_affecting_older_people_index_idaopi_numerator as idaopi_numerator,
        employment_domain_numerator as employment_numerator,
        adult_skills_and_english_language_proficiency_indicator as adult_skills_rate,
        entry_to_higher_education_indicator as entry_to_higher_education,
        null::double as staying_on_post_16,
        years_of_potential_life_lost_indicator as years_of_potential_life_lost,
        comparative_illness_and_disability_ratio_indicator as comparative_illness_disability_ratio,
        acute_morbidity_indicator as acute_morbidity,
        mental_health_indicator as mental_health,
        _is_demo as is_demo
    from source
)

select * from renamed
