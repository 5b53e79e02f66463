{#- Each 2011 LSOA of the configured councils as pieces of 2021 LSOAs, with the May-2023 ward of
    each piece. share_of_lsoa11: the part of the 2011 LSOA in the piece (1 unless it was split;
    a split 2011 LSOA is shared among its 2021 LSOAs by their Census 2021 households, equally
    where none are known). share_of_lsoa21: the part of the 2021 LSOA in the piece (1 unless
    2011 LSOAs were merged; merged ones share it equally). Without the ONS LSOA 2011 to 2021
    lookup, unchanged codes map to themselves. -#}
with

lookup as (
    select lsoa11_code, lsoa21_code from {{ ref('stg_ons__lsoa11_lsoa21') }}
),

pairs as (
    select lsoa11_code, lsoa21_code from lookup
    union all
    select lsoa_code, lsoa_code from {{ ref('int_lsoa_ward_bestfit') }}
    where lsoa_vintage = 2011 and not exists (select 1 from lookup)
),

households as (
    select lsoa_code as lsoa21_code, households
    from {{ ref('stg_census__household_deprivation') }}
    where lsoa_vintage = 2021
),

bestfit as (
    select lsoa_code as lsoa21_code, ward_code, la_code from {{ ref('int_lsoa_ward_bestfit') }} where lsoa_vintage = 2021
)

select
    pairs.lsoa11_code,
    pairs.lsoa21_code,
    bestfit.ward_code,
    bestfit.la_code,
    coalesce(
        households.households / nullif(sum(households.households) over (partition by pairs.lsoa11_code), 0),
        1.0 / count(*) over (partition by pairs.lsoa11_code)
    ) as share_of_lsoa11,
    1.0 / count(*) over (partition by pairs.lsoa21_code) as share_of_lsoa21
from pairs
inner join bestfit using (lsoa21_code)
left join households using (lsoa21_code)
