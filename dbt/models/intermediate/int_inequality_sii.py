"""Slope and relative index of inequality across each council's ward deprivation quintiles
(and deciles), per indicator and period: for proportions, quantile values are recomputed from
summed numerators and denominators with Wilson limits; life expectancy and standardised rates
are computed for each quintile from pooled counts. dagster_project.methods.sii_matrix fits the
population-weighted regression for every group at once, with analytic 95% limits (the
simulation's distribution in closed form; see the methods module), every quantile required.
A council and period that int_excluded_periods leaves out (area_type 'council_wards': a ward's
figure is a range, incomplete or withheld; the rules of the seed exclusion_rules) has no SII, so
no gap test of a later period draws on it either.

Whether the gap is closing is tested within one comparable series (segment) and one stretch
between breaks (epoch, int_value_epochs; periods a break overlaps, int_excluded_periods' rule
'break', enter no test), at its latest
period, at one confidence level (99.8%):
- yearly and other periodic data: with 5 points, the weighted regression of the gap's size on
  time (OHID's trend method applied to the SII); with 2 to 4, a z-test of the change in the SII
  between the first and latest periods, from their 95% intervals;
- monthly data: a z-test of the change between the latest month and the same calendar month
  in the earliest year available, so seasons cancel and, being two points a year or more
  apart, neighbouring months' correlation does not pose as evidence."""

import numpy as np
import pandas as pd

from scipy import stats
from scipy.special import logit

from dagster_project.methods import change_from_limits, recent_trend, sii_matrix, wilson_limits, z_value

COLUMNS = ["indicator_id", "la_code", "period", "quantiles", "measure", "value", "lower_ci_95", "upper_ci_95"]
NOT_ENOUGH = "cannot be assessed"
POINTS = 5
CONFIDENCE = 0.998


def gap_trend(series: pd.DataFrame, frequency: str = "periodic") -> tuple[str, str | None, float | None, object]:
    """Whether the gap (|SII|) is narrowing or widening over ``series`` (one segment, oldest
    first): (verdict, test method, p-value, period_start of the first period the test used)."""
    if frequency == "monthly":
        months = pd.to_datetime(series["period_start"])
        same = series[(months.dt.month == months.iloc[-1].month).to_numpy()]
        if len(same) < 2:
            return NOT_ENOUGH, None, None, None
        return _change(same.iloc[[0, -1]], "z-test of the change in the slope index of inequality between the same month "
                       "of the earliest and latest years (seasons cancel; two points, so month-to-month correlation does not "
                       "enter), 99.8% confidence")
    if len(series) < 2:
        return NOT_ENOUGH, None, None, None
    size = series["value"].abs().to_numpy(float)
    flip = series["value"].to_numpy(float) < 0
    lower = np.where(flip, -series["upper_ci_95"], series["lower_ci_95"]).astype(float)
    upper = np.where(flip, -series["lower_ci_95"], series["upper_ci_95"]).astype(float)
    points = POINTS
    if len(series) >= points and not np.isnan(lower).any():
        result = recent_trend(
            np.arange(len(series))[-points:], method="regression", value=size[-points:], lower95=lower[-points:],
            upper95=upper[-points:], polarity="no_judgement", require_consecutive=False, points=points,
        )
        method = f"weighted regression of the size of the gap on time, last {points} points, 99.8% confidence"
        p_value = float(stats.chi2.sf(result.chi_squared, 1)) if result.chi_squared is not None else None
        verdict = {"Increasing": "gap widening", "Decreasing": "gap narrowing"}.get(result.marker, "no significant change")
        if result.marker == "Cannot be calculated":
            return NOT_ENOUGH, None, None, None
        return verdict, method, p_value, series["period_start"].iloc[-points]
    return _change(series, "z-test of the change in the slope index of inequality between the first and latest periods, "
                   "99.8% confidence")


def _change(series: pd.DataFrame, method: str) -> tuple[str, str | None, float | None, object]:
    """The z-test of the change in |SII| between the first and last rows of ``series``."""
    size = series["value"].abs().to_numpy(float)
    flip = series["value"].to_numpy(float) < 0
    lower = np.where(flip, -series["upper_ci_95"], series["lower_ci_95"]).astype(float)
    upper = np.where(flip, -series["lower_ci_95"], series["upper_ci_95"]).astype(float)
    change = change_from_limits(size[0], lower[0], upper[0], size[-1], lower[-1], upper[-1])
    width = upper[[0, -1]] - lower[[0, -1]]
    if np.isnan(width).any() or not (width > 0).all() or flip[0] != flip[-1]:
        return NOT_ENOUGH, None, None, None
    p_value, z = float(change["p_value"]), float(change["difference"])
    verdict = "no significant change" if p_value >= 1 - CONFIDENCE else ("gap widening" if z > 0 else "gap narrowing")
    return verdict, method, p_value, series["period_start"].iloc[0]


def _quantile_tables(wards: pd.DataFrame, column: str) -> pd.DataFrame:
    """Each (indicator, council, period)'s quantile table: summed counts, value and Wilson limits,
    in quantile order within each group."""
    keys = ["indicator_id", "la_code", "period"]
    table = wards.groupby([*keys, column], as_index=False).agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"))
    table = table.sort_values([*keys, column], ignore_index=True)
    table["lower95"], table["upper95"] = wilson_limits(table["numerator"].to_numpy(float), table["denominator"].to_numpy(float), 0.95)
    table["value"] = table["numerator"] / table["denominator"]
    return table.rename(columns={column: "quantile"})


def _sii_rows(table: pd.DataFrame, n: int, value_type: int, multipliers: dict | None) -> pd.DataFrame:
    """SII and RII rows (``COLUMNS``) for every (indicator, council, period) of ``table`` (one row
    per quantile: quantile, population, value, se) that has all quantiles 1..n, at once."""
    keys = ["indicator_id", "la_code", "period"]
    table = table[table["quantile"].between(1, n)].sort_values([*keys, "quantile"], ignore_index=True)
    table = table[table.groupby(keys)["quantile"].transform("size") == n]
    groups = table.iloc[::n][keys].reset_index(drop=True)
    matrix = {c: table[c].to_numpy(float).reshape(-1, n) for c in ("population", "value", "se")}
    multiplier = 1.0 if multipliers is None else groups["indicator_id"].map(multipliers).to_numpy(float)
    result = sii_matrix(matrix["population"], matrix["value"], matrix["se"], value_type=value_type, multiplier=multiplier, confidence=0.95)
    computed = ~np.isnan(result["sii"])
    return pd.concat([
        groups[computed].assign(quantiles=n, measure=measure, value=result[measure][computed],
                                lower_ci_95=result[f"{measure}_lower95"][computed], upper_ci_95=result[f"{measure}_upper95"][computed])
        for measure in ("sii", "rii")
    ], ignore_index=True)[COLUMNS]


def model(dbt, session):
    dbt.config(materialized="table")
    values = dbt.ref("int_area_indicator_values").df()
    wards = dbt.ref("int_ward_deprivation").df()
    definitions = dbt.ref("indicator_definitions").df()
    proportions = set(definitions.loc[definitions["value_type"] == "proportion", "indicator_id"])
    multipliers = dict(zip(definitions["indicator_id"], definitions["multiplier"]))
    keys = ["indicator_id", "la_code", "period"]
    exclusions = dbt.ref("int_excluded_periods").df()
    excluded = exclusions[exclusions["area_type"] == "council_wards"][keys]
    ward_values = values[
        (values["area_type"] == "ward") & values["indicator_id"].isin(proportions) & values["denominator"].notna()
    ].drop(columns=["la_code"]).merge(wards[["ward_code", "la_code", "deprivation_quintile", "deprivation_decile"]], left_on="area_code", right_on="ward_code")
    ward_values = ward_values.merge(excluded, on=keys, how="left", indicator=True)
    ward_values = ward_values[ward_values.pop("_merge") == "left_only"]
    frames = []
    for column, n in (("deprivation_quintile", 5), ("deprivation_decile", 10)):
        table = _quantile_tables(ward_values, column)
        se = (logit(table["upper95"]) - logit(table["lower95"])) / (2 * z_value(0.95))
        frames.append(_sii_rows(table.assign(se=se, population=table["denominator"]), n, 2, multipliers))
    standardised = dbt.ref("int_standardised_values").df()
    quintiles = standardised[(standardised["area_type"] == "quintile") & standardised["value"].notna()]
    if "la_code" not in quintiles:
        quintiles = quintiles.assign(la_code=wards["la_code"].iloc[0] if not wards.empty else None)
    quintiles = quintiles.assign(
        quantile=quintiles["area_code"].str[1:].astype(int), population=quintiles["denominator"],
        se=(quintiles["upper_ci_95"] - quintiles["lower_ci_95"]) / (2 * z_value(0.95)),
    )
    frames.append(_sii_rows(quintiles, 5, 0, None))
    frame = pd.concat(frames, ignore_index=True).sort_values(["quantiles", "indicator_id", "la_code", "period", "measure"], ignore_index=True)
    segments = dbt.ref("int_value_segments").df()[["indicator_id", "period", "period_start", "segment_id", "frequency"]]
    frame = frame.merge(segments, on=["indicator_id", "period"], how="left")
    epochs = dbt.ref("int_value_epochs").df()[["indicator_id", "la_code", "period", "epoch"]]
    frame = frame.merge(epochs, on=["indicator_id", "la_code", "period"], how="left")
    breaks = exclusions[exclusions["rule_id"] == "break"][keys].assign(in_break=True)
    frame = frame.merge(breaks, on=keys, how="left")
    latest = {}
    tested = frame[(frame["measure"] == "sii") & frame["in_break"].isna()]
    for _, group in tested.groupby(["indicator_id", "la_code", "quantiles", "segment_id", "epoch"]):
        group = group.sort_values("period_start")
        latest[group.index[-1]] = gap_trend(group, group["frequency"].iloc[-1])
    verdicts = pd.DataFrame.from_dict(
        latest, orient="index", columns=["gap_trend", "gap_test_method", "gap_p_value", "gap_tested_from"])
    frame = frame.join(verdicts.astype({"gap_p_value": "float64", "gap_tested_from": "datetime64[us]"}))
    frame["gap_trend"] = frame["gap_trend"].fillna("assessed at the latest period of each comparable series")
    return frame.drop(columns=["period_start", "frequency", "epoch", "in_break"]).astype({
        "indicator_id": "string", "la_code": "string", "period": "string", "quantiles": "int64", "measure": "string",
        "value": "float64", "lower_ci_95": "float64", "upper_ci_95": "float64", "segment_id": "string",
        "gap_trend": "string", "gap_test_method": "string", "gap_p_value": "float64", "gap_tested_from": "datetime64[us]",
    })
