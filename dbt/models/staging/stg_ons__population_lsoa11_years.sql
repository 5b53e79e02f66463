{#- Mid-year LSOA (2011) populations of every year supplied (mid-2016, 2017, 2019, 2020):
    all ages, children aged 0 to 15 and residents aged 16 to 64, one row per LSOA and year, for rates of their own year. -#}
with

source as (
    select lsoa11cd as lsoa_code, 2016 as year, total_pop::double as population_total,
        {% for age in range(0, 16) %}"{{ age }}"{{ ' + ' if not loop.last }}{% endfor %} as population_0_15,
        {% for age in range(16, 65) %}"{{ age }}"{{ ' + ' if not loop.last }}{% endfor %} as population_16_64, _is_demo
    from {{ source('raw', 'population_lsoa_mid2016') }}
    {% for year in [2017, 2019, 2020] %}
    union all
    select lsoa11_code, {{ year }}, total_population::double,
        {% for age in range(0, 16) %}"{{ age }}"{{ ' + ' if not loop.last }}{% endfor %},
        {% for age in range(16, 65) %}"{{ age }}"{{ ' + ' if not loop.last }}{% endfor %}, _is_demo
    from {{ source('raw', 'population_lsoa11_mid' ~ year) }}
    {% endfor %}
),

renamed as (
    select
        lsoa_code,
        2011 as lsoa_vintage,
        year,
        'mid-' || year as population_year,
        population_total,
        population_0_15::double as population_0_15,
        population_16_64::double as population_16_64,
        _is_demo as is_demo
    from source
)

select * from renamed
