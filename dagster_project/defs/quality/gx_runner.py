"""Run a suite with Great Expectations 1.x on a pandas batch read from DuckDB, or, for a large batch,
as one DuckDB query giving the same outcomes (sql_engine).

GX is imported here only, and lazily, because importing it takes seconds.
"""

import json
import os
import re
import threading
import uuid
from dataclasses import dataclass

import duckdb

from dagster_project.defs.quality import sql_engine
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


LINEAGE = sql_engine.LINEAGE


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
_SHAPE = sql_engine.SHAPE
# Batches of at least this many rows are validated by the suite compiled to SQL (sql_engine) when
# it can be: below, GX's pandas copy costs little (at this size about 1 s of CPU and 190 MB for
# the largest suite, benchmarks/README.md) and GX stays the engine. GX_SQL_MIN_ROWS sets another
# threshold (0: SQL for every suite it reproduces).
SQL_MIN_ROWS = 200_000
# The raw tables' suites run inside the ingest step, beside the threads loading the next sources:
# there GX's fixed cost (about 0.1 s of Python a suite, holding the GIL, besides its import) would
# be the step's critical path (82 suites at 169 councils), so they take the compiled query at any
# size. GX_SQL_MIN_ROWS_RAW sets another threshold for them.
RAW_SQL_MIN_ROWS = 0


def configured_sql_min_rows(raw: bool = False) -> int:
    """The threshold for `validate`'s `auto` (`raw`: for the raw tables' suites in the ingest step)."""
    name, default = ("GX_SQL_MIN_ROWS_RAW", RAW_SQL_MIN_ROWS) if raw else ("GX_SQL_MIN_ROWS", SQL_MIN_ROWS)
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _used_columns(expectations) -> list[str]:
    """The columns these expectations read, in first-use order."""
    used: dict[str, None] = {}
    for e in expectations:
        for key in ("column", "column_A", "column_B"):
            if key in e.kwargs:
                used[e.kwargs[key]] = None
        used.update(dict.fromkeys(e.kwargs.get("column_list", [])))
    return list(used)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _batch(suite: Suite) -> str:
    return f"({suite.query.strip().rstrip(';')}) as batch"


def _batch_columns(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[str]:
    return [d[0] for d in con.execute(f"select * from {_batch(suite)} limit 0").description]


def _copy_batch(con: duckdb.DuckDBPyConnection, suite: Suite, table: str, names: list[str]) -> None:
    """The suite's batch, in a temporary table, on only the columns the row expectations read (and
    a raw table's file and row, to locate failing values). A missing column keeps every column (GX
    then reports it); a row count alone needs one column."""
    rows = [e for e in suite.expectations if e.type not in _SHAPE]
    wanted = [c for c in _used_columns(rows) if c in names]
    wanted += [c for c in LINEAGE if c in names and c not in wanted]
    if any(c not in names for c in _used_columns(rows)) or not wanted:
        wanted = names
        if not _used_columns(rows):
            wanted = names[:1]
    listed = ", ".join(_quoted(c) for c in wanted)
    con.execute(f"create temporary table {table} as select {listed} from {_batch(suite)}")


_NAME = r'"(?:[^"]|"")+"|\w+'
_WHOLE_TABLE = re.compile(rf"\s*select\s+\*\s+from\s+({_NAME})\.({_NAME})\s*;?\s*", re.IGNORECASE)


def _whole_table(con: duckdb.DuckDBPyConnection, suite: Suite) -> str | None:
    """The table a `select * from schema.table` batch reads, if it is a table (not a view: a
    table's rowid is the batch's order), for the SQL engine to read in place, with no copy."""
    match = _WHOLE_TABLE.fullmatch(suite.query)
    if not match:
        return None
    schema, name = (part[1:-1].replace('""', '"') if part.startswith('"') else part for part in match.groups())
    (tables,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and lower(schema_name) = lower(?) and lower(table_name) = lower(?)",
        [schema, name],
    ).fetchone()
    return f"{match[1]}.{match[2]}" if tables == 1 else None


_GX = {}
_GX_LOCK = threading.Lock()


def _gx():
    """GX and a pandas datasource, set up once per process, not once per suite (10-30 ms each)."""
    with _GX_LOCK:
        if not _GX:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network at run time
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            _GX.update(gx=gx, source=context.data_sources.add_pandas("warehouse"))
    return _GX["gx"], _GX["source"]


def prepare_in_background() -> threading.Thread:
    """Import GX and set up its datasource on a thread of this process, for a step during which
    the process waits (dbt's models run in dbt's own process): the checks that follow then find it
    ready instead of spending its import (2.5-5 CPU-s) on the run's critical path."""
    thread = threading.Thread(target=_gx, name="gx-import", daemon=True)
    thread.start()
    return thread


def _gx_results(con: duckdb.DuckDBPyConnection, suite: Suite, table: str) -> list:
    """GX's results on pandas frames of the batch, one per expectation in suite order: the row
    expectations on the copied columns, the expectations about the columns themselves on the batch
    with no rows."""
    gx, source = _gx()
    shape = [i for i, e in enumerate(suite.expectations) if e.type in _SHAPE]
    rows = [i for i, e in enumerate(suite.expectations) if e.type not in _SHAPE]
    parts = []
    if shape:
        parts.append((shape, con.execute(f"select * from {_batch(suite)} limit 0").df()))
    if rows:
        parts.append((rows, con.execute(f"select * from {table} order by rowid").df()))
    results = {}
    for part, (positions, frame) in enumerate(parts):
        built = {i: getattr(gx.expectations, _camel(suite.expectations[i].type))(**suite.expectations[i].kwargs)
                 for i in positions}
        name = f"{suite.name}_{part}"
        try:
            batch = (
                source.add_dataframe_asset(name=name)
                .add_batch_definition_whole_dataframe("all_rows")
                .get_batch(batch_parameters={"dataframe": frame})
            )
            gx_suite = gx.ExpectationSuite(name=name, expectations=list(built.values()))
            # A raw table's rows carry their file and row number: failing values then name them.
            result_format = {"result_format": "SUMMARY"}
            if set(LINEAGE) <= set(frame.columns):
                result_format["unexpected_index_column_names"] = list(LINEAGE)
            # GX returns results in its own order: pair them with the suite by type and arguments as
            # GX states them (it leaves out an argument a suite spells out at its default).
            by_key = {
                _key(r.expectation_config.type, r.expectation_config.kwargs): r
                for r in batch.validate(gx_suite, result_format=result_format).results
            }
            results |= {i: by_key[_key(g.expectation_type, g.configuration.kwargs)] for i, g in built.items()}
        finally:
            if name in source.get_asset_names():
                source.delete_asset(name)
            _forget_batches(source)
    return [results[i] for i in range(len(suite.expectations))]


def _forget_batches(source) -> None:
    """Drop the data frames and metrics GX's pandas engine keeps for every batch it validated: it
    keeps them for the life of the process (164 MB in 2 million objects after the raw suites of 20
    councils), and the pipeline's process lives on through dbt and the site."""
    engine = source.get_execution_engine()
    engine.batch_manager.batch_data_cache.clear()
    engine.batch_manager.reset_batch_cache()
    if engine._caching:  # GX has no public way to empty its metric cache
        engine._metric_cache.clear()


def _gx_outcome(suite: Suite, expectation, result) -> Outcome:
    details = result.result or {}
    if result.exception_info and result.exception_info.get("raised_exception"):
        details = {"observed_value": result.exception_info.get("exception_message")}
    return Outcome(suite.name, suite.table, expectation.type, expectation.column, expectation.severity,
                   bool(result.success), _observed(details), _sample(details))


def validate(con: duckdb.DuckDBPyConnection, suite: Suite, *, engine: str = "auto", raw: bool = False) -> list[Outcome]:
    """Validate the suite's batch; one outcome per expectation, in suite order. `auto`: a batch of
    at least GX_SQL_MIN_ROWS rows (GX_SQL_MIN_ROWS_RAW when `raw`) is validated in DuckDB
    (sql_engine) when every expectation of the suite is one it reproduces, anything else by GX on
    pandas; `gx` or `sql` forces one (`sql` raises sql_engine.Unsupported for a suite it does not
    reproduce)."""
    if engine not in ("auto", "gx", "sql"):
        raise ValueError(f"engine {engine!r} is not auto, gx or sql")
    names = _batch_columns(con, suite)
    copy = f"gx_batch_{uuid.uuid4().hex}"
    table = _whole_table(con, suite) if engine != "gx" else None
    try:
        if table is None:
            _copy_batch(con, suite, copy, names)
            table = copy
        (rows,) = con.execute(f"select count(*) from {table}").fetchone()
        if engine == "sql" or (engine == "auto" and rows >= configured_sql_min_rows(raw)):
            try:
                return [
                    Outcome(suite.name, suite.table, e.type, e.column, e.severity, r.success, r.observed, r.sample)
                    for e, r in zip(suite.expectations, sql_engine.validate(con, table, suite.expectations, names))
                ]
            except sql_engine.Unsupported:
                if engine == "sql":
                    raise
        if table != copy:
            _copy_batch(con, suite, copy, names)
        return [_gx_outcome(suite, e, r) for e, r in zip(suite.expectations, _gx_results(con, suite, copy))]
    finally:
        con.execute(f"drop table if exists {copy}")


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
