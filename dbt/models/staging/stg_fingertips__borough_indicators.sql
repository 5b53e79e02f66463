{#- Borough and England series published only for local authorities (Fingertips extracts). -#}
with

source as (
    select 'children_low_income_families' as indicator_id, 'la_children_low_income' as source_id,
        area_code, area_name, period, value, significance, _is_demo
    from {{ source('raw', 'la_children_low_income') }}
    union all
    select 'healthy_life_expectancy_' || lower("group"), 'la_healthy_life_expectancy',
        area_code, area_name, period, value, significance, _is_demo
    from {{ source('raw', 'la_healthy_life_expectancy') }}
),

renamed as (
    select
        indicator_id,
        source_id,
        area_code,
        area_name,
        case when area_code like 'E92%' then 'england' else 'la' end as area_type,
        period,
        cast(left(period, 4) || '-01-01' as date) as period_start,
        cast((cast(left(period, 4) as integer) + case when length(period) > 4 then 2 else 0 end) || '-12-31' as date)
            as period_end,
        value,
        {#- the publisher's own comparison with England, where it released one -#}
        case when area_code not like 'E92%' then significance end as significance,
        _is_demo as is_demo
    from source
)

select * from renamed
