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


# Expectations about the table's columns themselves: validated on the batch's columns with no rows.
_SHAPE = {
    "expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal", "expect_table_column_count_to_be_between",
}


def _used_columns(expectations) -> list[str]:
    """The columns these expectations read, in first-use order."""
    used: dict[str, None] = {}
    for e in expectations:
        for key in ("column", "column_A", "column_B"):
            if key in e.kwargs:
                used[e.kwargs[key]] = None
        used.update(dict.fromkeys(e.kwargs.get("column_list", [])))
    return list(used)


def _batches(con: duckdb.DuckDBPyConnection, suite: Suite):
    """(expectations, frame) pairs covering the suite: the row expectations on only the columns
    they read (and a raw table's file and row, to locate failing values), and the expectations
    about the columns themselves on the batch with no rows. The results are those of the whole
    batch, without copying columns no expectation reads out of DuckDB."""
    shape = [e for e in suite.expectations if e.type in _SHAPE]
    rows = [e for e in suite.expectations if e.type not in _SHAPE]
    batch = f"({suite.query.strip().rstrip(';')}) as batch"
    names = [d[0] for d in con.execute(f"select * from {batch} limit 0").description]
    if shape:
        yield shape, con.execute(f"select * from {batch} limit 0").df()
    if rows:
        wanted = [c for c in _used_columns(rows) if c in names]
        wanted += [c for c in LINEAGE if c in names and c not in wanted]
        if any(c not in names for c in _used_columns(rows)) or not wanted:
            wanted = names  # a missing column fails as GX reports it; a row count needs only rows
            if not _used_columns(rows):
                wanted = names[:1]
        listed = ", ".join('"' + c.replace('"', '""') + '"' for c in wanted)
        yield rows, con.execute(f"select {listed} from {batch}").df()


def validate(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[Outcome]:
    """Validate the suite's batch; one outcome per expectation, in suite order."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network at run time
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("warehouse")
    results = {}
    for part, (expectations, frame) in enumerate(_batches(con, suite)):
        batch = (
            source.add_dataframe_asset(name=f"{suite.name}_{part}")
            .add_batch_definition_whole_dataframe("all_rows")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        gx_suite = gx.ExpectationSuite(
            name=f"{suite.name}_{part}",
            expectations=[getattr(gx.expectations, _camel(e.type))(**e.kwargs) for e in expectations],
        )
        # A raw table's rows carry their file and row number: failing values then name them.
        result_format = {"result_format": "SUMMARY"}
        if set(LINEAGE) <= set(frame.columns):
            result_format["unexpected_index_column_names"] = list(LINEAGE)
        # GX returns results in its own order: pair them with the suite by type and arguments.
        results |= {
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
