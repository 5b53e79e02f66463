-- The council a page speaks for: the first configured council with wards in the warehouse (its
-- name from the data). Every page's `council` block and every "this council's rows" filter read it.
select la_code, min(la_name) as la_name
from marts.dim_ward
group by la_code
order by la_code
limit 1
