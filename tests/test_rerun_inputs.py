"""Everything a build depends on is an input of its fingerprint (issue 22, holes 2, 5 and 6):
an edited or removed expectation suite, the date that decides "future", the councils file.
A rerun on unchanged data then refuses exactly what a fresh build refuses, drops what a fresh
build would not have, and a configuration error is recorded in the run-status file.

The runs are reruns in a subprocess (so EXPECTATIONS_DIR or COUNCILS_CONFIG take effect at
import) on a private copy of the session's published build."""

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from pipeline_support import REPO, digest, environment, published_once

from dagster_project.settings import EXPECTATIONS_DIR


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_once(tmp_path_factory.mktemp("rerun_inputs"))


def _run(paths, **env):
    environ = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # an ephemeral instance
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.run", "--log-level", "WARNING"],
        cwd=REPO, env={**environ, **paths.env(), **env}, capture_output=True, text=True, timeout=900,
    )


def _suites(paths) -> set[str]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return {s for (s,) in con.execute("select distinct suite from audit.quality_results").fetchall()}


def test_a_tightened_suite_reruns_and_refuses_on_unchanged_data(published, tmp_path):
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    disclosure = suites / "marts" / "fct_indicator_values_disclosure.yml"
    text = disclosure.read_text(encoding="utf-8")
    assert "{value: 0}" in text
    disclosure.write_text(text.replace("{value: 0}", "{value: 1}"), encoding="utf-8")  # now fails on any data
    site, warehouse = digest(published.site_dir), digest(published.warehouse)
    run = _run(published, EXPECTATIONS_DIR=str(suites))
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "fct_indicator_values_disclosure" in run.stdout
    assert digest(published.site_dir) == site and digest(published.warehouse) == warehouse


def test_a_removed_suite_drops_its_stored_results(published, tmp_path):
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    assert "dim_ward" in _suites(published)
    (suites / "marts" / "dim_ward.yml").unlink()
    run = _run(published, EXPECTATIONS_DIR=str(suites))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "dim_ward" not in _suites(published)
    page = (published.site_dir / "data-quality" / "index.html").read_text(encoding="utf-8")
    assert "dim_ward.yml" not in page and "marts.dim_ward " not in page


def test_today_decides_future_periods_and_is_in_the_ingest_fingerprint(published):
    from dagster_project.defs.ingest.assets import SOURCES, ingest_fingerprint
    from dagster_project.defs.ingest.reader import read_file

    source = SOURCES["claimant_count_lsoa"]
    path = next(published.raw_dir.glob("claimant_count_lsoa_*.csv"))
    with environment({"TODAY": "2018-12-01"}):
        december = ingest_fingerprint(source, published.raw_dir)
        assert read_file(source, path).rows_rejected == 0
    with environment({"TODAY": "2018-10-31"}):
        october = ingest_fingerprint(source, published.raw_dir)
        load = read_file(source, path)
    assert load.rows_loaded == 0 and {r.reason for r in load.rejections} == {"period 2018-11 starts in the future"}
    assert october != december


def _config(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_council_the_data_do_not_hold_is_refused(published, tmp_path):
    config = _config(tmp_path / "councils.yml", "site_title: T\ncouncils:\n  - la_code: E08000010\n"
                     "    missions: [fair_opportunities]\n  - la_code: E08000099\n")
    site = digest(published.site_dir)
    run = _run(published, COUNCILS_CONFIG=config)
    assert run.returncode == 1
    assert "configured_councils_have_wards" in run.stdout
    assert digest(published.site_dir) == site


def test_a_removed_mission_loses_its_page(published, tmp_path):
    assert (published.site_dir / "missions" / "flourishing_places" / "index.html").exists()
    config = _config(tmp_path / "councils.yml", "site_title: Wigan ward inequalities\ncouncils:\n"
                     "  - la_code: E08000010\n    missions: [fair_opportunities]\n")
    run = _run(published, COUNCILS_CONFIG=config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert not (published.site_dir / "missions" / "flourishing_places").exists()
    assert (published.site_dir / "missions" / "fair_opportunities" / "index.html").exists()
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        assert con.execute("select distinct mission_id from marts.fct_mission_progress").fetchall() == [("fair_opportunities",)]


def test_a_configuration_error_is_recorded_in_the_run_status_file(published, tmp_path):
    config = _config(tmp_path / "councils.yml", "site_title: T\ncouncils:\n  - la_code: E08000010\n"
                     "    missions: [fair_oportunities]\n")
    environ = {**os.environ, **published.env(), "COUNCILS_CONFIG": config}
    for command in (["-m", "dagster_project.defs.transform.invocation", "parse"], ["-m", "dagster_project.run"]):
        status_file = published.site_dir.with_name(f"{published.site_dir.name}.run-status.json")
        status_file.unlink(missing_ok=True)
        run = subprocess.run([sys.executable, *command], cwd=REPO, env=environ, capture_output=True, text=True, timeout=300)
        assert run.returncode == 1
        status = json.loads(status_file.read_text(encoding="utf-8"))
        assert "fair_oportunities" in status["last_failure"]["why"] and "missions.csv" in status["last_failure"]["why"]
