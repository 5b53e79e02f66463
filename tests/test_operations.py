"""Dagster operations through Dagster's testing APIs: the raw-file sensor, the schedule and
the run-status record."""

import json

import dagster as dg
import pytest

from pipeline_support import make_paths


@pytest.fixture
def raw_env(tmp_path, monkeypatch):
    paths = make_paths(tmp_path)
    for key, value in paths.env().items():
        monkeypatch.setenv(key, value)
    return paths


def _evaluate(cursor=None):
    from dagster_project.definitions import defs
    from dagster_project.defs.operations.sensors import raw_file_changes

    context = dg.build_sensor_context(cursor=cursor, repository_def=defs.get_repository_def())
    return raw_file_changes.evaluate_tick(context), context


def test_sensor_records_files_then_refreshes_only_downstream_of_a_changed_source(raw_env):
    first, context = _evaluate()
    files = sum(1 for p in raw_env.raw_dir.iterdir() if p.is_file())
    assert first.run_requests == [] and f"recorded {files} files" in first.skip_message
    cursor = first.cursor
    unchanged, _ = _evaluate(cursor)
    assert unchanged.run_requests == []

    file6 = raw_env.raw_dir / "iod2019_file6_population_denominators_wigan.csv"
    file6.write_text(file6.read_text(encoding="utf-8").replace('"1,', '"2,', 1), encoding="utf-8")
    changed, _ = _evaluate(cursor)
    (request,) = changed.run_requests
    keys = {key.to_user_string() for key in request.asset_selection}
    assert "raw/iod2019_file6" in keys
    assert {"staging/stg_iod2019__population", "marts/fct_indicator_values", "site", "published"} <= keys
    assert "raw/iod2019_file8" not in keys and "raw/iod2025_file6" not in keys
    assert request.tags["sources"] == "iod2019_file6"
    assert json.loads(changed.cursor)[file6.name] != json.loads(cursor)[file6.name]


def test_sensor_ignores_files_no_source_accepts(raw_env):
    first, _ = _evaluate()
    (raw_env.raw_dir / "notes.txt").write_text("not data", encoding="utf-8")
    result, _ = _evaluate(first.cursor)
    assert result.run_requests == [] and "no registered source changed" in result.skip_message


def test_monthly_schedule_requests_the_full_refresh():
    from dagster_project.definitions import defs

    schedule = defs.get_schedule_def("monthly_full_refresh")
    context = dg.build_schedule_context(scheduled_execution_time=None)
    (request,) = schedule.evaluate_tick(context).run_requests
    assert schedule.job_name == "full_refresh" and request is not None


def test_run_status_record_keeps_last_success_and_last_failure(raw_env):
    from dagster_project.settings import get_settings
    from dagster_project.warehouse import record_run_status, run_status_path

    settings = get_settings()
    record_run_status(settings, "run-a", True)
    status = record_run_status(settings, "run-b", False, "raw.iod2019_file6: column missing")
    assert status["last_success"]["run_id"] == "run-a"
    assert status["last_failure"] == {**status["last_failure"], "run_id": "run-b", "why": "raw.iod2019_file6: column missing"}
    assert json.loads(run_status_path(settings).read_text()) == status
