"""Hostile inputs run through the whole pipeline (issue 11), each outcome asserted exactly.

One published run on a copy of the bundled data (with a disclosive rejected row and an unknown
file: a rerun on a copy of the session's published build) is shared by the module; each refused
case then runs on the same copy and must leave the published warehouse and site unchanged.
"""

import csv
import shutil

import duckdb
import pytest

from pipeline_support import digest, edit_cells, published_once, run_pipeline

MORTALITY = "mortality_ward2023_age_sex_wigan.csv"
ADMISSIONS = "emergency_admissions_ward2023_age_wigan.csv"
FILE8 = "iod2019_file8_underlying_indicators_wigan.csv"
SCORES = "iod2019_scores_imd_income_employment_wigan_mysociety.csv"
CENSUS2011 = "census2011_ks501ew_highest_qualification_lsoa11_wigan.csv"
DISCLOSIVE_ROW = "2017-19,E05014989,Abram,Male,0,3,195,corrected"
UNKNOWN_FILE = "patient_names_do_not_publish.csv"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A published run whose inputs hold a rejected row with a death count of 3 and a file no
    source takes; `pristine` keeps the raw files to restore after each refused case."""
    paths = published_once(tmp_path_factory.mktemp("hostile_pipeline"))
    with (paths.raw_dir / MORTALITY).open("a", encoding="utf-8") as handle:
        handle.write(DISCLOSIVE_ROW + "\n")
    (paths.raw_dir / UNKNOWN_FILE).write_text("name,nhs_number\nA Person,123\n", encoding="utf-8")
    result, failures = run_pipeline(paths)
    assert result.success, "\n".join(failures)
    pristine = paths.raw_dir.with_name("pristine")
    shutil.copytree(paths.raw_dir, pristine)
    return paths, pristine


def _refused(published, edit) -> str:
    """Apply `edit` to RAW_DIR, run, check the run failed and published nothing; return its failure lines."""
    paths, pristine = published
    before = (digest(paths.warehouse), digest(paths.site_dir))
    try:
        edit(paths.raw_dir)
        result, failures = run_pipeline(paths)
    finally:
        shutil.rmtree(paths.raw_dir)
        shutil.copytree(pristine, paths.raw_dir)
    assert not result.success
    assert (digest(paths.warehouse), digest(paths.site_dir)) == before
    assert not [p for p in paths.warehouse.parent.iterdir() if "candidate" in p.name]
    return "\n".join(failures)


def _site_cells(site):
    """Every text cell the site publishes: HTML, CSV and JSON bytes as text, Parquet cells as values."""
    for path in site.rglob("*"):
        if path.suffix == ".parquet":
            with duckdb.connect() as con:
                for row in con.execute(f"select * from read_parquet('{path.as_posix()}')").fetchall():
                    yield path, " ".join(str(v) for v in row)
        elif path.is_file():
            yield path, path.read_bytes().decode("utf-8", errors="replace")


# --- case 1: small counts and file names never leak through the quality outputs ----------------


def test_a_rejected_row_and_an_unknown_file_name_never_reach_the_site(published):
    paths, _ = published
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        row_number, value, reason = con.execute(
            "select row_number, value, reason from audit.rejected_rows where source_id = 'mortality_ward23'"
        ).fetchone()
        assert con.execute("select count(*) from audit.file_inventory where file_name = ?", [UNKNOWN_FILE]).fetchone() == (1,)
    assert value == DISCLOSIVE_ROW and reason == "expected 7 fields, found 8"  # kept for the engineers
    leaks = [(path.relative_to(paths.site_dir).as_posix(), marker) for path, text in _site_cells(paths.site_dir)
             for marker in ("corrected", "Male,0,3,195", UNKNOWN_FILE, "patient_names") if marker in text]
    assert leaks == []
    with (paths.site_dir / "downloads" / "audit" / "rejected_rows.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["source_id"] == "mortality_ward23"]
    assert [(int(r["row_number"]), r["value"], r["reason"]) for r in rows] == [(row_number, "", reason)]
    with (paths.site_dir / "downloads" / "audit" / "file_inventory.csv").open(encoding="utf-8", newline="") as handle:
        unknown = [r for r in csv.DictReader(handle) if r["status"] == "unknown"]
    assert [(r["file_name"], r["sha256"]) for r in unknown] == [("(name withheld: no source takes this file)", "")]
    page = (paths.site_dir / "data-quality" / "index.html").read_text(encoding="utf-8")
    assert "expected 7 fields, found 8" in page and MORTALITY in page


# --- cases 2 and 3: partial ward aggregates and impossible row values --------------------------


def test_a_missing_lsoa_row_or_an_impossible_value_stops_the_run_naming_it(published):
    def edit(raw):
        edit_cells(raw / FILE8, {(2, "income_domain_numerator"): "NaN", (25, "income_domain_numerator"): "5000"})
        lines = (raw / SCORES).read_text(encoding="utf-8").splitlines(keepends=True)
        (raw / SCORES).write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")  # LSOA E01006334 deleted
        edit_cells(raw / ADMISSIONS, {(2, "admissions"): "5000"})

    message = _refused(published, edit)
    assert "check gx_raw_iod2019_file8_lsoa_coverage" in message
    assert "iod2019_file8: no row for LSOA E01006212" in message  # its row was rejected (NaN)
    assert "iod2019_scores: no row for LSOA E01006334" in message  # its row was deleted
    assert "iod2019_file8: LSOA E01006235, income_deprivation 2019: numerator 5000" in message
    assert f"{ADMISSIONS}: row 2: column admissions: 5000 admissions is more than the population (766)" in message


# --- case 4: a source that vanished --------------------------------------------------------------


def test_a_deleted_or_emptied_source_stops_the_run(published):
    def edit(raw):
        (raw / CENSUS2011).unlink()
        header = (raw / MORTALITY).read_text(encoding="utf-8").splitlines()[0]
        (raw / MORTALITY).write_text(header + "\n", encoding="utf-8")

    message = _refused(published, edit)
    assert "source 'census2011_qualifications'" in message and f"(from {CENSUS2011}) but now no file matches" in message
    assert "source 'mortality_ward23'" in message and f"but now {MORTALITY} has no data rows" in message
    assert "a published series would be lost" in message


# --- case 8: a SITE_DIR that cannot be written ------------------------------------------------------


def test_an_unwritable_site_folder_ends_in_run_failed_and_a_status_record(published, tmp_path, capsys, monkeypatch):
    """SITE_DIR's parent is not a writable folder (here a regular file, which even root cannot
    write into): the run fails with the 'RUN FAILED' verdict and the run-status record is written
    beside the warehouse, saying why."""
    import json

    from dagster_project.run import main

    paths, _ = published
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the site's folder should be", encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(paths.warehouse, warehouse)  # the last good warehouse (so ingest and dbt are skipped)
    before = digest(warehouse)
    monkeypatch.setenv("RAW_DIR", str(paths.raw_dir))
    monkeypatch.setenv("WAREHOUSE", str(warehouse))
    monkeypatch.setenv("SITE_DIR", str(blocked / "site"))
    assert main(["--log-level", "ERROR"]) == 1
    out = capsys.readouterr().out
    # the run stops before any step, at the site's lock beside SITE_DIR
    assert "RUN FAILED: nothing was published" in out and "is not a writable folder" in out
    status = json.loads((tmp_path / "warehouse.duckdb.run-status.json").read_text(encoding="utf-8"))
    assert "could not write" in status["last_failure"]["note"] and "is not a writable folder" in status["last_failure"]["why"]
    assert digest(warehouse) == before
