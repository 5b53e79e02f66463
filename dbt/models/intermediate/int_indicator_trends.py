"""The tests behind every trend and change statement, per indicator, area, comparable series
(segment) and stretch between breaks (epoch, int_value_epochs), at the stretch's latest period.
Periods that a break overlaps (int_value_epochs.affected) enter no test.

- Yearly data keep OHID's method: the Fingertips trend test (dagster_project.methods.recent_trend)
  on the last 5 points: the chi-squared test for trend for proportions with counts,
  inverse-variance weighted regression for values with intervals.
- Monthly series are judged on yearly figures: full 12-month blocks counted back from the latest
  month (the mean monthly count over its mean denominator; the mean value with its sampling
  errors combined), so seasons cancel and neighbouring months' correlation does not pose as
  evidence. The same tests then run on the yearly figures and are named as such, never as
  Fingertips' method.
- Change since the first period (first full year for monthly series): a two-sided z-test of the
  difference between the first and the latest value (two proportions with their counts, or two
  values with 95% intervals); used where there are too few points for a trend.

Every test here uses one confidence level, CONFIDENCE (99.8%, Fingertips' trend level).

A figure without a count or interval cannot be tested, nor can any series holding a figure
that int_excluded_periods leaves out (incomplete, withheld, a range or withheld by its method:
the rules of the seed exclusion_rules, in one place), and the reason is that rule's, in plain
words: no published trend or change draws on a withheld count. Periods a break overlaps
(int_excluded_periods' rule 'break') enter no test. Nothing is compared across
segments. The tests run on all series at once (grouped NumPy, dagster_project.methods.recent_trends).
"""

import numpy as np
import pandas as pd
from scipy import stats

from dagster_project.methods import change_from_limits, recent_trends

CANNOT = "Cannot be assessed"
CONFIDENCE = 0.998
COLUMNS = [
    "indicator_id", "area_code", "period", "segment_id", "epoch", "since_break", "n_periods", "baseline_period",
    "window_from", "window_to", "tested_from", "tested_to", "trend_from", "trend", "trend_method", "trend_p_value", "trend_reason", "change_direction",
    "change_p_value", "change_method", "change_reason",
]


KEYS = ["indicator_id", "area_code", "segment_id", "epoch"]
Z95 = stats.norm.ppf(0.975)


def _steps(frame: pd.DataFrame) -> pd.Series:
    """Consecutive points differ by 1: months for monthly series, years otherwise."""
    dates = pd.to_datetime(frame["period_start"])
    return pd.Series(np.where(frame["frequency"] == "monthly", dates.dt.year * 12 + dates.dt.month, dates.dt.year),
                     index=frame.index)


def yearly(values: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows as yearly figures: full 12-month blocks counted back from each group's latest
    month (a block missing a month is dropped); other rows unchanged. A block keeps its last
    month as `period`, is labelled 'the 12 months to <month in words>' (e.g. October 2017), and steps by one per year."""
    monthly = values["frequency"] == "monthly"
    other = values[~monthly].assign(step=_steps(values[~monthly]), label=values.loc[~monthly, "period"],
                                    first_start=values.loc[~monthly, "period_start"])
    months = values[monthly].assign(month=_steps(values[monthly]))
    months["block"] = (months.groupby(KEYS, sort=False)["month"].transform("max") - months["month"]) // 12
    se = (months["upper_ci_95"] - months["lower_ci_95"]) / (2 * Z95)
    months = months.assign(variance=se**2)
    blocks = months.groupby([*KEYS, "block"], sort=False).agg(
        n=("month", "size"), period=("period", "last"), period_start=("period_start", "last"),
        first_start=("period_start", "first"),
        numerator=("numerator", "mean"), denominator=("denominator", "mean"), value=("value", "mean"),
        variance=("variance", "sum"), frequency=("frequency", "first"), precedence=("precedence", "min"),
        counted=("numerator", "count"), limited=("lower_ci_95", "count"), since_break=("since_break", "last"),
    ).reset_index()
    blocks = blocks[blocks["n"] == 12]
    half = Z95 * np.sqrt(blocks["variance"]) / 12
    blocks = blocks.assign(
        numerator=blocks["numerator"].where(blocks["counted"] == 12), denominator=blocks["denominator"].where(blocks["counted"] == 12),
        lower_ci_95=(blocks["value"] - half).where(blocks["limited"] == 12), upper_ci_95=(blocks["value"] + half).where(blocks["limited"] == 12),
        step=-blocks["block"],
        label="the 12 months to " + pd.to_datetime(blocks["period_start"]).dt.strftime("%B %Y"),
    )
    columns = list(other.columns)
    return pd.concat([other, blocks[columns]], ignore_index=True).sort_values([*KEYS, "step"], kind="stable")


def _trends(values: pd.DataFrame, groups: pd.DataFrame, polarity: dict[str, str]) -> pd.DataFrame:
    """The Fingertips trend test on each testable group's last 5 (or 12 monthly) points, all at once."""
    window = values.assign(points=5)
    window = window[window.groupby(KEYS, sort=False).cumcount(ascending=False) < window["points"]]
    window = window.assign(position=window.groupby(KEYS, sort=False).cumcount() + 1)
    grouped = window.groupby(KEYS, sort=False)
    head, tail = grouped.head(1), grouped.tail(1)  # each group's first and last point, in group order
    summary = grouped.agg(
        points=("points", "first"), n=("step", "size"),
        counts=("numerator", "count"), denominators=("denominator", "count"), limits=("lower_ci_95", "count"),
    ).reset_index().assign(
        span=tail["step"].to_numpy() - head["step"].to_numpy(), yearly=head["frequency"].eq("monthly").to_numpy(),
    )
    out = groups[KEYS].merge(summary, on=KEYS, how="left")
    out["trend"], out["trend_method"], out["trend_p_value"], out["trend_reason"] = CANNOT, None, np.nan, None
    short = out["n"].fillna(0) < out["points"].fillna(5)
    unit = np.where(out["yearly"].fillna(False).astype(bool), "full years of monthly figures", "periods")
    out.loc[short, "trend_reason"] = [
        f"fewer than {int(p) if p == p else 5} comparable {u} since the last break (there are {int(n) if n == n else 0})"
        for p, u, n in zip(out.loc[short, "points"], unit[short], out.loc[short, "n"])
    ]
    gapped = ~short & (out["span"] != out["n"] - 1)
    out.loc[gapped, "trend_reason"] = "the periods are not consecutive"
    ready = out[~short & ~gapped]
    for method, columns in (("proportion", ["numerator", "denominator"]), ("regression", ["value", "lower_ci_95", "upper_ci_95"])):
        chosen = ready[(ready["counts"] == ready["n"]) & (ready["denominators"] == ready["n"])] if method == "proportion" \
            else ready[~((ready["counts"] == ready["n"]) & (ready["denominators"] == ready["n"])) & (ready["limits"] == ready["n"])]
        for (points, is_yearly), batch in chosen.groupby(["points", "yearly"]):
            points = int(points)
            rows = window.merge(batch[KEYS], on=KEYS).sort_values(KEYS + ["position"], kind="stable")
            arrays = {c: rows[c].to_numpy(float).reshape(-1, points) for c in columns}
            keys = rows[KEYS].iloc[::points].reset_index(drop=True)
            t = np.tile(np.arange(1.0, points + 1), (len(keys), 1))
            names = {"numerator": "count", "lower_ci_95": "lower95", "upper_ci_95": "upper95"}
            marker, reason, chi = recent_trends(
                t, method=method, polarity=keys["indicator_id"].map(polarity).to_numpy(),
                **{names.get(c, c): a for c, a in arrays.items()},
            )
            test = "chi-squared test for trend" if method == "proportion" else "weighted regression trend test"
            label = (f"{test} on yearly figures (12-month averages of monthly figures), last {points} years, 99.8% confidence"
                     if is_yearly else f"Fingertips {test}, last {points} periods, 99.8% confidence")
            result = keys.assign(trend=np.where(marker == "Cannot be calculated", CANNOT, marker),
                                 trend_method=label, trend_p_value=stats.chi2.sf(chi, 1),
                                 trend_reason=[r.lower() for r in reason])
            out = out.set_index(KEYS)
            out.update(result.set_index(KEYS))
            out = out.reset_index()
    return out[KEYS + ["trend", "trend_method", "trend_p_value", "trend_reason"]]


def _changes(first: pd.DataFrame, last: pd.DataFrame) -> pd.DataFrame:
    """Latest versus first of each group: a two-proportion z-test, or a z-test from 95% intervals."""
    counted = first["numerator"].notna() & first["denominator"].notna() & last["numerator"].notna() & last["denominator"].notna()
    x1, n1, x2, n2 = (f[c].to_numpy(float) for f, c in ((first, "numerator"), (first, "denominator"), (last, "numerator"), (last, "denominator")))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se_counts = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        limits = change_from_limits(first["value"], first["lower_ci_95"], first["upper_ci_95"],
                                    last["value"], last["lower_ci_95"], last["upper_ci_95"])
        difference = np.where(counted, x2 / n2 - x1 / n1, limits["difference"])
        se = np.where(counted, se_counts, limits["se"])
        p_value = 2 * stats.norm.sf(np.abs(difference / se))
    valid = se > 0
    yearly = (first["frequency"] == "monthly").to_numpy()
    # The four method names, picked by index (np.char.add on every row cost seconds at England's size).
    names = np.array([f"{test}{what}, 99.8% confidence"
                      for test in ("z-test of the first and latest values from their 95% intervals",
                                   "two-proportion z-test of the first and latest periods")
                      for what in ("", " (yearly figures: 12-month averages of monthly figures)")], dtype=object)
    return pd.DataFrame({
        "change_direction": pd.array(np.where(valid, np.where(p_value < 1 - CONFIDENCE, np.sign(difference), 0), np.nan), dtype="Int64"),
        "change_p_value": np.where(valid, p_value, np.nan),
        "change_method": names[2 * counted.to_numpy(int) + yearly],
        "change_reason": np.where(valid, None, "a confidence interval of zero width"),
    })


def assess(values: pd.DataFrame, polarity: dict[str, str], series_reasons: dict[int, str]) -> pd.DataFrame:
    """One row per indicator, area, segment and epoch: the trend and change tests at its latest period.
    A row's `precedence` (null where the figure may be tested) names the exclusion rule that keeps
    it out; series_reasons maps it to the reason a series holding it gives."""
    values = yearly(values.sort_values(KEYS + ["period_start"], kind="stable")).reset_index(drop=True)
    values["testable"] = values["precedence"].isna() & (
        (values["numerator"].notna() & values["denominator"].notna())
        | values[["value", "lower_ci_95", "upper_ci_95"]].notna().all(axis=1))
    grouped = values.groupby(KEYS, sort=False)
    first, last = grouped.head(1).reset_index(drop=True), grouped.tail(1).reset_index(drop=True)
    groups = last[KEYS + ["period", "since_break"]].assign(
        n_periods=grouped.size().to_numpy(), baseline_period=first["period"].to_numpy(),
        window_from=first["label"].to_numpy(), window_to=last["label"].to_numpy(),
        tested_from=pd.to_datetime(first["first_start"]).to_numpy(), tested_to=pd.to_datetime(last["period_start"]).to_numpy(),
        trend_from=grouped.tail(5).groupby(KEYS, sort=False)["label"].first().to_numpy(),
        excluded=grouped["precedence"].min().map(series_reasons).to_numpy(),
        testable=grouped["testable"].all().to_numpy(),
    )
    trends = _trends(values[values.groupby(KEYS, sort=False)["testable"].transform("all")], groups[groups["testable"]], polarity)
    result = groups.merge(trends, on=KEYS, how="left")
    changes = _changes(first, last)
    result = pd.concat([result, changes], axis=1)
    untestable = result["excluded"].fillna("these figures have no count or confidence interval, so a change cannot be tested")
    blocked = ~result["testable"]
    result.loc[blocked, "trend"] = CANNOT
    result.loc[blocked, ["trend_method", "trend_p_value"]] = [None, np.nan]
    result.loc[blocked, "trend_reason"] = untestable[blocked]
    single = ~blocked & (result["n_periods"] < 2)
    no_change = blocked | single
    result.loc[no_change, ["change_direction", "change_p_value", "change_method"]] = [pd.NA, np.nan, None]
    result.loc[blocked, "change_reason"] = untestable[blocked]
    result.loc[single, "change_reason"] = np.where(
        result.loc[single, "since_break"].notna(), "only one comparable period since the last break",
        "only one period in this comparable series")
    return result[COLUMNS]


def _values(dbt, session) -> pd.DataFrame:
    """The ward and council figures the tests may read, with their segment, epoch and exclusion
    rule (`precedence`, null where none), joined in DuckDB: only these columns reach pandas (a
    whole England-size table there costs gigabytes). Periods a break overlaps are left out. The rows
    come in a fixed order (each series' periods in turn), so the yearly means add in one order.
    The text columns arrive as categoricals (DuckDB ENUMs of their sorted values, so they sort as
    the strings do): codes, not a Python string a row (at England's size 0.9 M rows, 300 MB less)."""
    sql = {  # dbt finds a Python model's parents by its literal dbt.ref calls
        "int_area_indicator_values": dbt.ref("int_area_indicator_values").sql_query(),
        "int_standardised_values": dbt.ref("int_standardised_values").sql_query(),
        "int_value_segments": dbt.ref("int_value_segments").sql_query(),
        "int_value_epochs": dbt.ref("int_value_epochs").sql_query(),
        "int_excluded_periods": dbt.ref("int_excluded_periods").sql_query(),
        "exclusion_rules": dbt.ref("exclusion_rules").sql_query(),
    }
    query = f"""
        with
        excluded as (select * from ({sql["int_excluded_periods"]})),
        figures as (
            select excluded.indicator_id, excluded.area_code, excluded.period, rules.precedence::double as precedence
            from excluded
            inner join ({sql["exclusion_rules"]}) as rules using (rule_id)
            where excluded.area_type in ('ward', 'la')
        ),
        breaks as (select * from excluded where rule_id = 'break'),
        epochs as (select indicator_id, la_code, period, epoch, since_break from ({sql["int_value_epochs"]})),
        figure_values as (
            select indicator_id, area_code, la_code, period, period_start, numerator, denominator,
                unscaled_value as value, null::double as lower_ci_95, null::double as upper_ci_95
            from ({sql["int_area_indicator_values"]})
            union all
            select indicator_id, area_code, la_code, period, period_start, null, null, value, lower_ci_95, upper_ci_95
            from ({sql["int_standardised_values"]})
            where area_type in ('ward', 'la')
        ),
        -- a figure whose council int_value_epochs does not list takes the epochs listed for '*'
        located as (
            select * replace (if(la_code in (select la_code from epochs), la_code, '*') as la_code) from figure_values
        )
        select
            located.indicator_id, located.area_code, located.period, located.period_start, located.numerator,
            located.denominator, located.value, located.lower_ci_95, located.upper_ci_95, segments.segment_id,
            segments.frequency, figures.precedence, epochs.epoch, epochs.since_break
        from located
        inner join ({sql["int_value_segments"]}) as segments using (indicator_id, period)
        left join figures using (indicator_id, area_code, period)
        inner join epochs using (indicator_id, la_code, period)
        where not exists (
            select 1 from breaks
            where breaks.indicator_id = located.indicator_id and breaks.la_code = located.la_code
                and breaks.period = located.period
        )
    """
    segments, epochs = sql["int_value_segments"], sql["int_value_epochs"]
    areas = f"select area_code from ({sql['int_area_indicator_values']}) union select area_code from ({sql['int_standardised_values']})"
    types = {column: _enum(session, column, source) for column, source in (
        ("indicator_id", segments), ("area_code", areas), ("period", segments), ("segment_id", segments),
        ("frequency", segments), ("since_break", epochs))}
    casts = ", ".join(f"{column}::{kind} as {column}" for column, kind in types.items() if kind)
    values = session.sql(f"""
        select {f"* replace ({casts})" if casts else "*"} from ({query})
        order by indicator_id, area_code, segment_id, epoch, period_start, period
    """).df()
    return values.astype({column: values[column].cat.as_unordered().dtype for column in values.select_dtypes("category")})


def _enum(session, column: str, sql: str) -> str | None:
    """A DuckDB ENUM type of the distinct values of `column` in the query `sql`, in sorted order
    (None if it has none: the column stays text)."""
    found = sorted(value for (value,) in session.sql(f"select distinct {column} from ({sql}) where {column} is not null").fetchall())
    return "enum(" + ", ".join("'" + value.replace("'", "''") + "'" for value in found) + ")" if found else None


def model(dbt, session):
    dbt.config(materialized="table")
    definitions = dbt.ref("indicator_definitions").df()
    polarity = dict(zip(definitions["indicator_id"], definitions["polarity"]))
    rules = dbt.ref("exclusion_rules").df()
    # Categorical keys: pandas groups and merges on their codes instead of hashing the strings at every step.
    values = _values(dbt, session)
    result = assess(values, polarity, dict(zip(rules["precedence"], rules["series_reason"])))
    return result.astype({
        "indicator_id": "string", "area_code": "string", "period": "string", "segment_id": "string", "epoch": "int64",
        "since_break": "string", "n_periods": "int64", "baseline_period": "string", "window_from": "string", "window_to": "string", "trend_from": "string",
        "tested_from": "datetime64[us]", "tested_to": "datetime64[us]", "trend": "string", "trend_method": "string", "trend_p_value": "float64",
        "trend_reason": "string", "change_direction": "Int64", "change_p_value": "float64", "change_method": "string",
        "change_reason": "string",
    })
