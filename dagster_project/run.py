"""`python -m dagster_project.run`: materialize every asset in one run and print a summary.

One run at a time per warehouse (a second one waits, or exits with --no-wait). Exits
non-zero when any step or blocking check failed; the published warehouse and site are then
untouched (write-audit-publish), and the run-status record beside the site says why.

When nothing it depends on changed since the published build (dagster_project.fingerprint), it
says so and stops before importing Dagster, dbt or GX; --force runs anyway.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from dagster_project import fingerprint
from dagster_project.settings import ConfigurationError, get_councils_config, get_settings
from dagster_project.warehouse import RunInProgress, discard_candidates, record_run_status, release_candidate, run_lock

if TYPE_CHECKING:
    import dagster as dg


def _instance() -> dg.DagsterInstance:
    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    import dagster as dg

    lines = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            message = error.cause.message if error and error.cause else (error.message if error else "")
            detail = [line.strip() for line in message.splitlines() if line.strip()][:12]
            lines.append(f"step {event.step_key} failed: " + "\n    ".join(detail))
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed:
                failures = evaluation.metadata.get("failures")
                detail = failures.value if failures else []
                for f in detail[:5]:
                    column = f" column {f['column']!r}" if f.get("column") else ""
                    sample = f"; failing values: {'; '.join(f['sample'][:5])}" if f.get("sample") else ""
                    lines.append(
                        f"[{f['severity']}] check {evaluation.check_name}: {f['table']}{column}: "
                        f"{f['expectation']} ({f['observed']}){sample}"
                    )
    return lines


def summary(warehouse) -> str:
    """Rows loaded and rejected per source, checks passed and failed."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        loads = con.execute(
            "select source_id, sum(rows_read), sum(rows_loaded), sum(rows_rejected) "
            "from audit.load_log group by source_id order by source_id"
        ).fetchall()
        passed, failed, warned = con.execute(
            "select count(*) filter (success), count(*) filter (not success and severity = 'critical'), "
            "count(*) filter (not success and severity = 'warning') from audit.quality_results"
        ).fetchone()
    lines = [f"{'source':<34}{'read':>8}{'loaded':>8}{'rejected':>10}"]
    lines += [f"{s:<34}{r:>8}{l:>8}{x:>10}" for s, r, l, x in loads]
    lines.append(f"expectations: {passed} passed, {failed} failed (critical), {warned} failed (warning)")
    return "\n".join(lines)


def execute(
    instance: dg.DagsterInstance | None = None, wait: bool = True, log_level: str = "INFO", progress: bool = False
) -> tuple[dg.ExecuteInProcessResult, list[str]]:
    """Run the full_refresh job in this process; return the result and one line per failure.
    ``progress`` adds a line as each stage starts. A successful run records the fingerprint of
    what it was built from (taken before it began)."""
    import dagster as dg

    from dagster_project.definitions import defs
    from dagster_project.progress import progress_logger
    from dagster_project.retention import prune_runs

    job = defs.resolve_job_def("full_refresh")
    loggers = {"console": {"config": {"log_level": log_level}}}
    if progress:
        job = job.with_logger_defs({"console": dg.colored_console_logger, "progress": progress_logger})
        loggers["progress"] = {}

    settings = get_settings()
    with run_lock(settings, wait=wait):
        started_from = fingerprint.compute(settings, (fingerprint.read(settings) or {}).get("files"))
        for leftover in discard_candidates(settings):
            print(f"removed leftover from an interrupted run: {leftover}")
        instance = instance or _instance()
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config={"loggers": loggers})
        failures = _failures(result)
        release_candidate(settings, result.run_id)
        if result.success:
            fingerprint.save(settings, started_from, result.run_id)
        else:
            discard_candidates(settings)
        status = record_run_status(settings, result.run_id, result.success, "\n".join(failures))
        note = status["last_success" if result.success else "last_failure"].get("note")
        if note:
            failures.append(f"run-status record: {note}; written beside the warehouse instead")
        prune_runs(instance)
    return result, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the warehouse and the site from RAW_DIR.")
    parser.add_argument("--no-wait", action="store_true", help="exit at once if another run is in progress")
    parser.add_argument("--log-level", default="WARNING",
                        help="Dagster console log level (INFO shows every event, DEBUG every step); a line per stage either way")
    parser.add_argument("--force", action="store_true", help="run even when nothing changed since the last build")
    parser.add_argument("--parse", action="store_true", help="parse the dbt project first (make run), unless nothing changed; without it "
                             "a run parses only when the manifest is missing or older than a file of the dbt project")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ConfigurationError as error:  # overlapping locations: nothing is touched
        print(f"RUN NOT STARTED: {error}", file=sys.stderr)
        return 1
    if not args.force:
        built = fingerprint.unchanged_since(settings)
        if built:
            print(f"nothing changed since the build of {built}; nothing to do (--force to run anyway)")
            return 0
    try:
        get_councils_config()  # a councils file that fails its schema stops here, recorded below
        from dagster_project.defs.transform.invocation import manifest_is_stale, parse

        if args.parse or manifest_is_stale():
            parse()
        result, failures = execute(wait=not args.no_wait, log_level=args.log_level, progress=True)
    except RunInProgress as error:
        print(f"NOT STARTED: {error}")
        return 2
    except Exception as error:  # outside any step (the folders themselves): still a clear verdict
        print(f"\nRUN FAILED: nothing was published; the last good warehouse and site are unchanged.\n"
              f"{type(error).__name__}: {error}")
        try:
            record_run_status(settings, "none", False, f"{type(error).__name__}: {error}")
        except OSError as unwritable:
            print(f"the run-status record could not be written either: {unwritable}")
        return 1
    if not result.success:
        print("\nRUN FAILED: nothing was published; the last good warehouse and site are unchanged.")
        print("\n".join(failures) or "see the Dagster run log above")
        return 1
    from dagster_project.progress import closing_lines

    print("\n" + summary(settings.warehouse))
    for line in failures + closing_lines(result):
        print(line)
    print(f"warehouse: {settings.warehouse}")
    print(f"site: {settings.site_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
