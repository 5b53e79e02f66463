"""Great Expectations suites as blocking Dagster asset checks, run in few steps, and the quality
report asset.

Every suite is a check of the asset it gates, shown on that asset in the UI with its metadata;
the suites run grouped: the raw tables' inside the ingest step (check specs of its multi-asset:
a critical failure fails that step, so dbt never starts), the marts' in one step after dbt
(`quality_gates`: a critical failure stops the site). A suite whose data this run kept unchanged
reports the results stored by the build that made the data.
"""

import hashlib

import dagster as dg
import duckdb

from dagster_project.defs.ingest.loader import dataset_switched
from dagster_project.defs.parts import Parts
from dagster_project.defs.quality.suites import (
    Suite, lsoa_coverage_suite, mart_suites, period_completeness_suite, raw_suite,
)
from dagster_project.defs.sources import SOURCES
from dagster_project.inputs import concern_fingerprint
from dagster_project.settings import Settings, get_settings
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


def check_key(suite: Suite) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey(list(suite.asset)), f"gx_{suite.name}")


def check_spec(suite: Suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        check_key(suite).name, asset=check_key(suite).asset_key, blocking=True,
        description=f"Great Expectations suite {suite.name}: {len(suite.expectations)} expectations.",
    )


def previous_rows(settings: Settings, tables: list[str]) -> dict[str, int | None]:
    """Rows of each table in the published warehouse (the previous load), None where it has none;
    all None after a switch between the demonstration and real data (a different dataset, not a
    previous load). One connection for all: opening the file reads its whole catalogue."""
    if not settings.warehouse.exists() or dataset_switched(settings.warehouse, settings.raw_dir):
        return dict.fromkeys(tables)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        present = {f"{schema}.{name}" for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] if t in present else None for t in tables}


def unchanged_in_this_run(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey) -> bool:
    """True when this run materialized the mart without changing it (dbt skipped an unchanged
    build): the suite's stored results still hold. (The ingest step knows its own.)"""
    event = context.instance.get_latest_materialization_event(asset_key)
    if event is None or event.run_id != context.run.run_id:
        return False
    rebuilt = event.asset_materialization.metadata.get("rebuilt")
    return rebuilt is not None and rebuilt.value is False


def stored_result(context, suite: Suite) -> dg.AssetCheckResult | None:
    """The suite's results from the build whose data this run kept, reported again; None when
    the suite or the check code changed since (the suite then runs again)."""
    with connect(get_settings(), context.run.run_id, read_only=True) as con:
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
        asset_key=check_key(suite).asset_key, check_name=check_key(suite).name,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
        metadata={"expectations": len(rows), "failed_critical": len(critical), "failed_warning": len(failed) - len(critical),
                  "rerun": False},
    )


def validated(context, suite: Suite, checked: Suite | None = None, raw: bool = False) -> dg.AssetCheckResult:
    """Run `checked` (the suite, or the suite with this run's row-count band) now, and store its
    results under the suite's name (`raw`: a raw table's suite, gx_runner.validate)."""
    from dagster_project.defs.quality.gx_runner import record, validate

    checked = checked or suite
    with connect(get_settings(), context.run.run_id) as con:
        outcomes = validate(con, checked, raw=raw)
        record(con, checked, outcomes)
        con.execute(SUITE_STATE_DDL)
        con.execute("insert or replace into pipeline_state.quality values (?, ?)", [suite.name, suite_fingerprint(suite)])
    failed = [o for o in outcomes if not o.success]
    critical = [o for o in failed if o.severity == "critical"]
    for outcome in failed:
        log = context.log.error if outcome.severity == "critical" else context.log.warning
        log(f"[{outcome.severity}] {_failure_text(outcome)}")
    return dg.AssetCheckResult(
        asset_key=check_key(suite).asset_key, check_name=check_key(suite).name,
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


def report_stored(context, results: list[dg.AssetCheckResult]) -> None:
    """One line for the suites of a step that reported stored results (not one each)."""
    names = [r.check_name for r in results if "rerun" in r.metadata]
    if names:
        context.log.info(f"data unchanged in this run: {len(names)} suites report the results of the build that "
                         f"made it ({', '.join(names)})")


def evaluated(context, suite: Suite, unchanged: bool, checked=None, raw: bool = False) -> dg.AssetCheckResult:
    """The suite's stored results when its data is unchanged and they still hold, else `validated`
    (`checked`, when given, makes the suite to run: called only then)."""
    context.log.debug(f"checking {check_key(suite).name} ({len(suite.expectations)} expectations)")
    stored = stored_result(context, suite) if unchanged else None
    return stored if stored is not None else validated(context, suite, checked() if checked else None, raw)


# The raw tables' suites, by source: the registry's expectations (with a row-count band around the
# previous published load, made when the suite runs) and each period's completeness (warnings).
RAW_SUITES = {source.id: raw_suite(source) for source in SOURCES.values()}
PERIOD_SUITES = {source.id: suite for source in SOURCES.values() if (suite := period_completeness_suite(source))}
COVERAGE_SUITES = [suite for source in SOURCES.values() if (suite := lsoa_coverage_suite(source, SOURCES))]
MART_SUITES = mart_suites()
MART_GATES = [*MART_SUITES, *COVERAGE_SUITES]
SUITE_NAMES = {suite.name for suite in [*RAW_SUITES.values(), *PERIOD_SUITES.values(), *MART_GATES]}


@dg.multi_asset_check(specs=[check_spec(suite) for suite in MART_GATES], can_subset=True, name="quality_gates")
def quality_gates(context: dg.AssetCheckExecutionContext):
    """The marts' suites, and each LSOA source's coverage of the configured councils' LSOAs, in
    one step after dbt (a critical failure stops the site)."""
    parts, unchanged, results = Parts(), {}, []
    for suite in MART_GATES:
        key = check_key(suite)
        if key not in context.selected_asset_check_keys:
            continue
        if key.asset_key not in unchanged:
            unchanged[key.asset_key] = unchanged_in_this_run(context, key.asset_key)
        result = parts.run(key.name, evaluated, context, suite, unchanged[key.asset_key])
        if result is not None:
            results.append(result)
            yield result
    report_stored(context, results)
    parts.finish()


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
