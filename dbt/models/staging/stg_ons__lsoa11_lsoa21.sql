{#- ONS LSOA 2011 to LSOA 2021 lookup: one row per pair, with the change code (U unchanged,
    S split, M merged, X redrawn). -#}
with

source as (
    select * from {{ source('raw', 'lookup_lsoa11_lsoa21') }}
),

renamed as (
    select
        lsoa11_code,
        lsoa21_code,
        change_code,
        ltla22_code as la_code
    from source
)

select * from renamed
