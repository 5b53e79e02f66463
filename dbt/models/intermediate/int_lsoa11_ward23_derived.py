"""LSOA (2011) codes that ONS changed in 2021 (split, merged or redrawn: Manchester, Salford and a
few elsewhere) with their May-2023 ward derived from the 2011 LSOA boundaries, by the same rules
as int_lsoa_ward23_derived (point on surface). LSOA 2011 codes unchanged in 2021 map through
their 2021 code instead (int_lsoa_ward_bestfit_all), so only the changed ones are derived here."""

from dagster_project.geography import bestfit_frame


def model(dbt, session):
    dbt.config(materialized="table")
    lsoas = dbt.ref("stg_boundaries__lsoa11").df()
    official = dbt.ref("stg_ons__lsoa_ward_lookup").df()
    derived = dbt.ref("int_lsoa_ward23_derived").df()
    changed = lsoas[~lsoas["lsoa_code"].isin(set(official["lsoa_code"]) | set(derived["lsoa_code"]))]
    return bestfit_frame(changed, dbt.ref("stg_boundaries__ward23").df(),
                         "derived from the 2011 LSOA boundaries ({rule}; LSOA 2011 code changed in 2021)")
