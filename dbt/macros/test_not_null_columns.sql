{#- A model's not-null columns checked in one scan (one dbt node instead of one per column).
    A null stops the build with an error naming each column that has nulls and how many rows:
    a failing dbt test's own message gives only a count of rows. -#}
{% test not_null_columns(model, columns) %}
with nulls as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ adapter.quote(column) }} is null) as null_rows_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
), failing as (
    {%- for column in columns %}
    select {{ loop.index }} as position, '{{ column }}' as column_name, null_rows_{{ loop.index }} as null_rows from nulls
    {{- " union all" if not loop.last }}
    {%- endfor %}
)
select error('not_null_columns: {{ model | replace("'", "''") }} has nulls in '
             || string_agg(format('column {} ({} rows)', column_name, null_rows), ', ' order by position)) as failure
from failing
where null_rows > 0
having count(*) > 0
{% endtest %}
