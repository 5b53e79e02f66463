{#- The missions any configured council tracks (config/councils.yml, passed by the pipeline as
    the `council_missions` var) as a quoted SQL list: `where mission_id in {{ configured_missions() }}`. -#}
{% macro configured_missions() -%}
    {%- set ids = [] -%}
    {%- for code, missions in var('council_missions').items() -%}{%- for mission in missions -%}
        {%- if mission not in ids %}{% do ids.append(mission) %}{% endif -%}
    {%- endfor -%}{%- endfor -%}
    ({%- for mission in ids -%}
        '{{ mission | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}{%- if not ids -%}null{%- endif -%})
{%- endmacro %}
