"""LSOA (2011) codes that ONS changed in 2021 (split, merged or redrawn: Manchester, Salford and a
few elsewhere) with their May-2023 ward derived from the 2011 LSOA boundaries, by the same rules
as int_lsoa_ward23_derived (point on surface). LSOA 2011 codes unchanged in 2021 map through
their 2021 code instead (int_lsoa_ward_bestfit_all), so only the changed ones are derived here."""

import json

import pandas as pd

from dagster_project.geography import boundary, derive_bestfit

COLUMNS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name", "method"]


def model(dbt, session):
    dbt.config(materialized="table")
    lsoas = dbt.ref("stg_boundaries__lsoa11").df()
    wards = dbt.ref("stg_boundaries__ward23").df()
    official = dbt.ref("stg_ons__lsoa_ward_lookup").df()
    derived = dbt.ref("int_lsoa_ward23_derived").df()
    changed = lsoas[~lsoas["lsoa_code"].isin(set(official["lsoa_code"]) | set(derived["lsoa_code"]))]
    if changed.empty or wards.empty:
        return pd.DataFrame({column: pd.Series(dtype="string") for column in COLUMNS})

    fits = derive_bestfit(
        [boundary(r.lsoa_code, r.lsoa_name, json.loads(r.geometry_geojson), f"LSOA {r.lsoa_code}") for r in changed.itertuples()],
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
            "method": [f"derived from the 2011 LSOA boundaries ({f.method}; LSOA 2011 code changed in 2021)" for f in fits],
        }
    )
    return frame.astype("string")
