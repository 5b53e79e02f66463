{#- A wide DWP table by 2011 MSOA (one column per period, matched by `pattern`) as one row per
    MSOA and period. Unpivot drops nulls, so a suppressed cell ("..", loaded as null) is carried
    through it as -1: callers turn -1 back into a null count flagged suppressed. -#}
{% macro unpivot_keeping_suppressed(relation, pattern, name, value) %}
    unpivot (
        select msoa11cd, _is_demo, coalesce(columns('{{ pattern }}'), -1) from {{ relation }}
    ) on columns(* exclude (msoa11cd, _is_demo)) into name {{ name }} value {{ value }}
{% endmacro %}
