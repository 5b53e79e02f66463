"""Paths the pipeline reads and writes, from RAW_DIR, WAREHOUSE and SITE_DIR."""

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SITE_SOURCE_DIR = REPO_ROOT / "site"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    site_dir: Path


def _path(var: str, default: Path) -> Path:
    """An absolute path; its last part is not resolved, as SITE_DIR is a symbolic link that
    each publish switches (resolving it would point at one build)."""
    value = os.environ.get(var)
    if not value:
        return default
    path = Path(value).expanduser()
    return path.parent.resolve() / path.name


def get_settings() -> Settings:
    """Read the three locations from the environment, defaulting to the bundled layout."""
    return Settings(
        raw_dir=_path("RAW_DIR", REPO_ROOT / "data" / "raw"),
        warehouse=_path("WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb"),
        site_dir=_path("SITE_DIR", REPO_ROOT / "site" / "build"),
    )
