{#- Every LSOA code, of each vintage the sources use, with its May-2023 ward.
    LSOA 2011 codes that are unchanged in 2021 map through the 2021 lookup. -#}
with

lookup as (
    select * from {{ ref('stg_ons__lsoa_ward_lookup') }}
),

lsoa_2011_unchanged as (
    select
        lsoa_code,
        lsoa_name,
        2011 as lsoa_vintage,
        ward_code,
        ward_name,
        ward_vintage,
        la_code,
        la_name,
        method || ' (LSOA 2011 code unchanged in 2021)' as method
    from lookup
)

select lsoa_code, lsoa_name, lsoa_vintage, ward_code, ward_name, ward_vintage, la_code, la_name, method
from lookup
union all
select * from lsoa_2011_unchanged
