"""The project's own generic dbt data tests fail on bad data, saying where: `not_null_columns`
(one test per model for its not-null columns and its columns' accepted values) names each column
with nulls or values not accepted, and its row count."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR

DBT = Path(sys.executable).with_name("dbt")


def _build_seed(tmp_path: Path, seed: str, rows: list[str]) -> dict:
    """`dbt build` of one seed, its CSV replaced by `rows`, in a copy of the project; its tests' results."""
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "seeds" / f"{seed}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {**os.environ, "DBT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "DBT_USE_COLORS": "false"}
    subprocess.run([str(DBT), "build", "--select", seed, "--profiles-dir", "."], cwd=project, env=env,
                   capture_output=True, text=True)
    results = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"].split(".")[2]: r for r in results if r["unique_id"].startswith("test.")}


def test_not_null_columns_fails_naming_each_column_with_nulls(tmp_path):
    tests = _build_seed(tmp_path, "population_years", [
        "population_of,population_year,source,reason",
        "IoD2015,2012,a source,a reason",
        "IoD2019,,a source,",
        "IoD2025,,a source,a reason",
    ])
    result = tests["not_null_columns_population_years_population_of__population_year__source__reason"]
    assert result["status"] == "error"
    assert "has nulls in column population_year (2 rows), column reason (1 rows)" in result["message"]
    assert tests["unique_population_years_population_of"]["status"] == "pass"


def test_not_null_columns_passes_without_nulls(tmp_path):
    tests = _build_seed(tmp_path, "population_years", [
        "population_of,population_year,source,reason",
        "IoD2015,2012,a source,a reason",
    ])
    assert tests["not_null_columns_population_years_population_of__population_year__source__reason"]["status"] == "pass"


def test_not_null_columns_fails_naming_each_column_with_values_not_accepted(tmp_path):
    tests = _build_seed(tmp_path, "series_breaks", [
        "break_id,applies_to,la_code,from_date,to_date,universal_credit_stage,label,note,source",
        "a,claimant_*,,,,live_service,A,a note,a source",
        "b,claimant_*,,,,pilot_service,B,a note,a source",
        "c,claimant_*,,,,trial's service,C,a note,a source",
        "d,claimant_*,,,,pilot_service,D,a note,a source",
        ",claimant_*,,,,,E,a note,a source",
    ])
    result = tests["not_null_columns_series_breaks_break_id"]
    assert result["status"] == "error"
    assert ("has nulls in column break_id (1 rows); values not accepted in column universal_credit_stage "
            "(3 rows: pilot_service, trial's service)") in result["message"]


def test_not_null_columns_passes_accepted_values_and_nulls_in_coded_columns(tmp_path):
    tests = _build_seed(tmp_path, "series_breaks", [
        "break_id,applies_to,la_code,from_date,to_date,universal_credit_stage,label,note,source",
        "a,claimant_*,,,,live_service,A,a note,a source",
        "b,claimant_*,,,,,B,a note,a source",
    ])
    assert tests["not_null_columns_series_breaks_break_id"]["status"] == "pass"
