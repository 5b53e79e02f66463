"""Life expectancy at birth (by sex) and directly standardised emergency admission rates for
each May-2023 ward, each council and each deprivation quintile of a council's wards, from
age-banded counts, with dagster_project.methods.grouped (Chiang II life table with Silcocks'
variance; Dobson limits on the 2013 European Standard Population): one NumPy pass over every
area. Values the methods withhold (small populations or fewer than 10 events) are kept as rows
with a reason, so they are published as suppressed. Quintile rows are 'Q1'..'Q5' with their
council in la_code; every row carries its council."""

import numpy as np
import pandas as pd

from dagster_project.methods.grouped import dsr_rates, life_expectancy_at_birth

LE_BANDS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
ESP_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
KEYS = ["area_code", "area_type", "la_code", "period"]
COLUMNS = [
    "indicator_id", "area_code", "area_type", "period", "period_start", "period_end", "source_id", "numerator", "denominator", "value",
    "lower_ci_95", "upper_ci_95", "lower_ci_998", "upper_ci_998", "withheld_reason", "is_demo", "la_code",
]
TYPES = {
    "indicator_id": "string", "area_code": "string", "area_type": "string", "period": "string",
    "period_start": "datetime64[us]", "period_end": "datetime64[us]", "source_id": "string", "numerator": "float64",
    "denominator": "float64", "value": "Float64", "lower_ci_95": "Float64", "upper_ci_95": "Float64",
    "lower_ci_998": "Float64", "upper_ci_998": "Float64", "withheld_reason": "string", "is_demo": "boolean", "la_code": "string",
}


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """'2017-19' (pooled calendar years) or '2019/20' (financial year) to first and last day."""
    first = int(period[:4])
    last = first - first % 100 + int(period[5:7])
    if "/" in period:
        return pd.Timestamp(first, 4, 1), pd.Timestamp(last, 3, 31)
    return pd.Timestamp(first, 1, 1), pd.Timestamp(last, 12, 31)


def _banded(counts, wards, keys: list[str], bands: list[str], count: str):
    """One row per area (keys) and one column per age band, summed in DuckDB: each row of the
    relation `counts` once for its ward, once for its council and once for its council's
    quintile ('Q1'..'Q5'); a band no row gives is NaN, a band whose counts are all missing 0."""
    located = counts.join(wards.project("ward_code, la_code, deprivation_quintile"), "area_code = ward_code")
    summed = located.query("located", f"""
        select {", ".join(keys)}, age_band, coalesce(sum({count}), 0)::double as {count},
            coalesce(sum(population), 0)::double as population, bool_or(is_demo) as is_demo
        from (
            select * exclude (ward_code), 'ward' as area_type from located
            union all by name
            select * exclude (ward_code) replace (la_code as area_code), 'la' as area_type from located
            union all by name
            select * exclude (ward_code) replace ('Q' || deprivation_quintile as area_code), 'quintile' as area_type
            from located
        )
        where {" and ".join(f"{key} is not null" for key in keys)}
        group by all""").df().set_index([*keys, "age_band"]).sort_index()
    demo = summed["is_demo"].groupby(level=keys, sort=True).any()
    summed = summed[summed.index.get_level_values("age_band").notna()]
    # Column-major, as pandas' grouped unstack gave them: NumPy's sums across the bands follow the
    # memory order, and the methods' last digits with them.
    counts, population = (
        pd.DataFrame(np.asfortranarray(frame.to_numpy(float)), index=frame.index, columns=frame.columns)
        for frame in (summed[column].unstack("age_band").reindex(columns=bands) for column in (count, "population")))
    return counts, population, demo.reindex(counts.index)


def _frame(index: pd.MultiIndex, indicator, source: str, x, n, result: dict, reasons, demo) -> pd.DataFrame:
    frame = index.to_frame(index=False)
    frame["indicator_id"] = indicator
    frame["source_id"] = source
    bounds = {p: period_bounds(p) for p in frame["period"].unique()}
    frame["period_start"] = frame["period"].map(lambda p: bounds[p][0])
    frame["period_end"] = frame["period"].map(lambda p: bounds[p][1])
    frame["numerator"] = np.nansum(x, axis=1)
    frame["denominator"] = np.nansum(n, axis=1)
    withheld = np.isnan(result["value"])
    for column, key in (("value", "value"), ("lower_ci_95", "lower95"), ("upper_ci_95", "upper95"),
                        ("lower_ci_998", "lower998"), ("upper_ci_998", "upper998")):
        # A withheld value is published without its limits; missing is NULL in the warehouse.
        frame[column] = pd.array(np.where(withheld, np.nan, result[key]), dtype="Float64")
        frame.loc[withheld | np.isnan(result[key]), column] = pd.NA
    reasons = np.where(pd.isna(reasons), "withheld by the method's rules", reasons)
    frame["withheld_reason"] = pd.Series(np.where(withheld, reasons, None), dtype="string")
    frame["is_demo"] = demo.to_numpy()
    return frame


def model(dbt, session):
    dbt.config(materialized="table")
    wards = dbt.ref("int_ward_deprivation")
    frames = []
    deaths = dbt.ref("stg_local__mortality")
    if deaths.limit(1).fetchall():
        x, n, demo = _banded(deaths, wards, ["sex", *KEYS], LE_BANDS, "deaths")
        result = life_expectancy_at_birth(x.to_numpy(float), n.to_numpy(float))
        frame = _frame(x.index, None, "mortality_ward23", x.to_numpy(float), n.to_numpy(float), result, result["suppressed"], demo)
        frame["indicator_id"] = "life_expectancy_" + frame["sex"].str.lower()
        frames.append(frame.drop(columns="sex"))
    admissions = dbt.ref("stg_local__emergency_admissions")
    if admissions.limit(1).fetchall():
        x, n, demo = _banded(admissions, wards, KEYS, ESP_BANDS, "admissions")
        try:
            result = dsr_rates(x.to_numpy(float), n.to_numpy(float))
        except ValueError as exc:
            bad = x.index[np.isnan(n.to_numpy(float)).any(axis=1) | (n.to_numpy(float) <= 0).any(axis=1)]
            raise ValueError(f"emergency admissions: {exc}; first area: {dict(zip(KEYS, bad[0]))}" if len(bad) else str(exc)) from None
        reasons = np.where(result["total_count"] < 10, "fewer than 10 admissions", None)
        frames.append(_frame(x.index, "emergency_admissions", "admissions_ward23", x.to_numpy(float), n.to_numpy(float),
                             result, reasons, demo))
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in TYPES.items()})[COLUMNS]
    return pd.concat(frames, ignore_index=True)[COLUMNS].astype(TYPES)
