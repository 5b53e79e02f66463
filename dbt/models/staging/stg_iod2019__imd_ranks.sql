with

source as (
    select * from {{ source('raw', 'iod2019_file1') }}
),

renamed as (
    select
        lsoa_code_2011 as lsoa_code,
        2011 as lsoa_vintage,
        'iod2019_file1' as source_id,
        index_of_multiple_deprivation_imd_rank as imd_rank,
        index_of_multiple_deprivation_imd_decile as imd_decile,
        _is_demo as is_demo
    from source
)

select * from renamed
