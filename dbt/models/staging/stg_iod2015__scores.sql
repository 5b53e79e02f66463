{#- The IoD2015 long file pivoted to one row per LSOA: the scores and IMD decile we use. -#}
with

source as (
    select * from {{ source('raw', 'iod2015_long') }}
),

renamed as (
    select
        lsoa11cd as lsoa_code,
        2011 as lsoa_vintage,
        'iod2015_long' as source_id,
        max(value) filter (where measure = 'Score' and index_domain = 'Index of Multiple Deprivation') as imd_score,
        max(value) filter (where measure = 'Decile' and index_domain = 'Index of Multiple Deprivation') as imd_decile,
        max(value) filter (where measure = 'Score' and index_domain = 'Income') as income_score,
        max(value) filter (where measure = 'Score' and index_domain = 'Employment') as employment_score,
        max(value) filter (where measure = 'Score' and index_domain = 'Income Deprivation Affecting Children') as idaci_score,
        max(value) filter (where measure = 'Score' and index_domain = 'Income Deprivation Affecting Older People') as idaopi_score,
        bool_or(_is_demo) as is_demo
    from source
    group by lsoa11cd
)

select * from renamed
