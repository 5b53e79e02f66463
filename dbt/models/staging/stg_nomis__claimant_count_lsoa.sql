{#- Monthly claimant counts by LSOA from the single-month file and the five-month snapshot
    file; a month present in both (November 2018) is taken once, from the snapshot file. -#}
with

single_month as (
    select
        geography as lsoa_code, 'claimant_count_lsoa' as source_id, date as period, value as claimants,
        _is_demo as is_demo, 2 as priority
    from {{ source('raw', 'claimant_count_lsoa') }}
),

snapshots as (
    select
        lsoa11cd as lsoa_code, 'claimant_count_lsoa_snapshots' as source_id, month as period,
        claimant_count as claimants, _is_demo as is_demo, 1 as priority
    from {{ source('raw', 'claimant_count_lsoa_snapshots') }}
),

renamed as (
    select
        lsoa_code,
        2011 as lsoa_vintage,
        source_id,
        period,
        cast(period || '-01' as date) as period_start,
        last_day(cast(period || '-01' as date)) as period_end,
        claimants,
        is_demo
    from (select * from single_month union all select * from snapshots)
    qualify row_number() over (partition by lsoa_code, period order by priority) = 1
)

select * from renamed
