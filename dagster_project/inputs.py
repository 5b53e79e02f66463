"""The inputs a build depends on besides RAW_DIR's files and the councils file: one list, read
by every fingerprint (ingest, dbt, the quality checks) and by the "nothing changed" check.

- ``fingerprint_inputs()``: every code and suite file, by concern, and the date that decides
  which periods are "in the future" (``as_of()``, its month);
- ``digest(paths)``: sha256 over files' names and bytes.
The date is TODAY (YYYY-MM-DD, for tests and reruns of an old day) or the system's date.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, REPO_ROOT

PACKAGE = REPO_ROOT / "dagster_project"


def as_of() -> date:
    """The day the run treats as today: periods that start after its month are refused."""
    text = os.environ.get("TODAY")
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"TODAY={text!r} is not a date (YYYY-MM-DD)") from None


def as_of_month() -> str:
    """The part of as_of() a build depends on (future periods are judged by the month)."""
    return as_of().strftime("%Y-%m")


def _files(folder: Path, pattern: str, skip: set[str] = frozenset()) -> list[Path]:
    """The files under folder matching pattern, leaving out the files and folders named in skip
    (dbt's target and logs change under a concurrent build; its .user.yml is written by the first
    run, so counting it would make a fresh clone's second run look changed)."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        found += [Path(root) / n for n in names if n not in skip and Path(n).match(pattern) and (Path(root) / n).is_file()]
    return sorted(found)


def fingerprint_inputs() -> dict[str, object]:
    """Everything besides the raw files and the councils file that a build reads, by concern:
    `ingest` (readers, the registry, the reference figures in data/reference/), `transform` (the dbt project, methods, DuckDB functions,
    geography), `checks` (expectation suites and the check code), `site` (templates, pages,
    site code), and `as_of` (the month deciding "future")."""
    return {
        "ingest": _files(PACKAGE / "defs" / "ingest", "*.py") + _files(PACKAGE / "defs" / "ingest", "*.yml")
        + _files(REPO_ROOT / "data" / "reference", "*"),
        "transform": [
            *_files(DBT_PROJECT_DIR, "*", {"target", "logs", "dbt_packages", ".user.yml"}),
            *_files(PACKAGE / "methods", "*.py"),
            PACKAGE / "defs" / "transform" / "duckdb_functions.py",
            PACKAGE / "geography.py",
        ],
        "checks": _files(EXPECTATIONS_DIR, "*.yml") + _files(PACKAGE / "defs" / "quality", "*.py"),
        "site": [
            *(p for p in sorted((REPO_ROOT / "site").glob("*")) if p.is_file()),
            *(f for folder in ("components", "layouts", "pages", "queries", "static") for f in _files(REPO_ROOT / "site" / folder, "*")),
            *_files(PACKAGE / "sitegen", "*.py"),
        ],
        "as_of": as_of_month(),
    }


def digest(paths: list[Path]) -> str:
    """sha256 over files' paths (relative to the repository, where inside it) and bytes."""
    hasher = hashlib.sha256()
    for path in paths:
        name = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        hasher.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def concern_fingerprint(concern: str) -> str:
    """The fingerprint of one concern's inputs (a list of files, or the as_of month)."""
    inputs = fingerprint_inputs()[concern]
    return digest(inputs) if isinstance(inputs, list) else hashlib.sha256(str(inputs).encode()).hexdigest()
