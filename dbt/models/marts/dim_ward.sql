{#- May-2023 wards; quintile 1 = the most deprived fifth of the borough's wards. -#}
select
    ward_code,
    ward_name,
    ward_vintage,
    la_code,
    la_name,
    population,
    imd_score,
    deprivation_quintile,
    deprivation_decile,
    n_lsoas
from {{ ref('int_ward_deprivation') }}
