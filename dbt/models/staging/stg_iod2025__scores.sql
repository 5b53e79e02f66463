with

source as (
    select * from {{ source('raw', 'iod2025_scores') }}
),

renamed as (
    select
        lsoa21_code as lsoa_code,
        2021 as lsoa_vintage,
        'iod2025_scores' as source_id,
        imd_score,
        income_score,
        employment_score,
        imd_rank,
        imd_decile,
        income_decile,
        education_decile,
        health_decile,
        _is_demo as is_demo
    from source
)

select * from renamed
