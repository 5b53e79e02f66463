{#- The configured councils' LA codes (config/councils.yml, passed by the pipeline as the
    `councils` var) as a SQL list: `where la_code in {{ configured_councils() }}`. -#}
{% macro configured_councils() -%}
    ({%- for code in var('councils') -%}
        '{{ code | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%})
{%- endmacro %}
