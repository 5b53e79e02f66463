"""`make dev` (python -m dagster_project.dev): `dg dev` on the project's [tool.dg] settings,
starting without warnings and leaving no process behind when stopped. The seconds it takes to
start and stop are measured by benchmarks/dev_server.py (tests do not time anything); the test
that starts the real UI runs with DEV_SERVER_TEST=1."""

import importlib
import os
import signal
import subprocess
import sys
import textwrap
import tomllib

import dagster as dg
import pytest

from pipeline_support import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import dev_server  # noqa: E402

# A stand-in for the services: a parent and a child that both ignore SIGINT for a while, as
# a code server does while it waits for its gRPC child.
# Each process prints "ready" once it is in the state the test needs (a fixed sleep is not enough
# on a loaded machine: a SIGINT before the handler is set stops the process the wrong way).
STUBBORN = textwrap.dedent("""
    import signal, subprocess, sys, time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"])
    print("ready", flush=True)
    time.sleep(600)
""")
POLITE = "import time\ntry:\n    print('ready', flush=True)\n    time.sleep(600)\nexcept KeyboardInterrupt:\n    pass\n"


def _group(code: str, processes: int = 1) -> subprocess.Popen:
    """A process group running `code`, started as `make dev` starts the services (SIGINT at its
    default: a pytest-xdist worker ignores it, and a child would inherit that), returned once
    its `processes` have said they are ready."""
    from dagster_project.dev import _restore_interrupt

    group = subprocess.Popen([sys.executable, "-c", code], process_group=0, stdout=subprocess.PIPE, text=True,
                             preexec_fn=_restore_interrupt)
    for _ in range(processes):
        assert group.stdout.readline().strip() == "ready"
    return group


def test_stop_interrupts_the_group_and_kills_what_outlives_the_grace(capsys):
    from dagster_project.dev import stop_group

    polite = _group(POLITE)
    stop_group(polite, grace=30)
    assert not dev_server.group_alive(polite.pid) and "killing" not in capsys.readouterr().err

    stubborn = _group(STUBBORN, processes=2)
    stop_group(stubborn, grace=1)
    assert not dev_server.group_alive(stubborn.pid)
    assert "killing them" in capsys.readouterr().err


def test_dg_project_settings_point_at_the_definitions():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["dg"]
    assert config["directory_type"] == "project"
    module = importlib.import_module(config["project"]["code_location_target_module"])
    assert isinstance(module.defs, dg.Definitions)
    assert config["project"]["root_module"] == "dagster_project"
    # Dagster warns when the folder it starts in holds a dagster.yaml that is not DAGSTER_HOME's.
    assert not (REPO / "dagster.yaml").exists() and not (REPO / "dagster.yml").exists()


def test_prepare_home_installs_the_instance_config(tmp_path, monkeypatch):
    from dagster_project.dev import INSTANCE_CONFIG, prepare_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    home = prepare_home()
    assert (home / "dagster.yaml").read_text() == INSTANCE_CONFIG.read_text()
    instance = dg.DagsterInstance.from_config(str(home))
    assert instance.get_settings("retention")["sensor"]["purge_after_days"]["skipped"] == 1


@pytest.mark.skipif(
    not os.environ.get("DEV_SERVER_TEST"),
    reason="starts the real Dagster UI (one to two minutes on 2 cores): set DEV_SERVER_TEST=1, "
    "or run benchmarks/dev_server.py",
)
def test_dev_server_starts_without_warnings_and_sigterm_leaves_no_process(tmp_path):
    signum = signal.SIGTERM
    process, lines = dev_server.start(tmp_path / "home", dev_server.free_port())
    try:
        ready = dev_server.wait_ready(process, lines, timeout=300)
        assert ready is not None, "".join(lines[-30:])
        assert not [line for line in lines if dev_server.WARNING.search(line)], "".join(lines)
    finally:
        seconds = dev_server.stop(process, signum, timeout=60)
        if seconds is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert seconds is not None, "processes of the dev server were still running 60 s after SIGTERM"
    assert any("dev: stopped" in line for line in lines), "".join(lines[-10:])
