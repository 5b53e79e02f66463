{#- Census 2011 (QS302EW) and 2021 (TS037) general health by LSOA, as `make fetch` writes them
    from Nomis: usual residents, and those in bad or very bad health. "The question and options that
    people could choose from were the same in Census 2021 and the 2011 Census" (ONS, Census 2021
    dictionary, general health: highly comparable), so series_segments declares them one series:
    https://www.ons.gov.uk/census/census2021dictionary/variablesbytopic/healthdisabilityandunpaidcarevariablescensus2021/generalhealth
    A council's own long extract of TS037 (census2021_general_health_long) fills LSOAs the Nomis table lacks. -#}
with

source as (
    select lsoa11cd as lsoa_code, 2011 as lsoa_vintage, 'census2011_general_health' as source_id,
        all_usual_residents, bad_health, very_bad_health, _is_demo
    from {{ source('raw', 'census2011_general_health') }}
    union all
    select lsoa21cd, 2021, 'census2021_general_health', all_usual_residents, bad_health, very_bad_health, _is_demo
    from {{ source('raw', 'census2021_general_health') }}
    union all
    -- a council's own long extract of TS037, where Nomis's wide table is not supplied for the LSOA
    select area_code, 2021, 'census2021_general_health_long', sum(value),
        sum(value) filter (where general_health = 'Bad health'),
        sum(value) filter (where general_health = 'Very bad health'), bool_or(_is_demo)
    from {{ source('raw', 'census2021_general_health_long') }}
    where measure = 'Count'
      and area_code not in (select lsoa21cd from {{ source('raw', 'census2021_general_health') }})
    group by area_code
),

renamed as (
    select
        lsoa_code,
        lsoa_vintage,
        source_id,
        all_usual_residents as residents,
        bad_health + very_bad_health as bad_or_very_bad_health,
        _is_demo as is_demo
    from source
)

select * from renamed
