"""The unchanged-rerun fingerprint: a rerun that changes nothing stops before importing Dagster;
a changed raw file, code file, suite, councils file, output path or date runs."""

import os
import shutil
import subprocess
import sys
from datetime import date

import pytest

from dagster_project import fingerprint
from dagster_project.settings import get_settings
from pipeline_support import REPO


def published_outputs(tmp_path, raw_name, raw_text):
    """Placeholders for a published build under tmp_path (one raw file, a site, a warehouse); returns the raw folder."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / raw_name).write_text(raw_text, encoding="utf-8")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "site" / "build-info.json").write_text('{"warehouse": "warehouse.duckdb.candidate-abcd1234"}', encoding="utf-8")
    (tmp_path / "warehouse.duckdb").write_bytes(b"warehouse")
    return raw


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A published build's outputs (placeholders) and a private copy of the code roots."""
    code = tmp_path / "repo"
    for name in ("expectations", "config"):
        shutil.copytree(REPO / name, code / name)
    (code / "dagster_project").mkdir()
    (code / "dagster_project" / "run.py").write_text("print('run')\n", encoding="utf-8")
    monkeypatch.setattr(fingerprint, "REPO_ROOT", code)
    raw = published_outputs(tmp_path, "claimants.csv", "ward,count\nE05000001,12\n")
    councils = tmp_path / "councils.yml"
    councils.write_text("councils:\n  - la_code: E08000010\n", encoding="utf-8")
    env = {"RAW_DIR": str(raw), "WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "SITE_DIR": str(tmp_path / "site"),
           "COUNCILS_CONFIG": str(councils)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = get_settings()
    fingerprint.save(settings, fingerprint.compute(settings), "abcd1234")
    return settings, code, env


def test_an_unchanged_rerun_is_recognised_even_when_files_are_touched(built):
    settings, code, _ = built
    assert fingerprint.unchanged_since(settings)
    raw_file = settings.raw_dir / "claimants.csv"
    os.utime(raw_file, ns=(raw_file.stat().st_atime_ns, raw_file.stat().st_mtime_ns + 10**9))
    assert fingerprint.unchanged_since(settings)  # same bytes, new time: hashed again, still the same


@pytest.mark.parametrize("change", ["raw", "new raw file", "code", "suite", "councils", "config", "path"])
def test_any_change_means_a_run(built, change, monkeypatch):
    settings, code, _ = built
    if change == "raw":
        (settings.raw_dir / "claimants.csv").write_text("ward,count\nE05000001,13\n", encoding="utf-8")
    elif change == "new raw file":
        (settings.raw_dir / "extra.csv").write_text("a\n", encoding="utf-8")
    elif change == "code":
        (code / "dagster_project" / "run.py").write_text("print('changed')\n", encoding="utf-8")
    elif change == "suite":
        suite = code / "expectations" / "marts" / "fct_indicator_values.yml"
        suite.write_text(suite.read_text(encoding="utf-8") + " ", encoding="utf-8")
    elif change == "councils":
        with open(os.environ["COUNCILS_CONFIG"], "a", encoding="utf-8") as handle:
            handle.write("  - la_code: E08000001\n")
    elif change == "config":
        (code / "config" / "councils.yml").write_text("councils: []\n", encoding="utf-8")
    else:
        monkeypatch.setenv("SITE_DIR", str(settings.site_dir.with_name("elsewhere")))
        shutil.copytree(settings.site_dir, settings.site_dir.with_name("elsewhere"))
        settings = get_settings()
    assert fingerprint.unchanged_since(settings) is None, change


def test_a_new_day_a_missing_output_or_a_half_done_publish_means_a_run(built):
    settings, _, _ = built
    record = fingerprint.read(settings)
    assert fingerprint.compute(settings, record["files"], today=date(2001, 1, 1)).digest != record["digest"]
    journal = settings.warehouse.with_name(f"{settings.warehouse.name}.publishing.json")
    journal.write_text("{}", encoding="utf-8")
    assert fingerprint.unchanged_since(settings) is None
    journal.unlink()
    assert fingerprint.unchanged_since(settings)
    info = settings.site_dir / "build-info.json"
    info.write_text('{"warehouse": "warehouse.duckdb.candidate-feedbeef"}', encoding="utf-8")  # another run's site
    assert fingerprint.unchanged_since(settings) is None
    info.write_text('{"warehouse": "warehouse.duckdb.candidate-abcd1234"}', encoding="utf-8")
    (settings.site_dir / "index.html").unlink()
    assert fingerprint.unchanged_since(settings) is None


def test_the_command_stops_before_importing_dagster_dbt_or_gx(tmp_path):
    raw = published_outputs(tmp_path, "a.csv", "x\n1\n")
    env = {**os.environ, "RAW_DIR": str(raw), "WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "SITE_DIR": str(tmp_path / "site")}
    probe = ("import sys\nfrom dagster_project import fingerprint\nfrom dagster_project.run import main\n"
             "fingerprint.save(fingerprint.get_settings(), fingerprint.compute(), 'abcd1234')\n"
             "code = main([])\nprint('imported:', sorted(m for m in ('dagster', 'dbt', 'great_expectations') if m in sys.modules))\n"
             "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "nothing changed since the build of " in done.stdout and "nothing to do" in done.stdout
    assert "imported: []" in done.stdout


def test_a_site_published_inside_the_repository_is_not_an_input(built, monkeypatch):
    """The default SITE_DIR is site/build: its published folders (build.published-*) and run-status
    file sit among the site's sources, and once made a fresh clone's second `make run` rebuild."""
    _, code, _ = built
    (code / "site" / "pages").mkdir(parents=True)
    (code / "site" / "pages" / "index.md").write_text("# Home\n", encoding="utf-8")
    monkeypatch.setenv("SITE_DIR", str(code / "site" / "build"))
    settings = get_settings()
    before = fingerprint.compute(settings).digest
    (code / "site" / "build.published-abcd1234").mkdir()
    (code / "site" / "build.published-abcd1234" / "index.html").write_text("<html></html>", encoding="utf-8")
    (code / "site" / "build.run-status.json").write_text("{}", encoding="utf-8")
    (code / "site" / "build").symlink_to(code / "site" / "build.published-abcd1234")
    assert fingerprint.compute(settings).digest == before
    (code / "site" / "pages" / "index.md").write_text("# Home, edited\n", encoding="utf-8")
    assert fingerprint.compute(settings).digest != before


def test_an_edited_england_reference_figure_reruns(built):
    """data/reference/ is read by the build (England's published figures): an edit there is a change."""
    settings, code, _ = built
    (code / "data" / "reference").mkdir(parents=True)
    figures = code / "data" / "reference" / "england_published_figures.csv"
    figures.write_text("indicator_id,value\ndisability,17.3\n", encoding="utf-8")
    before = fingerprint.compute(settings).digest
    figures.write_text("indicator_id,value\ndisability,17.4\n", encoding="utf-8")
    assert fingerprint.compute(settings).digest != before


def test_the_checks_fingerprint_follows_the_check_code_as_well_as_the_suites(tmp_path, monkeypatch):
    """Held-out variant of issue 22's hole 2: stored check results hold only while the checks'
    fingerprint is unchanged; an edit to the check code in dagster_project/defs/quality (not only
    to a suite in expectations/) changes it, a removed suite too; byte code and dot-files do not."""
    from dagster_project import inputs

    package, suites = tmp_path / "dagster_project", tmp_path / "expectations"
    shutil.copytree(REPO / "dagster_project" / "defs" / "quality", package / "defs" / "quality",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "expectations", suites)
    monkeypatch.setattr(inputs, "PACKAGE", package)
    monkeypatch.setattr(inputs, "EXPECTATIONS_DIR", suites)
    before = inputs.concern_fingerprint("checks")
    (package / "defs" / "quality" / "__pycache__").mkdir()
    (package / "defs" / "quality" / "__pycache__" / "checks.cpython-313.pyc").write_bytes(b"\0")
    (suites / "marts" / ".draft.yml").write_text("name: draft\n", encoding="utf-8")
    assert inputs.concern_fingerprint("checks") == before
    checks = package / "defs" / "quality" / "suites.py"
    text = checks.read_text(encoding="utf-8")
    checks.write_text(text.replace('tolerance', 'tolerance ', 1), encoding="utf-8")
    assert text != checks.read_text(encoding="utf-8") and inputs.concern_fingerprint("checks") != before
    checks.write_text(text, encoding="utf-8")
    assert inputs.concern_fingerprint("checks") == before
    next((suites / "marts").glob("[!.]*.yml")).unlink()
    assert inputs.concern_fingerprint("checks") != before


def test_a_raw_folder_given_as_a_link_is_still_fingerprinted(built, monkeypatch):
    """RAW_DIR may itself be a link to the data folder: its files are inputs like any others
    (links inside it are recorded as links, never followed)."""
    settings, _, _ = built
    link = settings.raw_dir.with_name("raw-link")
    link.symlink_to(settings.raw_dir)
    monkeypatch.setenv("RAW_DIR", str(link))
    linked = get_settings()
    before = fingerprint.compute(linked).digest
    (settings.raw_dir / "claimants.csv").write_text("ward,count\nE05000001,13\n", encoding="utf-8")
    assert fingerprint.compute(linked).digest != before
