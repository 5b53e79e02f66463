{#- Every council the councils file names has wards in the data: a code the input files do not
    hold would otherwise publish an empty council without a word. -#}
select configured.la_code
from (select unnest([{% for code in var('councils') %}'{{ code | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}]::varchar[]) as la_code) as configured
where configured.la_code not in (select la_code from {{ ref('dim_ward') }})
