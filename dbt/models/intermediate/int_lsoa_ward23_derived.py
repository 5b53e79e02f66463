"""LSOA (2021) to May-2023 ward best fit derived from boundaries, for when no official lookup
is supplied: each LSOA goes to the ward containing its point on surface (see
dagster_project.geography.derive_bestfit for the fallback rules)."""

from dagster_project.geography import bestfit_frame


def model(dbt, session):
    dbt.config(materialized="table")
    return bestfit_frame(dbt.ref("stg_boundaries__lsoa21").df(), dbt.ref("stg_boundaries__ward23").df(),
                         "derived from boundaries ({rule})")
