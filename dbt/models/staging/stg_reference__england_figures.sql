{#- England's own figures for indicators the wards show, as the publishers released them
    (data/reference/england_published_figures.csv), with where each came from. -#}
with

source as (
    select * from {{ source('raw', 'england_reference') }}
),

renamed as (
    select
        indicator_id,
        'england_reference' as source_id,
        area_code,
        'england' as area_type,
        period,
        value,
        publisher,
        table_name,
        url,
        release_date,
        same_definition,
        derivation,
        source_repo || ' ' || source_path || ' @ ' || source_commit as provenance,
        _is_demo as is_demo
    from source
)

select * from renamed
