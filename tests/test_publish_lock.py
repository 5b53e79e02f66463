"""One lock for every way of running (issue 11, case 7): the publish step itself takes the run
lock, so a run launched from Dagster (sensor, schedule, UI) never publishes while `make run`
holds it; and a start-up never discards the candidates of a run still in flight elsewhere."""

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from pipeline_support import REPO
from dagster_project.settings import Settings
from dagster_project.warehouse import (
    RunInProgress, candidate_site_path, candidate_warehouse_path, discard_candidates, ensure_candidate, publish_locked,
    run_lock,
)


def _settings(tmp_path) -> Settings:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old site", encoding="utf-8")
    return Settings(tmp_path / "raw", tmp_path / "warehouse.duckdb", site)


def _in_subprocess(settings: Settings, body: str) -> subprocess.Popen:
    """Run `body` (with `settings` defined) in another process; it prints 'ready' and then waits
    for its stdin to close."""
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from dagster_project.settings import Settings
        from dagster_project.warehouse import ensure_candidate, run_lock
        settings = Settings(Path({str(settings.raw_dir)!r}), Path({str(settings.warehouse)!r}), Path({str(settings.site_dir)!r}))
    """) + textwrap.dedent(body)
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def _candidate(settings: Settings, run_id: str) -> None:
    ensure_candidate(settings, run_id)
    site = candidate_site_path(settings, run_id)
    site.mkdir()
    (site / "index.html").write_text(f"site of {run_id}", encoding="utf-8")


def test_publishing_waits_while_another_process_holds_the_run_lock(tmp_path):
    settings = _settings(tmp_path)
    _candidate(settings, "dagster1-run")
    holder = _in_subprocess(settings, """
        with run_lock(settings):
            print("ready", flush=True)
            sys.stdin.read()
    """)
    try:
        with pytest.raises(RunInProgress, match="another pipeline run is using"):
            publish_locked(settings, "dagster1-run", wait=False)
        waiting = threading.Thread(target=publish_locked, args=(settings, "dagster1-run"))
        waiting.start()
        time.sleep(1.0)
        assert waiting.is_alive()
        assert (settings.site_dir / "index.html").read_text(encoding="utf-8") == "old site"
        assert not settings.warehouse.exists()
    finally:
        holder.stdin.close()
        holder.wait()
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert (settings.site_dir / "index.html").read_text(encoding="utf-8") == "site of dagster1-run"
    assert settings.warehouse.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".site.lock", "site", "site.published-dagster1", "warehouse.duckdb", "warehouse.duckdb.lock",
    ]


def test_a_start_up_keeps_the_candidates_of_a_run_in_flight(tmp_path):
    settings = _settings(tmp_path)
    running = _in_subprocess(settings, """
        ensure_candidate(settings, "inflight-run")
        print("ready", flush=True)
        sys.stdin.read()
    """)
    candidate = candidate_warehouse_path(settings, "inflight-run")
    try:
        assert candidate.exists()
        assert discard_candidates(settings) == []
        assert candidate.exists()
    finally:
        running.stdin.close()
        running.wait()
    scratch = candidate_site_path(settings, "inflight-run").with_name(
        candidate_site_path(settings, "inflight-run").name + ".search")  # the site build's, left by a kill
    scratch.mkdir()
    removed = discard_candidates(settings)  # the run ended without publishing: now it is left over
    assert candidate in removed and not candidate.exists()
    assert scratch in removed and not scratch.exists()
    assert not [p for p in tmp_path.iterdir() if "candidate" in p.name]


def test_two_warehouses_sharing_one_site_take_turns(tmp_path):
    """Two warehouses publishing to one SITE_DIR (so one render cache and one set of site
    candidates): the second run's start-up once deleted the first run's site candidate. The
    site has its own lock: the second run waits (or, with --no-wait, does not start)."""
    first = _settings(tmp_path)
    second = Settings(first.raw_dir, tmp_path / "other.duckdb", first.site_dir)
    running = _in_subprocess(first, """
        with run_lock(settings):
            candidate = ensure_candidate(settings, "first-run")
            site = settings.site_dir.with_name(settings.site_dir.name + ".candidate-first-ru")
            site.mkdir()
            print("ready", flush=True)
            sys.stdin.read()
    """)
    try:
        with pytest.raises(RunInProgress, match=rf"another pipeline run is using {first.site_dir}"):
            with run_lock(second, wait=False):
                pass
        assert candidate_site_path(first, "first-run").exists()
    finally:
        running.stdin.close()
        running.wait()
    with run_lock(second, wait=False):  # the first run has finished: now the second may start
        discard_candidates(second)


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({"SITE_DIR": "out/site", "WAREHOUSE": "out/site/warehouse.duckdb"}, "is inside SITE_DIR"),
        ({"SITE_DIR": "raw/site"}, "overlap: a publish would replace or publish the input files"),
        ({"SITE_DIR": "raw"}, "overlap"),
        ({"RAW_DIR": "out/site/raw"}, "overlap"),
        ({"WAREHOUSE": "raw/warehouse.duckdb"}, "is inside RAW_DIR"),
    ],
)
def test_overlapping_locations_are_refused_before_anything_is_touched(tmp_path, monkeypatch, capsys, layout, message):
    """Held-out variants of two builds sharing a folder: a warehouse inside SITE_DIR (published,
    with every count the site withholds), a site in or around RAW_DIR, a warehouse among the raw
    files. The run does not start and nothing is written."""
    from dagster_project.run import main

    for folder in ("raw", "out/site"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "raw" / "keep.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    env = {"RAW_DIR": "raw", "WAREHOUSE": "out/warehouse.duckdb", "SITE_DIR": "out/site"} | layout
    for name, value in env.items():
        monkeypatch.setenv(name, str(tmp_path / value))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["--force"]) == 1
    err = capsys.readouterr().err
    assert "RUN NOT STARTED" in err and message in err, err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_location_error_is_a_configuration_error_wherever_settings_are_read(tmp_path, monkeypatch, capsys):
    """check_locations raised a bare ValueError, and `make parse` (the first step of `make run`)
    let it out as a traceback: the same clear, named refusal now comes from every entry point."""
    from dagster_project.defs.transform import invocation
    from dagster_project.settings import ConfigurationError, get_settings

    (tmp_path / "raw").mkdir()
    monkeypatch.setenv("RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("SITE_DIR", str(tmp_path / "raw" / "site"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    with pytest.raises(ConfigurationError, match=r"SITE_DIR .*raw/site and RAW_DIR .*raw overlap"):
        get_settings()
    monkeypatch.setattr(invocation.sys, "argv", ["invocation", "parse"])
    assert invocation.main() == 1
    err = capsys.readouterr().err
    assert err.startswith("RUN NOT STARTED: SITE_DIR") and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["raw"]


def test_a_render_launched_from_dagster_holds_the_site_lock(tmp_path, monkeypatch):
    """Held-out variant of two warehouses sharing one SITE_DIR, run from Dagster (UI, sensor or
    schedule) rather than `make run`: the site step wrote the shared render cache without the
    lock, so another run's cache clean-up could remove blobs it was copying. The render now
    holds the warehouse's and the site's locks."""
    import fcntl
    from types import SimpleNamespace

    import dagster as dg

    import dagster_project.sitegen as sitegen
    from dagster_project.defs.publish.assets import site
    from dagster_project.warehouse import run_lock_paths

    settings = _settings(tmp_path)
    for name, value in (("RAW_DIR", settings.raw_dir), ("WAREHOUSE", settings.warehouse), ("SITE_DIR", settings.site_dir)):
        monkeypatch.setenv(name, str(value))
    held = []

    def render(**kwargs):
        for path in run_lock_paths(settings):
            with path.open("a+") as handle:  # another open file: refused while the lock is held
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    held.append(False)
                except BlockingIOError:
                    held.append(True)
        return SimpleNamespace(pages_written=0, pages_rendered=0, files_written=0, bytes_written=0)

    monkeypatch.setattr(sitegen, "build_site", render)
    assert dg.materialize([site], raise_on_error=True).success
    assert held == [True, True]
