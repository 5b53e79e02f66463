"""Shared fixtures: a parsed dbt manifest, and the whole pipeline run on the bundled data."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUNDLED_RAW = REPO / "data" / "raw"
SHARED = REPO.parent / "shared"
DBT = Path(sys.executable).with_name("dbt")


@dataclass
class Paths:
    raw_dir: Path
    warehouse: Path
    site_dir: Path

    def env(self) -> dict[str, str]:
        return {"RAW_DIR": str(self.raw_dir), "WAREHOUSE": str(self.warehouse), "SITE_DIR": str(self.site_dir)}


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """dagster-dbt loads dbt/target/manifest.json at import time: parse the project first."""
    subprocess.run([str(DBT), "parse", "--quiet", "--profiles-dir", "."], cwd=REPO / "dbt", check=True)
    return REPO / "dbt" / "target" / "manifest.json"


def make_paths(root: Path, raw_source: Path = BUNDLED_RAW) -> Paths:
    paths = Paths(root / "raw", root / "warehouse.duckdb", root / "site")
    shutil.copytree(raw_source, paths.raw_dir)
    return paths


def run_pipeline(paths: Paths, monkeypatch=None):
    """Run the full job in-process against `paths`; return (result, failure lines)."""
    from dagster_project.run import execute

    saved = {k: os.environ.get(k) for k in paths.env()}
    os.environ.update(paths.env())
    try:
        return execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def built(tmp_path_factory, dbt_manifest) -> Paths:
    """The pipeline run once on the bundled data, into a temporary warehouse and site."""
    paths = make_paths(tmp_path_factory.mktemp("bundled"))
    result, failures = run_pipeline(paths)
    assert result.success, "\n".join(failures)
    return paths
