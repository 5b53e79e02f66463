{#- OHID Local Health ward indicators as published for the wards of their time (before May
    2023, except Census 2021 general health, published on May-2023 wards): one row per ward,
    indicator and period. Rolling periods ("2011 to 2015", "2015 - 19") overlap. -#}
with

source as (
    select * from {{ source('raw', 'localhealth_ward') }}
),

renamed as (
    select
        area_code as ward_code,
        area_name as ward_name,
        indicator as indicator_name,
        period,
        cast(regexp_extract(period, '^([0-9]{4})', 1) as integer) as first_year,
        coalesce(
            try_cast(regexp_extract(period, '([0-9]{4})$', 1) as integer),
            cast(regexp_extract(period, '^([0-9]{2})', 1) as integer) * 100
                + cast(regexp_extract(period, '([0-9]{2})$', 1) as integer),
            cast(regexp_extract(period, '^([0-9]{4})', 1) as integer)
        ) as last_year,
        measure,
        unit,
        value,
        'localhealth_ward' as source_id,
        _is_demo as is_demo
    from source
)

select * from renamed
