"""The tests behind every trend and change statement, per indicator, area and comparable series
(segment), at the segment's latest period.

- Recent trend: the Fingertips trend test (dagster_project.methods.recent_trend) on the most
  recent points of the segment (12 for a monthly series, so a full year of seasons; 5
  otherwise): the chi-squared test for trend for proportions with counts, inverse-variance
  weighted regression for values with intervals; significant at 99.8%.
- Change since the segment's first period: a two-sided z-test at 95% of the difference between
  the first and the latest value (two proportions with their counts, or two values with 95%
  intervals); used where a segment has too few points for a trend.

A figure without a count or interval, a range (suppressed inputs) or a withheld figure cannot
be tested, and the reason says so in plain words. Nothing is compared across segments.
"""

import numpy as np
import pandas as pd
from scipy import stats

from dagster_project.methods import recent_trend

CANNOT = "Cannot be assessed"
COLUMNS = [
    "indicator_id", "area_code", "period", "segment_id", "n_periods", "baseline_period", "trend", "trend_method",
    "trend_p_value", "trend_reason", "change_direction", "change_p_value", "change_method", "change_reason",
]
Z95 = stats.norm.ppf(0.975)
WINDOW = {"monthly": 12, "periodic": 5}


def _step(period_start: pd.Series, frequency: str) -> np.ndarray:
    """Consecutive points differ by 1: months for monthly series, years otherwise."""
    dates = pd.to_datetime(period_start)
    return (dates.dt.year * 12 + dates.dt.month).to_numpy() if frequency == "monthly" else dates.dt.year.to_numpy()


def _untestable(series: pd.DataFrame) -> str | None:
    if series["value_status"].ne("published").any():
        return "some figures in this series are ranges or withheld, so no trend can be tested"
    if series["numerator"].notna().all() and series["denominator"].notna().all():
        return None
    if series[["value", "lower_ci_95", "upper_ci_95"]].notna().all().all():
        return None
    return "these figures have no count or confidence interval, so a change cannot be tested"


def _trend(series: pd.DataFrame, polarity: str, frequency: str) -> tuple[str, str | None, float | None, str]:
    points = WINDOW[frequency]
    unit = "months" if frequency == "monthly" else "periods"
    if len(series) < points:
        return CANNOT, None, None, f"fewer than {points} comparable {unit} in this series (it has {len(series)})"
    window = series.tail(points)
    steps = _step(window["period_start"], frequency)
    if window["numerator"].notna().all() and window["denominator"].notna().all():
        method = f"Fingertips chi-squared test for trend, last {points} {unit}, 99.8% confidence"
        result = recent_trend(steps, method="proportion", count=window["numerator"].to_numpy(float),
                              denominator=window["denominator"].to_numpy(float), polarity=polarity, points=points)
    else:
        method = f"Fingertips weighted regression trend test, last {points} {unit}, 99.8% confidence"
        result = recent_trend(steps, method="regression", value=window["value"].to_numpy(float),
                              lower95=window["lower_ci_95"].to_numpy(float), upper95=window["upper_ci_95"].to_numpy(float),
                              polarity=polarity, points=points)
    if result.marker == "Cannot be calculated":
        return CANNOT, method, None, result.reason.lower()
    p_value = float(stats.chi2.sf(result.chi_squared, 1)) if result.chi_squared is not None else None
    return result.marker, method, p_value, result.reason.lower()


def _change(first: pd.Series, last: pd.Series) -> tuple[int | None, float | None, str | None]:
    """Direction (+1 up, -1 down, 0 no significant change) and p-value of latest versus first."""
    if pd.notna(first["numerator"]) and pd.notna(first["denominator"]) and pd.notna(last["numerator"]):
        x1, n1, x2, n2 = (float(v) for v in (first["numerator"], first["denominator"], last["numerator"], last["denominator"]))
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        difference = x2 / n2 - x1 / n1
        method = "two-proportion z-test of the first and latest periods, 95% confidence"
    else:
        se1 = (first["upper_ci_95"] - first["lower_ci_95"]) / (2 * Z95)
        se2 = (last["upper_ci_95"] - last["lower_ci_95"]) / (2 * Z95)
        se = float(np.sqrt(se1**2 + se2**2))
        difference = float(last["value"] - first["value"])
        method = "z-test of the first and latest values from their 95% intervals, 95% confidence"
    if not se > 0:
        return None, None, method
    p_value = float(2 * stats.norm.sf(abs(difference / se)))
    return (int(np.sign(difference)) if p_value < 0.05 else 0), p_value, method


def assess(values: pd.DataFrame, polarity: dict[str, str]) -> pd.DataFrame:
    """One row per indicator, area and segment: the trend and change tests at its latest period."""
    rows = []
    ordered = values.sort_values("period_start", kind="stable")
    for (indicator, area, segment), series in ordered.groupby(["indicator_id", "area_code", "segment_id"], sort=True):
        latest, first = series.iloc[-1], series.iloc[0]
        frequency = latest["frequency"]
        reason = _untestable(series)
        if reason:
            trend, method, p_value, trend_reason = CANNOT, None, None, reason
            direction = change_p = change_method = None
            change_reason = reason
        else:
            trend, method, p_value, trend_reason = _trend(series, polarity[indicator], frequency)
            if len(series) < 2:
                direction = change_p = change_method = None
                change_reason = "only one period in this comparable series"
            else:
                direction, change_p, change_method = _change(first, latest)
                change_reason = None if direction is not None else "a confidence interval of zero width"
        rows.append([indicator, area, latest["period"], segment, len(series), first["period"], trend, method, p_value,
                     trend_reason, direction, change_p, change_method, change_reason])
    return pd.DataFrame(rows, columns=COLUMNS)


def model(dbt, session):
    dbt.config(materialized="table")
    definitions = dbt.ref("indicator_definitions").df()
    polarity = dict(zip(definitions["indicator_id"], definitions["polarity"]))
    segments = dbt.ref("int_value_segments").df()[["indicator_id", "period", "segment_id", "frequency"]]
    counts = dbt.ref("int_area_indicator_values").df()
    counts = counts.assign(
        value=counts["unscaled_value"],
        value_status=np.where(counts["n_suppressed"].fillna(0) > 0, "bounded", "published"),
        lower_ci_95=np.nan, upper_ci_95=np.nan,
    )
    standardised = dbt.ref("int_standardised_values").df()
    standardised = standardised[standardised["area_type"].isin(["ward", "la"])].assign(
        value_status=lambda f: np.where(f["value"].isna(), "withheld", "published"), numerator=np.nan, denominator=np.nan,
    )
    columns = ["indicator_id", "area_code", "period", "period_start", "numerator", "denominator", "value",
               "lower_ci_95", "upper_ci_95", "value_status"]
    values = pd.concat([counts[columns], standardised[columns]], ignore_index=True).merge(segments, on=["indicator_id", "period"])
    result = assess(values, polarity)
    return result.astype({
        "indicator_id": "string", "area_code": "string", "period": "string", "segment_id": "string", "n_periods": "int64",
        "baseline_period": "string", "trend": "string", "trend_method": "string", "trend_p_value": "float64",
        "trend_reason": "string", "change_direction": "Int64", "change_p_value": "float64", "change_method": "string",
        "change_reason": "string",
    })
