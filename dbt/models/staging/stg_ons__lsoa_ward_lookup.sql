{#- The official LSOA 2021 to May-2023 ward best-fit lookup: ONS's ward-2024 lookup (whose
    wards are the May-2023 wards where no boundary changed since) where supplied, else the
    ward-2023 lookup. -#}
with

ward24 as (
    select
        lsoa21_code as lsoa_code,
        lsoa21_name as lsoa_name,
        ward24_code as ward_code,
        ward24_name as ward_name,
        ltla24_code as la_code,
        ltla24_name as la_name,
        'official best-fit lookup (ONS LSOA 2021 to ward 2024)' as method
    from {{ source('raw', 'lookup_lsoa21_ward24') }}
),

ward23 as (
    select
        lsoa21cd as lsoa_code,
        lsoa21nm as lsoa_name,
        wd23cd as ward_code,
        wd23nm as ward_name,
        lad23cd as la_code,
        lad23nm as la_name,
        'official best-fit lookup' as method
    from {{ source('raw', 'lookup_lsoa21_ward23') }}
    where not exists (select 1 from ward24)
)

select * from ward24
union all
select * from ward23
