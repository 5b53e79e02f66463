{#- Mid-2016 LSOA populations: all ages, working age (16 to 64) and adults (18 and over),
    summed from single years of age. -#}
with

source as (
    select * from {{ source('raw', 'population_lsoa_mid2016') }}
),

renamed as (
    select
        lsoa11cd as lsoa_code,
        2011 as lsoa_vintage,
        'population_lsoa_mid2016' as source_id,
        'mid-2016' as population_year,
        total_pop as population_total,
        {% for age in range(16, 65) %}"{{ age }}"{{ ' + ' if not loop.last }}{% endfor %} as population_16_64,
        {% for age in range(18, 90) %}"{{ age }}" + {% endfor %}"90" as population_18_plus,
        {% for age in range(0, 90) %}"{{ age }}" + {% endfor %}"90" as population_sum_of_ages,
        _is_demo as is_demo
    from source
)

select * from renamed
