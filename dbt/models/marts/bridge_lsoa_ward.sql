select
    lsoa_code,
    lsoa_vintage,
    ward_code,
    ward_vintage,
    method
from {{ ref('int_lsoa_ward_bestfit') }}
