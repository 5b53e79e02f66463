{#- Monthly claimant counts by LSOA from the single-month file, the five-month snapshot file and
    the complete monthly series `make fetch` writes from the Nomis API; a month present in more
    than one is taken once: from the complete series (one download), else the snapshot file. -#}
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

monthly_series as (
    select
        geography as lsoa_code, 'claimant_count_lsoa_monthly' as source_id, date as period, value as claimants,
        _is_demo as is_demo, 0 as priority
    from {{ source('raw', 'claimant_count_lsoa_monthly') }}
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
    from (select * from single_month union all select * from snapshots union all select * from monthly_series)
    qualify row_number() over (partition by lsoa_code, period order by priority) = 1
)

select * from renamed
