{#- Census 2011 (QS303EW) and 2021 (TS038) day-to-day activity limitation by LSOA, as `make fetch`
    writes them from Nomis. The two questions differ (2021 first asks about a long-term condition;
    those limited are "disabled under the Equality Act"), so the releases are kept apart: "In Census
    2021, the question was split into two parts" (ONS, Census 2021 dictionary, disability,
    https://www.ons.gov.uk/census/census2021dictionary/variablesbytopic/healthdisabilityandunpaidcarevariablescensus2021/disability). -#}
with

source as (
    select lsoa11cd as lsoa_code, 2011 as lsoa_vintage, 'census2011_disability' as source_id,
        all_usual_residents, limited_a_lot, limited_a_little, _is_demo
    from {{ source('raw', 'census2011_disability') }}
    union all
    select lsoa21cd, 2021, 'census2021_disability', all_usual_residents, limited_a_lot, limited_a_little, _is_demo
    from {{ source('raw', 'census2021_disability') }}
),

renamed as (
    select
        lsoa_code,
        lsoa_vintage,
        source_id,
        all_usual_residents as residents,
        limited_a_lot,
        limited_a_little,
        _is_demo as is_demo
    from source
)

select * from renamed
