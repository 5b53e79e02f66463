"""Write-audit-publish: a run killed at any point, or started beside another, never changes or
corrupts the published warehouse and site, and the next run succeeds."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import duckdb
import pytest

from pipeline_support import REPO, digest, published_once, run_pipeline


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_once(tmp_path_factory.mktemp("wap"))


def _start(paths, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.run", "--force", "--log-level", "DEBUG", *args],
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
        ("ingest", "ingesting iod2019_file8", 0.0),  # one step loads every source: killed amid them
        ("dbt", 'Started execution of step "dbt_models"', 4.0),
        ("quality gates", "checking gx_fct_indicator_values (", 0.0),  # amid the marts' suites
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


class _Killed(BaseException):
    pass


@contextmanager
def _killed_at(call: int):
    """Make the `call`-th filesystem change of a publish (os.replace, os.symlink, shutil.rmtree)
    raise, as if the process were killed just before it; yields the list of changes made."""
    made = []

    def wrap(name, real):
        def change(*args, **kwargs):
            if len(made) + 1 == call:
                raise _Killed(f"{name}{args}")
            made.append(name)
            return real(*args, **kwargs)
        return change

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", wrap("replace", os.replace))
        patch.setattr(os, "symlink", wrap("symlink", os.symlink))
        patch.setattr(shutil, "rmtree", wrap("rmtree", shutil.rmtree))
        yield made


def _candidate(settings, run_id, text):
    from dagster_project.warehouse import candidate_site_path, candidate_warehouse_path

    candidate_warehouse_path(settings, run_id).write_text(f"warehouse {text}", encoding="utf-8")
    site = candidate_site_path(settings, run_id)
    site.mkdir()
    (site / "index.html").write_text(f"site {text}", encoding="utf-8")


def _pair(settings):
    return settings.warehouse.read_text(encoding="utf-8"), (settings.site_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("call", range(1, 8))
def test_a_publish_killed_at_any_step_never_leaves_site_or_warehouse_absent(tmp_path, call):
    """The publish journal: whatever change the kill comes before, SITE_DIR and WAREHOUSE both
    exist and hold a whole build (the site always one of the two builds, whole), and the next
    start completes the publish so that the pair is the new build, with nothing left over."""
    from dagster_project.settings import Settings
    from dagster_project.warehouse import discard_candidates, publish

    settings = Settings(tmp_path / "raw", tmp_path / "warehouse.duckdb", tmp_path / "site")
    _candidate(settings, "first000-run", "one")
    publish(settings, "first000-run")
    assert settings.site_dir.is_symlink() and _pair(settings) == ("warehouse one", "site one")
    _candidate(settings, "second00-run", "two")
    with _killed_at(call) as made:
        try:
            publish(settings, "second00-run")
            killed = False
        except _Killed:
            killed = True
    assert killed == (call < 7)
    assert _pair(settings) in {("warehouse one", "site one"), ("warehouse one", "site two"), ("warehouse two", "site two")}
    discard_candidates(settings)  # the next start-up: completes a journalled publish, drops the rest
    survivor = ("one", "first000") if call == 1 else ("two", "second00")  # killed before the journal: not published
    assert _pair(settings) == (f"warehouse {survivor[0]}", f"site {survivor[0]}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", f"site.published-{survivor[1]}", "warehouse.duckdb"]
    if call == 7:
        assert not killed and made == ["replace", "replace", "symlink", "replace", "replace", "rmtree"]


def test_an_existing_site_folder_becomes_a_link_on_the_first_publish(tmp_path):
    from dagster_project.settings import Settings
    from dagster_project.warehouse import publish

    settings = Settings(tmp_path / "raw", tmp_path / "warehouse.duckdb", tmp_path / "site")
    settings.site_dir.mkdir()
    (settings.site_dir / "index.html").write_text("site before links", encoding="utf-8")
    _candidate(settings, "first000-run", "one")
    publish(settings, "first000-run")
    assert settings.site_dir.is_symlink() and _pair(settings) == ("warehouse one", "site one")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "site.published-first000", "warehouse.duckdb"]


def test_an_interrupted_publish_is_completed_by_the_next_run(published):
    """Killed after the site was switched but before the warehouse was: the next start finishes
    the publish from its journal, and the pipeline carries on from there."""
    from dagster_project.settings import Settings
    from dagster_project.warehouse import candidate_site_path, candidate_warehouse_path, publish

    settings = Settings(published.raw_dir, published.warehouse, published.site_dir)
    run_id = "feedbeef-0000"
    new_db, new_site = candidate_warehouse_path(settings, run_id), candidate_site_path(settings, run_id)
    new_db.write_bytes(published.warehouse.read_bytes())
    new_site.mkdir()
    (new_site / "index.html").write_text("new site", encoding="utf-8")
    with _killed_at(5), pytest.raises(_Killed):  # before the warehouse's rename
        publish(settings, run_id)
    assert (settings.site_dir / "index.html").read_text() == "new site" and new_db.exists()
    result, failures = run_pipeline(published)  # its start-up completes the publish, then it runs
    assert result.success, "\n".join(failures)
    assert not new_db.exists() and not new_site.exists()
    assert not settings.warehouse.with_name(f"{settings.warehouse.name}.publishing.json").exists()


def test_a_second_run_waits_for_the_first_or_exits_with_a_clear_message(published):
    from dagster_project.settings import Settings
    from dagster_project.warehouse import run_lock

    settings = Settings(published.raw_dir, published.warehouse, published.site_dir)
    before = (digest(published.warehouse), digest(published.site_dir))
    with run_lock(settings):
        refused = subprocess.run(
            [sys.executable, "-m", "dagster_project.run", "--force", "--no-wait"],
            cwd=REPO, env={**os.environ, **published.env()}, capture_output=True, text=True, timeout=120,
        )
        assert refused.returncode == 2
        assert "NOT STARTED: another pipeline run is using" in refused.stdout and f"pid {os.getpid()}" in refused.stdout
        waiting = _start(published)
        _kill_when(waiting, "waiting for it to finish", 0.0, timeout=120)
    assert (digest(published.warehouse), digest(published.site_dir)) == before


def test_site_dir_from_the_environment_stays_the_link_not_its_target(tmp_path, monkeypatch):
    """SITE_DIR is a symbolic link after a publish: the settings keep the link (resolving it would
    make the next publish switch the build folder instead of the link)."""
    from dagster_project.settings import get_settings

    (tmp_path / "site.published-abcd1234").mkdir()
    (tmp_path / "site").symlink_to("site.published-abcd1234")
    monkeypatch.setenv("SITE_DIR", str(tmp_path / "." / "site"))
    assert get_settings().site_dir == tmp_path.resolve() / "site"
