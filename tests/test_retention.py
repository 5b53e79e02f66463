"""Per-run leftovers stay bounded however many runs there are (README, Operations)."""

import json
import os
import time
from pathlib import Path

import dagster as dg

from pipeline_support import REPO


def _dbt_invocation(target: Path, run: int) -> Path:
    """What one dagster-dbt invocation leaves: artifacts and its dbt.log in its own folder."""
    folder = target / f"dbt_models-{run:07x}-abcdef{run % 10}"
    folder.mkdir(parents=True)
    (folder / "run_results.json").write_text(json.dumps({"run": run}))
    (folder / "dbt.log").write_text("x" * 1000)
    os.utime(folder, (time.time() + run, time.time() + run))
    return folder


def test_dbt_target_keeps_only_the_newest_invocations_over_20_runs(tmp_path):
    from dagster_project.retention import KEEP_DBT_INVOCATIONS, prune_dbt_invocations

    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}")
    (target / "compiled").mkdir()  # dbt's own folders (no run_results/dbt.log) are not ours to remove
    made = []
    for run in range(20):
        made.append(_dbt_invocation(target, run))
        prune_dbt_invocations(target)
        assert sum(1 for p in target.iterdir() if p.name.startswith("dbt_models-")) <= KEEP_DBT_INVOCATIONS
    kept = sorted(p for p in target.iterdir() if p.name.startswith("dbt_models-"))
    assert kept == sorted(made[-KEEP_DBT_INVOCATIONS:])
    assert (target / "manifest.json").exists() and (target / "compiled").is_dir()


def test_the_bundled_run_left_no_more_dbt_folders_than_the_retention(built):
    from dagster_project.retention import KEEP_DBT_INVOCATIONS

    target = REPO / "dbt" / "target"
    # finished invocations only: a test worker beside this one may have a dbt run in flight
    folders = [p for p in target.iterdir() if p.is_dir() and (p / "run_results.json").exists()]
    assert 1 <= len(folders) <= KEEP_DBT_INVOCATIONS
    assert (target / "manifest.json").exists()


@dg.op
def _step():
    return 1


@dg.job
def _tiny():
    _step()


def test_dagster_storage_keeps_only_the_newest_runs_over_20_runs(tmp_path):
    from dagster_project.retention import KEEP_RUNS, prune_runs

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        run_ids = []
        for number in range(20):
            if number == 19:  # the last run is a real one, with captured output
                run_ids.append(_tiny.execute_in_process(instance=instance).run_id)
            else:
                run = instance.create_run_for_job(_tiny)
                instance.report_run_failed(run)
                (tmp_path / "storage" / run.run_id / "compute_logs").mkdir(parents=True)
                run_ids.append(run.run_id)
            prune_runs(instance)
            assert len(instance.get_run_records()) <= KEEP_RUNS
        kept = {r.dagster_run.run_id for r in instance.get_run_records()}
        assert kept == set(run_ids[-KEEP_RUNS:])
        shards = {p.name.removesuffix(".db") for p in (tmp_path / "history" / "runs").glob("*.db")} - {"index"}
        assert shards <= kept and set(run_ids[:-KEEP_RUNS]).isdisjoint(shards)
        per_run = {p.name for p in (tmp_path / "storage").iterdir() if p.name in run_ids}
        assert per_run <= kept


def test_the_run_status_sensor_prunes_old_runs(tmp_path, monkeypatch):
    from dagster_project.defs.operations.sensors import record_run_success
    from dagster_project.retention import KEEP_RUNS

    monkeypatch.setenv("SITE_DIR", str(tmp_path / "site"))
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        for _ in range(KEEP_RUNS + 2):
            instance.report_run_failed(instance.create_run_for_job(_tiny))
        result = _tiny.execute_in_process(instance=instance)
        context = dg.build_run_status_sensor_context(
            sensor_name="record_run_success", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=result.get_run_success_event(),
        )
        record_run_success(context)
        records = instance.get_run_records()
        assert len(records) == KEEP_RUNS and result.run_id in {r.dagster_run.run_id for r in records}
    assert (tmp_path / "site.run-status.json").exists()
