with

source as (
    select * from {{ source('raw', 'iod2019_scores') }}
),

renamed as (
    select
        lsoa as lsoa_code,
        2011 as lsoa_vintage,
        'iod2019_scores' as source_id,
        overall_local_score as imd_score,
        income_score / 100.0 as income_score,
        employment_score / 100.0 as employment_score,
        original_decile as imd_decile,
        _is_demo as is_demo
    from source
)

select * from renamed
