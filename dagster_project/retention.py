"""Per-run leftovers are bounded: dbt's per-invocation folders and Dagster's run records.

- `dbt/target/`: dagster-dbt gives every dbt invocation its own folder
  (`<op>-<run id>-<uuid>/`, artifacts and `dbt.log`, about 7 MB); the newest
  `KEEP_DBT_INVOCATIONS` are kept. The parse artifacts Dagster loads (`manifest.json`, ...)
  sit at the top of `dbt/target/` and are never touched.
- `dbt/logs/`: dbt's own rotating log (the current file and 5 older ones, 10 MB each), left to dbt.
- Dagster storage in DAGSTER_HOME: the newest `KEEP_RUNS` finished runs are kept with their
  event logs and captured output; older ones are deleted. Sensor and schedule ticks are purged
  by the daemon (`retention:` in `dagster_instance.yaml`).
- Candidate warehouses and sites of failed or killed runs are removed by the next run
  (`warehouse.discard_candidates`).
"""

import shutil
from pathlib import Path

import dagster as dg

KEEP_DBT_INVOCATIONS = 3
KEEP_RUNS = 10


def prune_dbt_invocations(target_dir: Path, keep: int = KEEP_DBT_INVOCATIONS) -> list[Path]:
    """Remove all but the newest `keep` per-invocation folders under dbt's target; return them."""
    if not target_dir.is_dir():
        return []
    # Only dagster-dbt's invocation folders (they hold dbt's run_results.json or dbt.log).
    folders = [
        p for p in target_dir.iterdir()
        if p.is_dir() and not p.is_symlink() and ((p / "run_results.json").exists() or (p / "dbt.log").exists())
    ]
    folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = folders[keep:]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def prune_runs(instance: dg.DagsterInstance, keep: int = KEEP_RUNS) -> list[str]:
    """Delete all but the newest `keep` finished runs (records, event logs, captured output)."""
    finished = instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                                        dg.DagsterRunStatus.CANCELED]),
        order_by="create_timestamp",
        ascending=False,
    )
    removed = []
    root = Path(instance.root_directory) if instance.is_persistent else None
    for record in finished[keep:]:
        run_id = record.dagster_run.run_id
        instance.delete_run(run_id)
        if root is not None:
            # The default SQLite storage keeps one event-log file per run and its captured output.
            for path in (root / "history" / "runs").glob(f"{run_id}.db*"):
                path.unlink(missing_ok=True)
            shutil.rmtree(root / "storage" / run_id, ignore_errors=True)
        removed.append(run_id)
    return removed
