{#- LSOA populations by IoD release, and the population used to weight each release's
    scores: the release's own, or the nearest release's where it has none. -#}
with

populations as (
    select * from {{ ref('stg_iod2019__population') }}
    union all by name
    select * from {{ ref('stg_iod2025__population') }}
),

releases as (
    select source_id, release from {{ ref('stg_registry__sources') }}
),

with_release as (
    select releases.release, populations.*
    from populations
    inner join releases using (source_id)
)

select * from with_release
