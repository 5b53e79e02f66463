"""Write-audit-publish: a run killed at any point, or started beside another, never changes or
corrupts the published warehouse and site, and the next run succeeds."""

import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from pipeline_support import REPO, digest, published_once, run_pipeline


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_once(tmp_path_factory.mktemp("wap"))


def _start(paths, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.run", "--log-level", "DEBUG", *args],
        cwd=REPO, env={**os.environ, **paths.env()}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _kill_when(process, marker: str, delay: float, timeout: float = 300) -> str:
    """SIGKILL the run `delay` seconds after `marker` appears in its output."""
    seen, deadline = [], time.monotonic() + timeout
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait()
            return "".join(seen)
        assert time.monotonic() < deadline, f"{marker!r} never appeared"
    pytest.fail(f"run ended before {marker!r}:\n{''.join(seen[-30:])}")


@pytest.mark.parametrize(
    ("phase", "marker", "delay"),
    [
        ("ingest", 'Started execution of step "raw__iod2019_file8"', 0.0),
        ("dbt", 'Started execution of step "dbt_models"', 4.0),
        ("quality gates", 'Started execution of step "marts__fct_indicator_values_gx_fct_indicator_values"', 0.5),
        ("site rendering", 'Started execution of step "site"', 0.3),
    ],
)
def test_a_killed_run_leaves_the_published_outputs_unchanged(published, phase, marker, delay):
    before = (digest(published.warehouse), digest(published.site_dir))
    _kill_when(_start(published), marker, delay)
    assert (digest(published.warehouse), digest(published.site_dir)) == before, phase
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_values").fetchone()[0] > 0
    assert (published.site_dir / "index.html").exists()


def test_the_next_run_after_kills_succeeds_and_cleans_up(published):
    result, failures = run_pipeline(published)
    assert result.success, "\n".join(failures)
    leftovers = [p.name for p in published.warehouse.parent.iterdir() if "candidate" in p.name or "previous" in p.name]
    assert leftovers == []
    status = json.loads(published.site_dir.with_name("site.run-status.json").read_text())
    assert status["last_success"]["run_id"] == result.run_id


def test_an_interrupted_publish_is_completed_by_the_next_run(published, tmp_path):
    """Killed between the journal and the renames: the next start finishes the publish."""
    from dagster_project.settings import Settings
    from dagster_project.warehouse import candidate_site_path, candidate_warehouse_path, recover

    settings = Settings(published.raw_dir, published.warehouse, published.site_dir)
    run_id = "feedbeef-0000"
    new_db, new_site = candidate_warehouse_path(settings, run_id), candidate_site_path(settings, run_id)
    new_db.write_bytes(published.warehouse.read_bytes())
    new_site.mkdir()
    (new_site / "index.html").write_text("new site", encoding="utf-8")
    old_site = settings.site_dir.with_name(f"{settings.site_dir.name}.previous-{run_id[:8]}")
    journal = settings.warehouse.with_name(f"{settings.warehouse.name}.publishing.json")
    journal.write_text(json.dumps({
        "run_id": run_id, "candidate_warehouse": str(new_db), "candidate_site": str(new_site), "old_site": str(old_site),
    }))
    os.replace(settings.site_dir, old_site)  # the kill came after the first rename
    assert not settings.site_dir.exists()
    assert "interrupted" in recover(settings)
    assert (settings.site_dir / "index.html").read_text() == "new site"
    assert not journal.exists() and not old_site.exists() and not new_db.exists()
    result, failures = run_pipeline(published)  # and the pipeline carries on from there
    assert result.success, "\n".join(failures)


def test_a_second_run_waits_for_the_first_or_exits_with_a_clear_message(published):
    from dagster_project.settings import Settings
    from dagster_project.warehouse import run_lock

    settings = Settings(published.raw_dir, published.warehouse, published.site_dir)
    before = (digest(published.warehouse), digest(published.site_dir))
    with run_lock(settings):
        refused = subprocess.run(
            [sys.executable, "-m", "dagster_project.run", "--no-wait"],
            cwd=REPO, env={**os.environ, **published.env()}, capture_output=True, text=True, timeout=120,
        )
        assert refused.returncode == 2
        assert "NOT STARTED: another pipeline run is using" in refused.stdout and f"pid {os.getpid()}" in refused.stdout
        waiting = _start(published)
        _kill_when(waiting, "waiting for it to finish", 0.0, timeout=120)
    assert (digest(published.warehouse), digest(published.site_dir)) == before
