{#- The ward and council counts that fct_indicator_values withholds (the disclosure_control
    macro: primary and secondary suppression), listed for the models upstream of it. Trends and
    inequality measures (int_indicator_trends, int_inequality_sii, fct_inequality) leave these
    cells, and for inequality every council and period holding one, out of every test and
    measure, so that no published figure of any period depends on a withheld count. -#}
{{ config(materialized='table') }}

with

{{ disclosure_control(ref('int_area_indicator_values'), ref('indicator_definitions')) }}

select indicator_id, area_code, area_type, la_code, period, suppression
from protected
where withheld
