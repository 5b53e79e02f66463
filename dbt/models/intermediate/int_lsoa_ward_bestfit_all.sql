{#- Every LSOA code the lookup covers (any council: the lookup may be national), of each
    vintage the sources use, with its May-2023 ward: the official lookup where one is
    supplied, otherwise the best fit derived from boundaries. LSOA 2011 codes that are
    unchanged in 2021 map through their 2021 code; changed ones by their 2011 boundaries. int_lsoa_ward_bestfit keeps the configured
    councils. -#}
with

official as (
    select lsoa_code, lsoa_name, ward_code, ward_name, la_code, la_name, method
    from {{ ref('stg_ons__lsoa_ward_lookup') }}
),

derived as (
    select lsoa_code, lsoa_name, ward_code, ward_name, la_code, la_name, method
    from {{ ref('int_lsoa_ward23_derived') }}
    where not exists (select 1 from official)
),

lsoa_2021 as (
    select *, 2021 as lsoa_vintage, 2023 as ward_vintage from official
    union all
    select *, 2021 as lsoa_vintage, 2023 as ward_vintage from derived
),

lsoa_2011_unchanged as (
    select
        lsoa_code, lsoa_name, ward_code, ward_name, la_code, la_name,
        method || ' (LSOA 2011 code unchanged in 2021)' as method,
        2011 as lsoa_vintage,
        ward_vintage
    from lsoa_2021
),

{#- LSOA 2011 codes that changed in 2021: from the 2011 boundaries -#}
lsoa_2011_changed as (
    select lsoa_code, lsoa_name, ward_code, ward_name, la_code, la_name, method, 2011 as lsoa_vintage, 2023 as ward_vintage
    from {{ ref('int_lsoa11_ward23_derived') }}
)

select lsoa_code, lsoa_name, lsoa_vintage, ward_code, ward_name, ward_vintage, la_code, la_name, method
from lsoa_2021
union all
select lsoa_code, lsoa_name, lsoa_vintage, ward_code, ward_name, ward_vintage, la_code, la_name, method
from lsoa_2011_unchanged
union all
select lsoa_code, lsoa_name, lsoa_vintage, ward_code, ward_name, ward_vintage, la_code, la_name, method
from lsoa_2011_changed
