"""Slope and relative index of inequality across each council's ward deprivation quintiles
(and deciles), per indicator and period: for proportions, quantile values are recomputed from
summed numerators and denominators with Wilson limits; life expectancy and standardised rates
are computed for each quintile from pooled counts. dagster_project.methods.sii fits the
population-weighted regression and simulates the 95% limits (every quantile required).
A period where any ward's figure is a range (suppressed inputs) has no SII: it would be biased.

Whether the gap is closing is tested within one comparable series (segment) and one stretch
between breaks (epoch, int_value_epochs; periods a break overlaps enter no test), at its latest
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

from dagster_project.methods import change_from_limits, recent_trend, sii, wilson_limits

COLUMNS = ["indicator_id", "la_code", "period", "quantiles", "measure", "value", "lower_ci_95", "upper_ci_95"]
NOT_ENOUGH = "cannot be assessed"
POINTS = 5
CONFIDENCE = 0.998


def gap_trend(series: pd.DataFrame, frequency: str = "periodic") -> tuple[str, str | None, float | None]:
    """Whether the gap (|SII|) is narrowing or widening over ``series`` (one segment, oldest
    first): (verdict, test method, p-value)."""
    if frequency == "monthly":
        months = pd.to_datetime(series["period_start"])
        same = series[(months.dt.month == months.iloc[-1].month).to_numpy()]
        if len(same) < 2:
            return NOT_ENOUGH, None, None
        return _change(same.iloc[[0, -1]], "z-test of the change in the slope index of inequality between the same month "
                       "of the earliest and latest years (seasons cancel; two points, so month-to-month correlation does not "
                       "enter), 99.8% confidence")
    if len(series) < 2:
        return NOT_ENOUGH, None, None
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
            verdict = NOT_ENOUGH
        return verdict, method, p_value
    return _change(series, "z-test of the change in the slope index of inequality between the first and latest periods, "
                   "99.8% confidence")


def _change(series: pd.DataFrame, method: str) -> tuple[str, str | None, float | None]:
    """The z-test of the change in |SII| between the first and last rows of ``series``."""
    size = series["value"].abs().to_numpy(float)
    flip = series["value"].to_numpy(float) < 0
    lower = np.where(flip, -series["upper_ci_95"], series["lower_ci_95"]).astype(float)
    upper = np.where(flip, -series["lower_ci_95"], series["upper_ci_95"]).astype(float)
    change = change_from_limits(size[0], lower[0], upper[0], size[-1], lower[-1], upper[-1])
    width = upper[[0, -1]] - lower[[0, -1]]
    if np.isnan(width).any() or not (width > 0).all() or flip[0] != flip[-1]:
        return NOT_ENOUGH, None, None
    p_value, z = float(change["p_value"]), float(change["difference"])
    if p_value >= 1 - CONFIDENCE:
        return "no significant change", method, p_value
    return ("gap widening" if z > 0 else "gap narrowing"), method, p_value


def _quantile_tables(wards: pd.DataFrame, column: str) -> pd.DataFrame:
    """Each (indicator, council, period)'s quantile table: summed counts, value and Wilson limits,
    in quantile order within each group."""
    keys = ["indicator_id", "la_code", "period"]
    table = wards.groupby([*keys, column], as_index=False).agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"))
    table = table.sort_values([*keys, column], ignore_index=True)
    table["lower95"], table["upper95"] = wilson_limits(table["numerator"].to_numpy(float), table["denominator"].to_numpy(float), 0.95)
    table["value"] = table["numerator"] / table["denominator"]
    return table.rename(columns={column: "quantile"})


def model(dbt, session):
    dbt.config(materialized="table")
    values = dbt.ref("int_area_indicator_values").df()
    wards = dbt.ref("int_ward_deprivation").df()
    definitions = dbt.ref("indicator_definitions").df()
    proportions = set(definitions.loc[definitions["value_type"] == "proportion", "indicator_id"])
    multipliers = dict(zip(definitions["indicator_id"], definitions["multiplier"]))
    bounded = values[(values["area_type"] == "ward") & (values["n_suppressed"].fillna(0) > 0)]
    bounded_keys = set(zip(bounded["indicator_id"], bounded["la_code"], bounded["period"]))
    ward_values = values[
        (values["area_type"] == "ward") & values["indicator_id"].isin(proportions) & values["denominator"].notna()
    ].drop(columns=["la_code"]).merge(wards[["ward_code", "la_code", "deprivation_quintile", "deprivation_decile"]], left_on="area_code", right_on="ward_code")
    computable = [key not in bounded_keys for key in zip(ward_values["indicator_id"], ward_values["la_code"], ward_values["period"])]
    ward_values = ward_values[computable]
    rows = []
    for column, n in (("deprivation_quintile", 5), ("deprivation_decile", 10)):
        table = _quantile_tables(ward_values, column)
        quantile, population, value = (table[c].to_numpy(f) for c, f in (("quantile", int), ("denominator", float), ("value", float)))
        lower, upper = table["lower95"].to_numpy(float), table["upper95"].to_numpy(float)
        for (indicator, la, period), at in table.groupby(["indicator_id", "la_code", "period"], sort=False).indices.items():
            result = sii(
                quantile[at], population[at], value[at], lower95=lower[at], upper95=upper[at],
                value_type=2, multiplier=float(multipliers[indicator]), confidence=0.95, n_quantiles=n,
            )
            if result is None:
                continue
            for measure in ("sii", "rii"):
                rows.append([indicator, la, period, n, measure, result[measure], result[f"{measure}_lower95"], result[f"{measure}_upper95"]])
    standardised = dbt.ref("int_standardised_values").df()
    quintiles = standardised[(standardised["area_type"] == "quintile") & standardised["value"].notna()]
    if "la_code" not in quintiles:
        quintiles = quintiles.assign(la_code=wards["la_code"].iloc[0] if not wards.empty else None)
    for (indicator, la_code, period), group in quintiles.groupby(["indicator_id", "la_code", "period"], sort=True):
        result = sii(
            group["area_code"].str[1:].astype(int).to_numpy(), group["denominator"].to_numpy(float),
            group["value"].to_numpy(float), lower95=group["lower_ci_95"].to_numpy(float),
            upper95=group["upper_ci_95"].to_numpy(float), value_type=0, confidence=0.95, n_quantiles=5,
        )
        if result is not None:
            for measure in ("sii", "rii"):
                rows.append([indicator, la_code, period, 5, measure, result[measure],
                             result[f"{measure}_lower95"], result[f"{measure}_upper95"]])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    segments = dbt.ref("int_value_segments").df()[["indicator_id", "period", "period_start", "segment_id", "frequency"]]
    frame = frame.merge(segments, on=["indicator_id", "period"], how="left")
    epochs = dbt.ref("int_value_epochs").df()[["indicator_id", "la_code", "period", "epoch", "affected"]]
    frame = frame.merge(epochs, on=["indicator_id", "la_code", "period"], how="left")
    frame["gap_trend"], frame["gap_test_method"], frame["gap_p_value"] = None, None, np.nan
    frame["gap_tested_from"] = pd.NaT
    tested = frame[(frame["measure"] == "sii") & ~frame["affected"].fillna(False).astype(bool)]
    for _, group in tested.groupby(["indicator_id", "la_code", "quantiles", "segment_id", "epoch"]):
        group = group.sort_values("period_start")
        verdict, method, p_value = gap_trend(group, group["frequency"].iloc[-1])
        index = group.index[-1]
        frame.loc[index, ["gap_trend", "gap_test_method", "gap_p_value"]] = [verdict, method, p_value]
        frame.loc[index, "gap_tested_from"] = pd.Timestamp(group["period_start"].iloc[0])
    frame["gap_trend"] = frame["gap_trend"].fillna("assessed at the latest period of each comparable series")
    return frame.drop(columns=["period_start", "frequency", "epoch", "affected"]).astype({
        "indicator_id": "string", "la_code": "string", "period": "string", "quantiles": "int64", "measure": "string",
        "value": "float64", "lower_ci_95": "float64", "upper_ci_95": "float64", "segment_id": "string",
        "gap_trend": "string", "gap_test_method": "string", "gap_p_value": "float64", "gap_tested_from": "datetime64[us]",
    })
