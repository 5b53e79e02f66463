{#- A council's own Census 2021 extracts, long (one row per LSOA and category): TS039 unpaid care
    (usual residents aged 5 and over; those providing any unpaid care) and TS066 economic activity
    (usual residents aged 16 and over; those economically inactive because long-term sick or
    disabled). One row per LSOA and table. -#}
with

unpaid_care as (
    select area_code, 'census2021_unpaid_care_long' as source_id,
        sum(value) as residents,
        sum(value) filter (where unpaid_care != 'Provides no unpaid care') as numerator,
        bool_or(_is_demo) as is_demo
    from {{ source('raw', 'census2021_unpaid_care_long') }}
    where measure = 'Count'
    group by area_code
),

economic_activity as (
    select area_code, 'census2021_economic_activity_long' as source_id,
        sum(value) as residents,
        sum(value) filter (where economic_activity_status = 'Economically inactive: Long-term sick or disabled') as numerator,
        bool_or(_is_demo) as is_demo
    from {{ source('raw', 'census2021_economic_activity_long') }}
    where measure = 'Count'
    group by area_code
),

renamed as (
    select area_code as lsoa_code, 2021 as lsoa_vintage, source_id, 'unpaid_care' as indicator_id, residents,
        numerator, is_demo
    from unpaid_care
    union all
    select area_code, 2021, source_id, 'long_term_sick', residents, numerator, is_demo
    from economic_activity
)

select * from renamed
