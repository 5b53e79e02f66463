"""Life expectancy at birth (by sex) and directly standardised emergency admission rates for
each May-2023 ward, the borough and each deprivation quintile of wards, from age-banded counts,
with dagster_project.methods (Chiang II life table with Silcocks' variance; Dobson limits on the
2013 European Standard Population). Values the methods withhold (small populations or fewer
than 10 events) are kept as rows with a reason, so they are published as suppressed."""

import numpy as np
import pandas as pd

from dagster_project.methods import dsr, life_expectancy

LE_BANDS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
ESP_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
COLUMNS = [
    "indicator_id", "area_code", "area_type", "period", "period_start", "period_end", "source_id", "numerator", "denominator", "value",
    "lower_ci_95", "upper_ci_95", "lower_ci_998", "upper_ci_998", "withheld_reason", "is_demo",
]


def _banded(group: pd.DataFrame, bands: list[str], count: str) -> tuple[np.ndarray, np.ndarray]:
    summed = group.groupby("age_band")[[count, "population"]].sum().reindex(bands)
    return summed[count].to_numpy(float), summed["population"].to_numpy(float)


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """'2017-19' (pooled calendar years) or '2019/20' (financial year) to first and last day."""
    first = int(period[:4])
    last = first - first % 100 + int(period[5:7])
    if "/" in period:
        return pd.Timestamp(first, 4, 1), pd.Timestamp(last, 3, 31)
    return pd.Timestamp(first, 1, 1), pd.Timestamp(last, 12, 31)


def _row(indicator, area, area_type, period, source, x, n, result, index, reason, demo):
    pick = (lambda key: float(result[key][index])) if index is not None else (lambda key: float(result[key]))
    value = pick("value")
    limits = [pick(k) for k in ("lower95", "upper95", "lower998", "upper998")]
    if np.isnan(value):
        value, limits = None, [None] * 4
        reason = reason or "withheld by the method's rules"
    return [indicator, area, area_type, period, *period_bounds(period), source, float(np.nansum(x)), float(np.nansum(n)), value, *limits,
            None if value is not None else reason, demo]


def _areas(frame: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Each row once for its ward, once for the borough and once for its deprivation quintile."""
    located = frame.merge(wards[["ward_code", "la_code", "deprivation_quintile"]], left_on="area_code", right_on="ward_code")
    return pd.concat([
        located.assign(area_type="ward"),
        located.assign(area_code=located["la_code"], area_type="la"),
        located.assign(area_code="Q" + located["deprivation_quintile"].astype(str), area_type="quintile"),
    ])


def model(dbt, session):
    dbt.config(materialized="table")
    wards = dbt.ref("int_ward_deprivation").df()
    rows = []
    deaths = dbt.ref("stg_local__mortality").df()
    if not deaths.empty:
        for (sex, area, area_type, period), group in _areas(deaths, wards).groupby(["sex", "area_code", "area_type", "period"]):
            x, n = _banded(group, LE_BANDS, "deaths")
            result = life_expectancy(x, n)
            rows.append(_row(f"life_expectancy_{sex.lower()}", area, area_type, period, "mortality_ward23", x, n,
                             result, 0, result.get("suppressed"), bool(group["is_demo"].any())))
    admissions = dbt.ref("stg_local__emergency_admissions").df()
    if not admissions.empty:
        for (area, area_type, period), group in _areas(admissions, wards).groupby(["area_code", "area_type", "period"]):
            x, n = _banded(group, ESP_BANDS, "admissions")
            result = dsr(x, n)
            rows.append(_row("emergency_admissions", area, area_type, period, "admissions_ward23", x, n, result, None,
                             "fewer than 10 admissions" if np.nansum(x) < 10 else None, bool(group["is_demo"].any())))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({
        "indicator_id": "string", "area_code": "string", "area_type": "string", "period": "string",
        "period_start": "datetime64[us]", "period_end": "datetime64[us]", "source_id": "string", "numerator": "float64", "denominator": "float64", "value": "float64",
        "lower_ci_95": "float64", "upper_ci_95": "float64", "lower_ci_998": "float64", "upper_ci_998": "float64",
        "withheld_reason": "string", "is_demo": "boolean",
    })
