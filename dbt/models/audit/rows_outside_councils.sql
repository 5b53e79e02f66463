{#- What a national or regional input contributed for councils that are not configured
    (config/councils.yml): per source and council, the LSOAs and LSOA values left out, and the
    lookup's own rows. Left out is not rejected: these rows are valid, just not published here. -#}
with

lookup as (
    select * from {{ ref('int_lsoa_ward_bestfit_all') }}
),

outside as (
    select * from lookup where la_code not in {{ configured_councils() }}
),

inputs as (
    select inputs.source_id, outside.la_code, outside.la_name, inputs.lsoa_code
    from {{ ref('int_lsoa_indicator_inputs') }} as inputs
    inner join outside using (lsoa_code, lsoa_vintage)
),

counted as (
    select
        source_id, la_code, any_value(la_name) as la_name,
        count(distinct lsoa_code) as lsoas_left_out,
        count(*) as values_left_out
    from inputs
    group by source_id, la_code
    union all
    select
        'lookup' as source_id, la_code, any_value(la_name) as la_name,
        count(distinct lsoa_code) as lsoas_left_out,
        count(*) as values_left_out
    from outside
    group by la_code
)

select * from counted
order by source_id, la_code
