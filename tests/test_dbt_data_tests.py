"""The project's own generic dbt data tests fail on bad data, saying where: `not_null_columns`
(one test per model for its not-null columns) names each column with nulls and its row count."""

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
