"""Run a suite with Great Expectations 1.x on a pandas batch read from DuckDB.

GX is imported here only, and lazily, because importing it takes seconds.
"""

import json
import os
from dataclasses import dataclass

import duckdb

from dagster_project.defs.quality.suites import Suite


@dataclass(frozen=True)
class Outcome:
    suite: str
    table: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str
    sample: list


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _key(kind: str, kwargs: dict) -> str:
    """An expectation's identity: its type and arguments (numbers compared as floats)."""
    canonical = {
        k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in kwargs.items()
        if k != "batch_id"
    }
    return kind + json.dumps(canonical, sort_keys=True, default=str)


def _observed(result: dict) -> str:
    for key in ("observed_value", "unexpected_count"):
        if key in result and result[key] is not None:
            return f"{key.replace('_', ' ')}: {result[key]}"
    return ""


LINEAGE = ("_source_file", "_row_number")


def _sample(details: dict) -> list[str]:
    """Up to ten failing values, each with its file and row when the batch has them."""
    located = details.get("partial_unexpected_index_list") or []
    if located and isinstance(located[0], dict) and all(k in located[0] for k in LINEAGE):
        return [
            f"{d['_source_file']}: row {d['_row_number']}: "
            + ", ".join(f"{k} {v}" for k, v in d.items() if k not in LINEAGE)
            for d in located[:10]
        ]
    return [str(v) for v in (details.get("partial_unexpected_list") or [])[:10]]


def validate(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[Outcome]:
    """Validate the suite's batch; one outcome per expectation, in suite order."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network at run time
    import great_expectations as gx

    frame = con.execute(suite.query).df()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("warehouse")
    batch = (
        source.add_dataframe_asset(name=suite.name)
        .add_batch_definition_whole_dataframe("all_rows")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    gx_suite = gx.ExpectationSuite(
        name=suite.name,
        expectations=[getattr(gx.expectations, _camel(e.type))(**e.kwargs) for e in suite.expectations],
    )
    # A raw table's rows carry their file and row number: failing values then name them.
    result_format = {"result_format": "SUMMARY"}
    if {"_source_file", "_row_number"} <= set(frame.columns):
        result_format["unexpected_index_column_names"] = list(LINEAGE)
    # GX returns results in its own order: pair them with the suite by type and arguments.
    results = {
        _key(r.expectation_config.type, r.expectation_config.kwargs): r
        for r in batch.validate(gx_suite, result_format=result_format).results
    }
    outcomes = []
    for expectation in suite.expectations:
        result = results[_key(expectation.type, expectation.kwargs)]
        details = result.result or {}
        if result.exception_info and result.exception_info.get("raised_exception"):
            details = {"observed_value": result.exception_info.get("exception_message")}
        outcomes.append(
            Outcome(
                suite=suite.name,
                table=suite.table,
                expectation=expectation.type,
                column=expectation.column,
                severity=expectation.severity,
                success=bool(result.success),
                observed=_observed(details),
                sample=_sample(details),
            )
        )
    return outcomes


def record(con: duckdb.DuckDBPyConnection, suite: Suite, outcomes: list[Outcome]) -> None:
    """Replace the suite's rows in audit.quality_results."""
    con.execute("delete from audit.quality_results where suite = ?", [suite.name])
    if outcomes:
        con.executemany(
            "insert into audit.quality_results values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [o.suite, o.table, o.expectation, o.column, o.severity, o.success, o.observed, "; ".join(o.sample)]
                for o in outcomes
            ],
        )
