"""Fingertips recent-trend marker for every indicator, area and period: the trend of the
(up to) five most recent points ending at that period, from dagster_project.methods.recent_trend:
the chi-squared test for trend for proportions with counts, inverse-variance weighted regression
for values with intervals (life expectancy, standardised rates); LSOA-built scores carry no
intervals, so their trend cannot be calculated."""

import pandas as pd

from dagster_project.methods import recent_trend

CANNOT = "Cannot be calculated"


def _trend(series: pd.DataFrame, polarity: str) -> str:
    if len(series) < 5:
        return CANNOT
    if "lower_ci_95" in series:
        if series[["value", "lower_ci_95", "upper_ci_95"]].isna().any().any():
            return CANNOT
        return recent_trend(
            series["year"].to_numpy(int), method="regression", value=series["value"].to_numpy(float),
            lower95=series["lower_ci_95"].to_numpy(float), upper95=series["upper_ci_95"].to_numpy(float),
            polarity=polarity,
        ).marker
    if series["denominator"].isna().any():
        return CANNOT
    return recent_trend(
        series["year"].to_numpy(int),
        method="proportion",
        count=series["numerator"].to_numpy(float),
        denominator=series["denominator"].to_numpy(float),
        polarity=polarity,
    ).marker


def model(dbt, session):
    dbt.config(materialized="table")
    definitions = dbt.ref("indicator_definitions").df()
    polarity = dict(zip(definitions["indicator_id"], definitions["polarity"]))
    counts = dbt.ref("int_area_indicator_values").df()
    standardised = dbt.ref("int_standardised_values").df()
    standardised = standardised[standardised["area_type"].isin(["ward", "la"])]
    rows = []
    for values in (counts, standardised):
        values = values.assign(year=pd.to_datetime(values["period_start"]).dt.year)
        for (indicator, area), group in values.groupby(["indicator_id", "area_code"], sort=True):
            group = group.sort_values("period_start")
            for i in range(len(group)):
                window = group.iloc[max(0, i - 4): i + 1]
                rows.append([indicator, area, group.iloc[i]["period"], _trend(window, polarity[indicator])])
    return pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "trend"]).astype("string")
