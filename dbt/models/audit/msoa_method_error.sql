{#- How far the MSOA-to-ward estimate (int_msoa_apportioned's method) is from the truth, on a
    series whose small-area counts are known: Census 2021 households deprived in at least one
    dimension are added up into 2011 MSOAs, shared back to today's wards by Census 2021
    households, and compared with the ward's own figure from its small areas. One row per ward:
    the true and estimated percentages, the error in percentage points, and the ward's split
    share (the largest share of its households from one MSOA divided between wards). -#}
with

pieces as (
    select pieces.*, msoas.msoa_code, households.households * pieces.share_of_lsoa21 as households,
        households.households_deprived * pieces.share_of_lsoa21 as deprived
    from {{ ref('int_lsoa11_pieces') }} as pieces
    inner join {{ ref('stg_ons__lsoa11_msoa11') }} as msoas on msoas.lsoa_code = pieces.lsoa11_code
    inner join {{ ref('stg_census__household_deprivation') }} as households
        on households.lsoa_code = pieces.lsoa21_code and households.lsoa_vintage = 2021
),

shared as (
    select *,
        {{ exact_sum('deprived', over='(partition by msoa_code)') }} * households
            / nullif({{ exact_sum('households', over='(partition by msoa_code)') }}, 0)
            as estimate,
        count(distinct ward_code) over (partition by msoa_code) as n_wards_of_msoa
    from pieces
),

by_msoa as (
    select ward_code, msoa_code, {{ exact_sum('households') }} as households, any_value(n_wards_of_msoa) as n_wards_of_msoa
    from shared
    group by ward_code, msoa_code
),

splits as (
    select ward_code, coalesce(max(households) filter (where n_wards_of_msoa > 1), 0) / {{ exact_sum('households') }}
        as split_share
    from by_msoa
    group by ward_code
),

wards as (
    select ward_code, any_value(la_code) as la_code, {{ exact_sum('households') }} as households,
        100 * {{ exact_sum('deprived') }} / {{ exact_sum('households') }} as true_percent,
        100 * {{ exact_sum('estimate') }} / {{ exact_sum('households') }} as estimated_percent
    from shared
    group by ward_code
)

select wards.*, estimated_percent - true_percent as error_points, splits.split_share
from wards
inner join splits using (ward_code)
order by wards.la_code, wards.ward_code
