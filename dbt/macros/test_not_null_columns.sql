{#- A model's not-null columns, and the values its coded columns may take, checked in one scan
    (one dbt node instead of one per column and per accepted_values test). `accepted_values` maps
    a column to its values, as dbt's accepted_values test takes them: nulls pass; strings are
    compared as text, numbers as numbers. A failure stops the build with an error naming each
    column and how many rows (and, for values, up to five of those not accepted): a failing dbt
    test's own message gives only a count of rows. -#}
{% test not_null_columns(model, columns, accepted_values={}) %}
{%- set measures, problems = [], [] %}
{%- for column in columns %}
    {%- do measures.append("count(*) filter (where " ~ adapter.quote(column) ~ " is null) as null_rows_" ~ loop.index) %}
    {%- do problems.append("select " ~ loop.index ~ ", 'null', '" ~ column ~ "', null_rows_" ~ loop.index ~ ", '' from checked") %}
{%- endfor %}
{%- for column, values in accepted_values.items() %}
    {%- set quoted = [] %}
    {%- for value in values %}
        {%- do quoted.append(value if value is number else "'" ~ (value | replace("'", "''")) ~ "'") %}
    {%- endfor %}
    {%- set outside = adapter.quote(column) ~ " not in (" ~ quoted | join(", ") ~ ")" %}
    {%- set text = "cast(" ~ adapter.quote(column) ~ " as varchar)" %}
    {%- do measures.append("count(*) filter (where " ~ outside ~ ") as outside_rows_" ~ loop.index) %}
    {%- do measures.append("list_slice(list(distinct " ~ text ~ " order by " ~ text ~ ") filter (where " ~ outside
        ~ "), 1, 5) as outside_values_" ~ loop.index) %}
    {%- do problems.append("select " ~ loop.index ~ ", 'value', '" ~ column ~ "', outside_rows_" ~ loop.index
        ~ ", array_to_string(outside_values_" ~ loop.index ~ ", ', ') from checked") %}
{%- endfor %}
with checked as (
    select
        {{ measures | join(",\n        ") }}
    from {{ model }}
), failing (position, kind, column_name, bad_rows, examples) as (
    {{ problems | join("\n    union all\n    ") }}
)
select error('not_null_columns: {{ model | replace("'", "''") }} has ' || concat_ws('; ',
    'nulls in ' || string_agg(format('column {} ({} rows)', column_name, bad_rows), ', ' order by position)
        filter (where kind = 'null'),
    'values not accepted in ' || string_agg(format('column {} ({} rows: {})', column_name, bad_rows, examples), ', '
        order by position) filter (where kind = 'value'))) as failure
from failing
where bad_rows > 0
having count(*) > 0
{% endtest %}
