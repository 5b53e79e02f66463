{#- LSOA populations by IoD release (File 6), with the release's year for nearest matching. -#}
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
    select releases.release, try_cast(right(releases.release, 4) as integer) as release_year, populations.*
    from populations
    inner join releases using (source_id)
)

select * from with_release
