"""Operations: refresh when a raw file is added or changed, and record every run's outcome
beside the site for monitoring."""

import hashlib
import json

import dagster as dg

from dagster_project.defs.sources import SOURCES
from dagster_project.defs.ingest.reader import sha256_of
from dagster_project.regular_files import is_regular
from dagster_project.retention import prune_runs
from dagster_project.settings import get_settings
from dagster_project.warehouse import record_run_status


def raw_file_hashes() -> dict[str, str]:
    """sha256 of every regular file in RAW_DIR (symbolic links are never followed)."""
    raw_dir = get_settings().raw_dir
    if not raw_dir.is_dir():
        return {}
    return {p.name: sha256_of(p) for p in sorted(raw_dir.iterdir()) if is_regular(p)}


@dg.sensor(
    target=dg.AssetSelection.all() - dg.AssetSelection.assets(dg.AssetKey(["raw", "downloads"])),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def raw_file_changes(context: dg.SensorEvaluationContext):
    """Starts a run of the assets downstream of each source whose file was added or changed
    in RAW_DIR (compared by content hash), and only those."""
    current = raw_file_hashes()
    if context.cursor is None:
        context.update_cursor(json.dumps(current, sort_keys=True))
        return dg.SkipReason(f"first look at RAW_DIR: recorded {len(current)} files")
    previous = json.loads(context.cursor)
    changed = sorted(name for name, digest in current.items() if previous.get(name) != digest)
    context.update_cursor(json.dumps(current, sort_keys=True))
    sources = sorted({s.id for s in SOURCES.values() for name in changed if s.matches(name)})
    if not sources:
        return dg.SkipReason(f"no registered source changed ({len(changed)} other files changed)")
    selection = dg.AssetSelection.assets(*(dg.AssetKey(["raw", s]) for s in sources)).downstream()
    keys = selection.resolve(context.repository_def.asset_graph)
    digest = hashlib.sha256(json.dumps({n: current[n] for n in changed}, sort_keys=True).encode()).hexdigest()
    return dg.RunRequest(
        run_key=f"raw-{digest[:16]}",
        asset_selection=sorted(keys, key=str),
        tags={"trigger": "raw_file_changes", "sources": ",".join(sources)},
    )


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, default_status=dg.DefaultSensorStatus.RUNNING)
def record_run_success(context: dg.RunStatusSensorContext):
    """Records the last successful run in the run-status file beside the site, and prunes old runs."""
    record_run_status(get_settings(), context.dagster_run.run_id, True)
    prune_runs(context.instance)


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
def record_run_failure(context: dg.RunFailureSensorContext):
    """Records the last failed run, and why, in the run-status file beside the site, and prunes old runs."""
    why = context.failure_event.message or "failed"
    record_run_status(get_settings(), context.dagster_run.run_id, False, why)
    prune_runs(context.instance)


sensors = [raw_file_changes, record_run_success, record_run_failure]
