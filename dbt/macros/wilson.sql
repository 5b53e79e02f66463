{#- Wilson score limits for a proportion x/n as inline SQL (the same formula as
    dagster_project.methods.wilson_limits, checked against it in tests/methods): z is the normal
    quantile for the confidence level; limits are clamped to [0, 1] against rounding (1.959963984540054 for 95%, 3.090232306167813 for 99.8%). -#}
{% macro wilson_limit(x, n, z, sign) -%}
    case when ({{ n }}) > 0 then least(greatest(
        (2 * ({{ x }}) + {{ z }} * {{ z }} {{ sign }} {{ z }} * sqrt(greatest({{ z }} * {{ z }} + 4 * ({{ x }}) * (1 - ({{ x }}) / ({{ n }})), 0)))
        / (2 * (({{ n }}) + {{ z }} * {{ z }})), 0), 1)
    end
{%- endmacro %}

{% macro z95() %}1.959963984540054{% endmacro %}
{% macro z998() %}3.090232306167813{% endmacro %}
