{#- The sum of a non-integer expression (estimates, shares, weights, weighted values) in fixed
    point, so that it does not depend on the order of the rows (DuckDB's threads, spilling, join
    order): each term is rounded to 18 decimal places and the terms are added exactly as
    decimal(38, 18) (20 digits before the point, where a realistic term or total is below 1e12;
    18 after it, finer than a double's precision for any term of 0.01 or more), and the total
    is returned as a double. Every sum that feeds a published figure, a rounding or a
    suppression decision uses it. `filter` (a condition) and `over` (a window's name or
    definition) are as in SQL; `exact=true` keeps the decimal (for a margin added to another
    and compared in fixed point). -#}
{% macro exact_sum(expression, filter=none, over=none, exact=false) -%}
{%- set total -%}
sum(({{ expression }})::decimal(38, 18)){% if filter %} filter (where {{ filter }}){% endif %}{% if over %} over {{ over }}{% endif %}
{%- endset -%}
{%- if exact %}{{ total }}{% else %}({{ total }})::double{% endif %}
{%- endmacro %}
