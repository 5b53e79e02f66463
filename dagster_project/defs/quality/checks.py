"""Great Expectations gates as blocking Dagster asset checks, and the quality report asset."""

import hashlib

import dagster as dg
import duckdb

from dagster_project.defs.ingest.assets import SOURCES
from dagster_project.defs.ingest.loader import dataset_switched
from dagster_project.defs.ingest.registry import Source
from dagster_project.defs.quality.suites import (
    Suite, lsoa_coverage_suite, mart_suites, period_completeness_suite, raw_suite,
)
from dagster_project.inputs import concern_fingerprint
from dagster_project.settings import get_settings
from dagster_project.warehouse import connect


def _failure_text(outcome) -> str:
    column = f" column {outcome.column!r}" if outcome.column else ""
    sample = f"; failing values: {', '.join(outcome.sample)}" if outcome.sample else ""
    return f"{outcome.table}{column}: {outcome.expectation} failed ({outcome.observed}){sample}"


# Stored results hold only while the suite and the check code are those that made them.
_CHECK_CODE = concern_fingerprint("checks")
SUITE_STATE_DDL = (
    "create schema if not exists pipeline_state; "
    "create table if not exists pipeline_state.quality (suite varchar primary key, fingerprint varchar)"
)


def suite_fingerprint(suite: Suite) -> str:
    """sha256 over the suite as declared (its YAML or registry entry) and the check code."""
    return hashlib.sha256(f"{suite!r}\0{_CHECK_CODE}".encode()).hexdigest()


def _previous_rows(settings, table: str) -> int | None:
    """Rows of `table` in the published warehouse (the previous load), if any; none after a
    switch between the demonstration and real data (a different dataset, not a previous load)."""
    if not settings.warehouse.exists() or dataset_switched(settings.warehouse, settings.raw_dir):
        return None
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        schema, name = table.split(".")
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchone()[0]
        return con.execute(f"select count(*) from {table}").fetchone()[0] if exists else None


def _unchanged_in_this_run(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey) -> bool:
    """True when this run materialized the asset without changing it (ingest found its files
    unchanged, or dbt skipped an unchanged build): the suite's stored results still hold."""
    event = context.instance.get_latest_materialization_event(asset_key)
    if event is None or event.run_id != context.run.run_id:
        return False
    metadata = event.asset_materialization.metadata
    return any(key in metadata and metadata[key].value is False for key in ("reloaded", "rebuilt"))


def _stored_result(context, con, suite: Suite) -> dg.AssetCheckResult | None:
    """The suite's results from the build whose data this run kept, reported again; None when
    the suite or the check code changed since (the suite then runs again)."""
    (state,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'pipeline_state' and table_name = 'quality'"
    ).fetchone()
    stored = state and con.execute("select fingerprint from pipeline_state.quality where suite = ?", [suite.name]).fetchone()
    if not stored or stored[0] != suite_fingerprint(suite):
        return None
    rows = con.execute(
        "select severity, success, table_name, expectation, column_name, observed from audit.quality_results where suite = ?",
        [suite.name],
    ).fetchall()
    if not rows:
        return None
    failed = [r for r in rows if not r[1]]
    critical = [r for r in failed if r[0] == "critical"]
    for severity, _, table, expectation, column, observed in failed:
        log = context.log.error if severity == "critical" else context.log.warning
        log(f"[{severity}] {table}{f' column {column!r}' if column else ''}: {expectation} failed ({observed}) (inputs unchanged)")
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
        metadata={"expectations": len(rows), "failed_critical": len(critical), "failed_warning": len(failed) - len(critical),
                  "rerun": False},
    )


def build_gx_check(suite: Suite, source: Source | None = None) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=f"gx_{suite.name}",
        blocking=True,
        description=f"Great Expectations suite {suite.name}: {len(suite.expectations)} expectations.",
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from dagster_project.defs.quality.gx_runner import record, validate

        settings = get_settings()
        if _unchanged_in_this_run(context, dg.AssetKey(list(suite.asset))):
            with connect(settings, context.run.run_id, read_only=True) as con:
                stored = _stored_result(context, con, suite)
            if stored is not None:
                context.log.info(f"{suite.name}: data unchanged in this run; results of the build that made it")
                return stored
        checked = raw_suite(source, _previous_rows(settings, source.table)) if source else suite
        with connect(settings, context.run.run_id) as con:
            outcomes = validate(con, checked)
            record(con, checked, outcomes)
            con.execute(SUITE_STATE_DDL)
            con.execute("insert or replace into pipeline_state.quality values (?, ?)", [suite.name, suite_fingerprint(suite)])
        failed = [o for o in outcomes if not o.success]
        critical = [o for o in failed if o.severity == "critical"]
        for outcome in failed:
            log = context.log.error if outcome.severity == "critical" else context.log.warning
            log(f"[{outcome.severity}] {_failure_text(outcome)}")
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(outcomes),
                "failed_critical": len(critical),
                "failed_warning": len(failed) - len(critical),
                "failures": dg.MetadataValue.json(
                    [
                        {"expectation": o.expectation, "table": o.table, "column": o.column,
                         "severity": o.severity, "observed": o.observed, "sample": o.sample}
                        for o in failed
                    ]
                ),
            },
        )

    return _check


MART_SUITES = mart_suites()
PERIOD_SUITES = [suite for source in SOURCES.values() if (suite := period_completeness_suite(source))]
COVERAGE_SUITES = [suite for source in SOURCES.values() if (suite := lsoa_coverage_suite(source, SOURCES))]
RAW_SUITES = [raw_suite(source) for source in SOURCES.values()]
SUITE_NAMES = {suite.name for suite in [*RAW_SUITES, *PERIOD_SUITES, *COVERAGE_SUITES, *MART_SUITES]}
gx_checks = [
    *(build_gx_check(suite, source) for suite, source in zip(RAW_SUITES, SOURCES.values())),
    *(build_gx_check(suite) for suite in [*PERIOD_SUITES, *COVERAGE_SUITES, *MART_SUITES]),
]


@dg.asset(
    key=dg.AssetKey(["audit", "quality_results"]),
    group_name="quality",
    deps=sorted({dg.AssetKey(list(s.asset)) for s in MART_SUITES}, key=str),
    kinds={"great_expectations", "duckdb"},
)
def quality_results(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The latest result of every expectation (audit.quality_results), read by the site's data
    quality page. Results of a suite that no longer exists (its file deleted) are dropped."""
    with connect(get_settings(), context.run.run_id) as con:
        con.execute(SUITE_STATE_DDL)
        names = sorted(SUITE_NAMES)
        dropped = con.execute(
            "delete from audit.quality_results where suite not in (select unnest(?::varchar[])) returning suite", [names]
        ).fetchall()
        con.execute("delete from pipeline_state.quality where suite not in (select unnest(?::varchar[]))", [names])
        if dropped:
            context.log.info(f"dropped the results of removed suites: {', '.join(sorted({s for (s,) in dropped}))}")
        total, failed, warnings = con.execute(
            "select count(*), count(*) filter (not success), "
            "count(*) filter (not success and severity = 'warning') from audit.quality_results"
        ).fetchone()
    return dg.MaterializeResult(
        metadata={"dagster/row_count": total, "failed": failed, "failed_warnings": warnings}
    )
