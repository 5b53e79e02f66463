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


def test_a_run_of_one_source_ingests_and_checks_that_source_only(raw_env):
    """All sources load in one step, but a subset run (the sensor's, or one picked in the UI)
    loads only the selected source and runs only its suites."""
    import duckdb

    from dagster_project.definitions import defs
    from dagster_project.settings import get_settings
    from dagster_project.warehouse import candidate_warehouse_path, close_held

    key = dg.AssetKey(["raw", "iod2019_file6"])
    result = defs.resolve_job_def("full_refresh").execute_in_process(
        asset_selection=[key], instance=dg.DagsterInstance.ephemeral())
    close_held()
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [key]
    checks = {e.asset_check_evaluation_data.check_name for e in result.all_events
              if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    assert checks == {"gx_raw_iod2019_file6"}
    assert {e.step_key for e in result.all_events if e.step_key} == {"ingest"}
    with duckdb.connect(str(candidate_warehouse_path(get_settings(), result.run_id)), read_only=True) as con:
        assert con.execute("select distinct source_id from audit.load_log").fetchall() == [("iod2019_file6",)]
        assert con.execute("select distinct suite from audit.quality_results").fetchall() == [("raw_iod2019_file6",)]


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
