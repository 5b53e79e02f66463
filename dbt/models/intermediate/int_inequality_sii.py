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

from dagster_project.methods import change_from_limits, recent_trends, sii_matrix, wilson_limits, z_value

COLUMNS = ["indicator_id", "la_code", "period", "quantiles", "measure", "value", "lower_ci_95", "upper_ci_95"]
NOT_ENOUGH = "cannot be assessed"
POINTS = 5
CONFIDENCE = 0.998


GROUPS = ["indicator_id", "la_code", "quantiles", "segment_id", "epoch"]
REGRESSION = f"weighted regression of the size of the gap on time, last {POINTS} points, 99.8% confidence"
FIRST_AND_LATEST = "z-test of the change in the slope index of inequality between the first and latest periods, 99.8% confidence"
SAME_MONTH = ("z-test of the change in the slope index of inequality between the same month of the earliest and latest "
              "years (seasons cancel; two points, so month-to-month correlation does not enter), 99.8% confidence")


def gap_trends(tested: pd.DataFrame) -> pd.DataFrame:
    """Whether each series' gap (|SII|) is narrowing or widening, for every series of ``tested``
    (rows of one measure; a series is one GROUPS key, its rows ordered by period_start) at once:
    one row per series, indexed by its latest row, with the verdict, the test method, the p-value
    and the period_start of the first period the test used. The series' frequency is its latest row's."""
    rows = tested.dropna(subset=GROUPS).sort_values([*GROUPS, "period_start"], kind="stable")
    grouped = rows.groupby(GROUPS, sort=False)
    position, count = grouped.cumcount().to_numpy(), grouped["value"].transform("size").to_numpy()
    value = rows["value"].to_numpy(float)
    flip = value < 0
    size = np.abs(value)
    lower = np.where(flip, -rows["upper_ci_95"], rows["lower_ci_95"]).astype(float)
    upper = np.where(flip, -rows["lower_ci_95"], rows["upper_ci_95"]).astype(float)
    months = pd.to_datetime(rows["period_start"]).dt.month.to_numpy()
    latest = position == count - 1
    monthly = grouped["frequency"].transform("last").to_numpy() == "monthly"
    same_month = months == pd.Series(months, index=rows.index).groupby([rows[k] for k in GROUPS], sort=False).transform("last").to_numpy()
    missing_lower = pd.Series(np.isnan(lower), index=rows.index).groupby([rows[k] for k in GROUPS], sort=False).transform("any").to_numpy()

    last = np.flatnonzero(latest)  # the series, in row order
    n = count[last]
    verdict = np.full(len(last), NOT_ENOUGH, dtype=object)
    method = np.full(len(last), None, dtype=object)
    p_value = np.full(len(last), np.nan)
    first_used = np.full(len(last), -1)

    # Monthly: the earliest row in the latest row's calendar month, against the latest row.
    first_same = pd.Series(np.where(same_month, np.arange(len(rows)), len(rows)), index=rows.index).groupby(
        [rows[k] for k in GROUPS], sort=False).transform("min").to_numpy()[last]
    is_monthly = monthly[last]
    regression = ~is_monthly & (n >= POINTS) & ~missing_lower[last]
    change = ~is_monthly & ~regression & (n >= 2)
    pairs = {"monthly": (is_monthly & (first_same < last), first_same, SAME_MONTH), "change": (change, last - n + 1, FIRST_AND_LATEST)}
    for chosen, first, name in pairs.values():
        i, a, b = np.flatnonzero(chosen), first[chosen], last[chosen]
        test = change_from_limits(size[a], lower[a], upper[a], size[b], lower[b], upper[b])
        widths = np.stack([upper[a] - lower[a], upper[b] - lower[b]])
        usable = ~np.isnan(widths).any(0) & (widths > 0).all(0) & (flip[a] == flip[b])
        p, z = test["p_value"], test["difference"]
        verdict[i] = np.where(~usable, NOT_ENOUGH, np.where(p >= 1 - CONFIDENCE, "no significant change",
                                                             np.where(z > 0, "gap widening", "gap narrowing")))
        method[i] = np.where(usable, name, None)
        p_value[i] = np.where(usable, p, np.nan)
        first_used[i] = np.where(usable, a, -1)

    # Five or more yearly points: OHID's trend test on the last five (a missing value or interval,
    # or an interval of zero width, cannot be tested).
    i = np.flatnonzero(regression)
    window = last[regression][:, None] + np.arange(1 - POINTS, 1)
    y, lo, hi = size[window], lower[window], upper[window]
    complete = ~(np.isnan(y) | np.isnan(lo) | np.isnan(hi)).any(1)
    marker, _, chi = recent_trends(np.tile(np.arange(1.0, POINTS + 1), (len(i), 1)), method="regression",
                                   polarity=np.full(len(i), "no_judgement"), value=y, lower95=lo, upper95=hi)
    tested_ok = complete & (marker != "Cannot be calculated")
    words = {"Increasing": "gap widening", "Decreasing": "gap narrowing"}
    verdict[i] = np.where(tested_ok, [words.get(m, "no significant change") for m in marker], NOT_ENOUGH)
    method[i] = np.where(tested_ok, REGRESSION, None)
    p_value[i] = np.where(tested_ok, stats.chi2.sf(chi, 1), np.nan)
    first_used[i] = np.where(tested_ok, window[:, 0], -1)

    starts = rows["period_start"].to_numpy()
    return pd.DataFrame({
        "gap_trend": verdict, "gap_test_method": method, "gap_p_value": p_value,
        "gap_tested_from": pd.Series([starts[j] if j >= 0 else None for j in first_used], dtype=object).to_numpy(),
    }, index=rows.index[last])


def _quantile_tables(dbt, session) -> pd.DataFrame:
    """Each (indicator, council, period)'s quintile (quantiles 5) and decile (10) tables for the
    proportions: the wards' numerators and denominators summed in DuckDB, in fixed point (so the
    sums do not depend on the order of the rows; as the macro exact_sum), leaving out the councils
    and periods int_excluded_periods names ('council_wards'); value and Wilson limits added."""
    sql = {  # dbt finds a Python model's parents by its literal dbt.ref calls
        "int_area_indicator_values": dbt.ref("int_area_indicator_values").sql_query(),
        "int_ward_deprivation": dbt.ref("int_ward_deprivation").sql_query(),
        "indicator_definitions": dbt.ref("indicator_definitions").sql_query(),
        "int_excluded_periods": dbt.ref("int_excluded_periods").sql_query(),
    }
    table = session.sql(f"""
        with
        excluded as (
            select indicator_id, la_code, period from ({sql["int_excluded_periods"]}) where area_type = 'council_wards'
        ),
        located as (
            select values.indicator_id, wards.la_code, values.period, wards.deprivation_quintile,
                wards.deprivation_decile, values.numerator::decimal(38, 18) as numerator,
                values.denominator::decimal(38, 18) as denominator
            from ({sql["int_area_indicator_values"]}) as values
            inner join ({sql["int_ward_deprivation"]}) as wards on wards.ward_code = values.area_code
            where values.area_type = 'ward' and values.denominator is not null
                and values.indicator_id in (
                    select indicator_id from ({sql["indicator_definitions"]}) where value_type = 'proportion')
                and not exists (
                    select 1 from excluded
                    where excluded.indicator_id = values.indicator_id and excluded.la_code = wards.la_code
                        and excluded.period = values.period)
        )
        select indicator_id, la_code, period, quantiles, quantile,
            coalesce(sum(numerator), 0)::double as numerator, sum(denominator)::double as denominator
        from (
            select *, 5 as quantiles, deprivation_quintile as quantile from located
            union all
            select *, 10, deprivation_decile from located
        )
        group by all
        order by quantiles, indicator_id, la_code, period, quantile
    """).df()
    table["lower95"], table["upper95"] = wilson_limits(table["numerator"].to_numpy(float), table["denominator"].to_numpy(float), 0.95)
    table["value"] = table["numerator"] / table["denominator"]
    return table


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
    definitions = dbt.ref("indicator_definitions").df()
    multipliers = dict(zip(definitions["indicator_id"], definitions["multiplier"]))
    keys = ["indicator_id", "la_code", "period"]
    frames = []
    # Only the quantile tables leave DuckDB (the ward rows in pandas cost a gigabyte at England's size).
    tables = _quantile_tables(dbt, session)
    for n in (5, 10):
        table = tables[tables["quantiles"] == n].drop(columns="quantiles")
        se = (logit(table["upper95"]) - logit(table["lower95"])) / (2 * z_value(0.95))
        frames.append(_sii_rows(table.assign(se=se, population=table["denominator"]), n, 2, multipliers))
    quintiles = dbt.ref("int_standardised_values").filter("area_type = 'quintile' and value is not null").project(
        "indicator_id, area_code, la_code, period, value, denominator, lower_ci_95, upper_ci_95").df()
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
    breaks = dbt.ref("int_excluded_periods").filter("rule_id = 'break'").project(
        "indicator_id, la_code, period").df().assign(in_break=True)
    frame = frame.merge(breaks, on=keys, how="left")
    verdicts = gap_trends(frame[(frame["measure"] == "sii") & frame["in_break"].isna()])
    frame = frame.join(verdicts.astype({"gap_p_value": "float64", "gap_tested_from": "datetime64[us]"}))
    frame["gap_trend"] = frame["gap_trend"].fillna("assessed at the latest period of each comparable series")
    return frame.drop(columns=["period_start", "frequency", "epoch", "in_break"]).astype({
        "indicator_id": "string", "la_code": "string", "period": "string", "quantiles": "int64", "measure": "string",
        "value": "float64", "lower_ci_95": "float64", "upper_ci_95": "float64", "segment_id": "string",
        "gap_trend": "string", "gap_test_method": "string", "gap_p_value": "float64", "gap_tested_from": "datetime64[us]",
    })
