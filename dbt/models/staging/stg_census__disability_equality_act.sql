{#- Census 2021 TS038 in two categories per LSOA (disabled under the Equality Act, or not):
    all usual residents and those disabled (day-to-day activities limited a little or a lot). -#}
with

source as (
    select * from {{ source('raw', 'census2021_disability_equality_act') }}
),

renamed as (
    select
        lsoa21_code as lsoa_code,
        2021 as lsoa_vintage,
        'census2021_disability_equality_act' as source_id,
        max(total_residents) as residents,
        sum(n) filter (where disability = 'Disabled under the Equality Act') as disabled,
        bool_or(_is_demo) as is_demo
    from source
    group by lsoa21_code
)

select * from renamed
