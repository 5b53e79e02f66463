"""LSOA (2021) to May-2023 ward best fit derived from boundaries, for when no official lookup
is supplied: each LSOA goes to the ward containing its point on surface (see
dagster_project.geography.derive_bestfit for the fallback rules)."""

import json

import pandas as pd

from dagster_project.geography import boundary, derive_bestfit

COLUMNS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name", "method"]


def model(dbt, session):
    dbt.config(materialized="table")
    lsoas = dbt.ref("stg_boundaries__lsoa21").df()
    wards = dbt.ref("stg_boundaries__ward23").df()
    if lsoas.empty or wards.empty:
        return pd.DataFrame({column: pd.Series(dtype="string") for column in COLUMNS})

    fits = derive_bestfit(
        [boundary(r.lsoa_code, r.lsoa_name, json.loads(r.geometry_geojson), f"LSOA {r.lsoa_code}") for r in lsoas.itertuples()],
        [boundary(r.ward_code, r.ward_name, json.loads(r.geometry_geojson), f"ward {r.ward_code}") for r in wards.itertuples()],
    )
    la = wards.set_index("ward_code")[["la_code", "la_name"]]
    frame = pd.DataFrame(
        {
            "lsoa_code": [f.lsoa_code for f in fits],
            "lsoa_name": [f.lsoa_name for f in fits],
            "ward_code": [f.ward_code for f in fits],
            "ward_name": [f.ward_name for f in fits],
            "la_code": [la.at[f.ward_code, "la_code"] for f in fits],
            "la_name": [la.at[f.ward_code, "la_name"] for f in fits],
            "method": [f"derived from boundaries ({f.method})" for f in fits],
        }
    )
    return frame.astype("string")
