"""dbt parses only what changed when the profile and vars are those of an earlier invocation:
the candidate link's folder decides the profile, and each profile's partial-parse file is kept
(dagster_project.defs.transform.invocation)."""

import threading
from pathlib import Path

import pytest

from dagster_project.defs.transform import invocation
from dagster_project.settings import Settings


def _settings(root) -> Settings:
    return Settings(raw_dir=root / "raw", warehouse=root / "warehouse.duckdb", site_dir=root / "site")


@pytest.fixture
def target(tmp_path, monkeypatch):
    """dbt's target folder in a temporary place."""
    target = tmp_path / "target"
    monkeypatch.setattr(invocation, "TARGET_DIR", target)
    monkeypatch.setattr(invocation, "PARTIAL_PARSE_FILE", target / "partial_parse.msgpack")
    monkeypatch.setattr(invocation, "PARTIAL_PARSE_CACHE", target / "partial_parse")
    return target


def test_warehouses_linked_in_one_folder_share_a_profile_else_not(tmp_path, monkeypatch):
    first, second = _settings(tmp_path / "a"), _settings(tmp_path / "b")
    monkeypatch.delenv("DBT_LINK_DIR", raising=False)
    assert invocation.dbt_env(first) != invocation.dbt_env(second)  # each beside its warehouse
    monkeypatch.setenv("DBT_LINK_DIR", str(tmp_path / "links"))
    assert invocation.dbt_env(first) == invocation.dbt_env(second)
    assert invocation.dbt_database_link(first) == tmp_path / "links" / "warehouse.duckdb"


def test_an_invocation_starts_from_the_partial_parse_of_its_own_profile(tmp_path, target, monkeypatch):
    monkeypatch.setattr(invocation, "dbt_vars", lambda: '{"councils":["E08000010"]}')
    monkeypatch.delenv("DBT_LINK_DIR", raising=False)
    first, second = _settings(tmp_path / "a"), _settings(tmp_path / "b")
    for settings, content in ((first, b"first profile"), (second, b"second profile")):
        run = invocation.invocation_target(settings, "dbt_models")
        (run / "partial_parse.msgpack").write_bytes(content)  # what dbt leaves
        invocation.keep_partial_parse(settings, run)
    assert (invocation.invocation_target(first, "dbt_models") / "partial_parse.msgpack").read_bytes() == b"first profile"
    assert (invocation.invocation_target(second, "dbt_models") / "partial_parse.msgpack").read_bytes() == b"second profile"
    monkeypatch.setattr(invocation, "dbt_vars", lambda: '{"councils":["E08000001"]}')  # new vars: the latest file
    assert (invocation.invocation_target(first, "dbt_models") / "partial_parse.msgpack").read_bytes() == b"second profile"


def test_runs_sharing_a_link_take_turns(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_LINK_DIR", str(tmp_path / "links"))
    first, second = _settings(tmp_path / "a"), _settings(tmp_path / "b")
    for settings in (first, second):
        settings.warehouse.parent.mkdir(parents=True)
        settings.warehouse.write_bytes(b"")
    entered = threading.Event()
    with invocation.candidate_link(first, first.warehouse):
        link = invocation.dbt_database_link(first)
        assert link.resolve() == first.warehouse.resolve()

        def other_run():
            with invocation.candidate_link(second, second.warehouse):
                entered.set()

        thread = threading.Thread(target=other_run)
        thread.start()
        assert not entered.wait(0.5)  # the other run waits while this one's dbt runs
        assert link.resolve() == first.warehouse.resolve()
    thread.join(10)
    assert entered.is_set() and link.resolve() == second.warehouse.resolve()


def test_the_dbt_version_is_read_without_starting_dbt(monkeypatch):
    """dagster-dbt asks for dbt's version before every invocation; the project's resource answers
    from the installed dbt-core, not by running `dbt --version` (dbt's imports, seconds a run)."""
    import importlib.metadata

    from dagster_dbt.core import resource
    from packaging import version

    from dagster_project.defs.transform.assets import DbtCli, dbt_resource

    def refuse(args, *rest, **options):
        raise AssertionError(f"a process was started for dbt's version: {args}")

    monkeypatch.setattr(resource, "check_output", refuse)
    fresh = DbtCli(project_dir=dbt_resource.project_dir, profiles_dir=dbt_resource.profiles_dir,
                   dbt_executable=dbt_resource.dbt_executable)
    assert fresh._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert fresh._cli_version.major < 2  # dbt-core, so dagster-dbt keeps its dbt-core path


def test_the_plugin_imports_the_statistics_at_their_first_call():
    """dbt opens its connection (loading the plugin, registering its functions) before any node
    runs: the statistics module and scipy (1.3-2 s of imports) wait for a function's first call."""
    import subprocess
    import sys

    script = (
        "import sys, duckdb\n"
        "from dagster_project.defs.transform.duckdb_functions import Plugin\n"
        "con = duckdb.connect()\n"
        "Plugin('functions', {}).configure_connection(con)\n"
        "assert 'dagster_project.methods' not in sys.modules and 'scipy' not in sys.modules, 'imported at set-up'\n"
        "from dagster_project import methods\n"
        "assert con.execute('select wilson_lower(5, 10, 0.95)').fetchone()[0] == methods.wilson_lower(5, 10, 0.95)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_a_manifest_older_than_a_file_of_the_dbt_project_is_stale(tmp_path):
    """A run parses first when the manifest misses a node (a test added since the last parse)."""
    import os

    from dagster_project.defs.transform.invocation import manifest_is_stale

    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.yml"
    model.write_text("version: 2\n")
    assert manifest_is_stale(tmp_path)  # never parsed
    manifest = tmp_path / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(model, ns=(1_000_000_000, 1_000_000_000))
    assert not manifest_is_stale(tmp_path)
    os.utime(model, ns=(manifest.stat().st_mtime_ns + 1, manifest.stat().st_mtime_ns + 1))
    assert manifest_is_stale(tmp_path)  # changed since: parse again


def test_the_pipeline_runs_dbt_through_its_own_command():
    from dagster_project.defs.transform.assets import dbt_resource

    assert Path(dbt_resource.dbt_executable).name == "wigan-dbt"
    assert Path(invocation.dbt_executable()).name == "wigan-dbt"


def test_its_dbt_command_closes_the_warehouse_flushes_the_log_and_keeps_the_exit_code(tmp_path):
    """wigan-dbt exits without the interpreter's teardown, but after the exit handlers: DuckDB's
    checkpoint (no write-ahead log left), dbt's log, and dbt's exit code."""
    import json
    import os
    import shutil
    import subprocess

    from dagster_project.settings import DBT_PROJECT_DIR

    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DBT_USE_COLORS": "false", "DO_NOT_TRACK": "1"}

    def dbt(*args):
        return subprocess.run([invocation.dbt_executable(), *args, "--profiles-dir", ".", "--log-format-file", "json"],
                              cwd=project, env=env, capture_output=True, text=True)

    assert dbt("seed", "--select", "missions").returncode == 0
    assert not warehouse.with_name("warehouse.duckdb.wal").exists()
    events = [json.loads(line)["info"]["name"] for line in (project / "logs" / "dbt.log").read_text(encoding="utf-8").splitlines()]
    assert "CommandCompleted" in events
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from seeds.missions").fetchone()[0] > 0
    (project / "seeds" / "missions.csv").write_text("mission_id,title\n,no id\n", encoding="utf-8")
    assert dbt("build", "--select", "missions").returncode == 1  # its not_null_columns test fails


def test_without_its_own_command_the_virtualenv_dbt_is_used_before_path(tmp_path, monkeypatch):
    """A virtualenv installed before wigan-dbt existed still runs its own dbt, not one on PATH."""
    python = tmp_path / "python"
    monkeypatch.setattr(invocation.sys, "executable", str(python))
    assert invocation.dbt_executable() == "dbt"
    (tmp_path / "dbt").touch()
    assert invocation.dbt_executable() == str(tmp_path / "dbt")
    (tmp_path / "wigan-dbt").touch()
    assert invocation.dbt_executable() == str(tmp_path / "wigan-dbt")
