"""Slope and relative index of inequality across the borough's ward deprivation quintiles
(and deciles), per indicator and period: for proportions, quantile values are recomputed from
summed numerators and denominators with Wilson limits; life expectancy and standardised rates
are computed for each quintile from pooled counts. dagster_project.methods.sii fits the
population-weighted regression and simulates the 95% limits (every quantile required)."""

import numpy as np
import pandas as pd

from dagster_project.methods import recent_trend, sii, wilson_limits

COLUMNS = ["indicator_id", "la_code", "period", "quantiles", "measure", "value", "lower_ci_95", "upper_ci_95"]
NOT_ENOUGH = "not enough data"


def gap_trend(series: pd.DataFrame) -> str:
    """Whether the gap (|SII|) is narrowing or widening over the points in ``series`` (oldest
    first): the Fingertips regression trend with five or more points, otherwise whether the
    first and last 95% intervals are separate."""
    if len(series) < 2:
        return NOT_ENOUGH
    size = series["value"].abs().to_numpy(float)
    flip = series["value"].to_numpy(float) < 0
    lower = np.where(flip, -series["upper_ci_95"], series["lower_ci_95"]).astype(float)
    upper = np.where(flip, -series["lower_ci_95"], series["upper_ci_95"]).astype(float)
    if len(series) >= 5:
        marker = recent_trend(
            series["year"].to_numpy(int)[-5:], method="regression", value=size[-5:], lower95=lower[-5:],
            upper95=upper[-5:], polarity="no_judgement", require_consecutive=False,
        ).marker
        return {"Increasing": "gap widening", "Decreasing": "gap narrowing"}.get(marker, "no significant change")
    if lower[-1] > upper[0]:
        return "gap widening"
    if upper[-1] < lower[0]:
        return "gap narrowing"
    return "no significant change"


def _quantile_table(wards: pd.DataFrame, column: str) -> pd.DataFrame:
    grouped = wards.groupby(column, as_index=False).agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"))
    lower, upper = wilson_limits(grouped["numerator"].to_numpy(float), grouped["denominator"].to_numpy(float), 0.95)
    grouped["value"] = grouped["numerator"] / grouped["denominator"]
    grouped["lower95"], grouped["upper95"] = lower, upper
    return grouped.rename(columns={column: "quantile"})


def model(dbt, session):
    dbt.config(materialized="table")
    values = dbt.ref("int_area_indicator_values").df()
    wards = dbt.ref("int_ward_deprivation").df()
    definitions = dbt.ref("indicator_definitions").df()
    proportions = set(definitions.loc[definitions["value_type"] == "proportion", "indicator_id"])
    multipliers = dict(zip(definitions["indicator_id"], definitions["multiplier"]))
    ward_values = values[
        (values["area_type"] == "ward") & values["indicator_id"].isin(proportions) & values["denominator"].notna()
    ].merge(wards[["ward_code", "la_code", "deprivation_quintile", "deprivation_decile"]], left_on="area_code", right_on="ward_code")
    rows = []
    for (indicator, la, period), group in ward_values.groupby(["indicator_id", "la_code", "period"], sort=True):
        for column, n in (("deprivation_quintile", 5), ("deprivation_decile", 10)):
            table = _quantile_table(group, column)
            result = sii(
                table["quantile"].to_numpy(int), table["denominator"].to_numpy(float), table["value"].to_numpy(float),
                lower95=table["lower95"].to_numpy(float), upper95=table["upper95"].to_numpy(float),
                value_type=2, multiplier=float(multipliers[indicator]), confidence=0.95, n_quantiles=n,
            )
            if result is None:
                continue
            for measure in ("sii", "rii"):
                rows.append([indicator, la, period, n, measure, result[measure], result[f"{measure}_lower95"], result[f"{measure}_upper95"]])
    standardised = dbt.ref("int_standardised_values").df()
    quintiles = standardised[(standardised["area_type"] == "quintile") & standardised["value"].notna()]
    la_code = wards["la_code"].iloc[0] if not wards.empty else None
    for (indicator, period), group in quintiles.groupby(["indicator_id", "period"], sort=True):
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
    values = pd.concat([values[["indicator_id", "period", "period_start"]], standardised[["indicator_id", "period", "period_start"]]])
    years = values.drop_duplicates(["indicator_id", "period"]).set_index(["indicator_id", "period"])["period_start"]
    frame["year"] = [pd.Timestamp(years[(i, p)]).year for i, p in zip(frame["indicator_id"], frame["period"])]
    frame["gap_trend"] = NOT_ENOUGH
    for _, group in frame[frame["measure"] == "sii"].groupby(["indicator_id", "la_code", "quantiles"]):
        group = group.sort_values("year")
        for position, index in enumerate(group.index):
            frame.loc[index, "gap_trend"] = gap_trend(group.iloc[: position + 1])
    return frame.drop(columns="year").astype({
        "indicator_id": "string", "la_code": "string", "period": "string", "quantiles": "int64", "measure": "string",
        "value": "float64", "lower_ci_95": "float64", "upper_ci_95": "float64", "gap_trend": "string",
    })
