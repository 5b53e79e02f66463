"""Fingertips recent-trend marker for every indicator, area and period: the trend of the
(up to) five most recent points ending at that period, from dagster_project.methods.recent_trend
(chi-squared test for trend for proportions with counts; otherwise not calculable, since
LSOA-built scores carry no intervals)."""

import pandas as pd

from dagster_project.methods import recent_trend

CANNOT = "Cannot be calculated"


def _trend(series: pd.DataFrame, polarity: str) -> str:
    if len(series) < 5 or series["denominator"].isna().any():
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
    values = dbt.ref("int_area_indicator_values").df()
    definitions = dbt.ref("indicator_definitions").df()
    polarity = dict(zip(definitions["indicator_id"], definitions["polarity"]))
    values["year"] = pd.to_datetime(values["period_start"]).dt.year
    rows = []
    for (indicator, area), group in values.groupby(["indicator_id", "area_code"], sort=True):
        group = group.sort_values("period_start")
        for i in range(len(group)):
            window = group.iloc[max(0, i - 4): i + 1]
            rows.append([indicator, area, group.iloc[i]["period"], _trend(window, polarity[indicator])])
    return pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "trend"]).astype("string")
