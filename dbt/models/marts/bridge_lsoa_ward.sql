select
    lsoa_code,
    lsoa_vintage,
    ward_code,
    ward_vintage,
    method,
    la_code
from {{ ref('int_lsoa_ward_bestfit') }}
