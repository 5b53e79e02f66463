{#- The LSOAs of the configured councils (config/councils.yml) with their May-2023 ward;
    LSOAs of other councils in a national or regional lookup are left out here and counted in
    audit.rows_outside_councils. -#}
select *
from {{ ref('int_lsoa_ward_bestfit_all') }}
where la_code in {{ configured_councils() }}
