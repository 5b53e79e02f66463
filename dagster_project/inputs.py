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

from dagster_project.regular_files import is_regular, kind, not_regular, open_regular
from dagster_project.settings import DBT_PROJECT_DIR, ConfigurationError, EXPECTATIONS_DIR, REPO_ROOT

PACKAGE = REPO_ROOT / "dagster_project"


def as_of() -> date:
    """The day the run treats as today: periods that start after its month are refused."""
    text = os.environ.get("TODAY")
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"TODAY={text!r} is not a date (YYYY-MM-DD)") from None


def as_of_month() -> str:
    """The part of as_of() a build depends on (future periods are judged by the month)."""
    return as_of().strftime("%Y-%m")


# Build outputs and scratch, never inputs: dbt's target and logs change under a concurrent build,
# and dot-files (dbt's .user.yml, written by the first run) would make a second run look changed.
SKIPPED_DIRS = frozenset({"__pycache__", "target", "logs", "dbt_packages", "build", "screenshots"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".partial")


def files_under(root: Path, pattern: str = "*", outputs: Path | None = None) -> list[Path]:
    """Every file below ``root`` (or ``root`` itself) whose name matches ``pattern``, sorted, with
    build outputs, dot-files and dot-folders left out; with ``outputs`` (SITE_DIR), also that folder
    and its siblings named after it (the ``build.published-*`` folders and ``build.run-status.json``
    of the default ``site/build``). Links and special files are listed, not followed: whoever reads
    them goes through regular_files."""
    if not root.is_dir():  # a folder given by a link (RAW_DIR may be one) is walked; below it, links are listed
        return [] if kind(root) == "absent" else [root]

    def skipped(folder: str, name: str) -> bool:
        return name.startswith(".") or (outputs is not None and Path(folder) == outputs.parent and (
            name == outputs.name or name.startswith(f"{outputs.name}.")))

    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not skipped(folder, d))
        found += [Path(folder) / n for n in names
                  if not n.endswith(SKIPPED_SUFFIXES) and not skipped(folder, n) and Path(n).match(pattern)]
    return sorted(found)


def fingerprint_inputs() -> dict[str, object]:
    """Everything besides the raw files and the councils file that a build reads, by concern:
    `ingest` (readers, the registry, the reference figures in data/reference/), `transform` (the dbt project, methods, DuckDB functions,
    geography), `checks` (expectation suites and the check code), `site` (templates, pages,
    site code), and `as_of` (the month deciding "future")."""
    return {
        "ingest": files_under(PACKAGE / "defs" / "ingest", "*.py") + files_under(PACKAGE / "defs" / "ingest", "*.yml")
        + files_under(REPO_ROOT / "data" / "reference", "*"),
        "transform": [
            *files_under(DBT_PROJECT_DIR),
            *files_under(PACKAGE / "methods", "*.py"),
            PACKAGE / "defs" / "transform" / "duckdb_functions.py",
            PACKAGE / "geography.py",
        ],
        "checks": files_under(EXPECTATIONS_DIR, "*.yml") + files_under(PACKAGE / "defs" / "quality", "*.py"),
        "site": [
            *(p for p in sorted((REPO_ROOT / "site").glob("*")) if is_regular(p)),
            *(f for folder in ("components", "layouts", "pages", "queries", "static") for f in files_under(REPO_ROOT / "site" / folder, "*")),
            *files_under(PACKAGE / "sitegen", "*.py"),
        ],
        "as_of": as_of_month(),
    }


def digest(paths: list[Path]) -> str:
    """sha256 over files' paths (relative to the repository, where inside it) and bytes; a link
    or special file counts by what it is, never read."""
    hasher = hashlib.sha256()
    for path in paths:
        name = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        why = not_regular(path)
        if why:
            content = why.encode()
        else:
            with open_regular(path) as handle:
                content = handle.read()
        hasher.update(str(name).encode() + b"\0" + content + b"\0")
    return hasher.hexdigest()


def concern_fingerprint(concern: str) -> str:
    """The fingerprint of one concern's inputs (a list of files, or the as_of month)."""
    inputs = fingerprint_inputs()[concern]
    return digest(inputs) if isinstance(inputs, list) else hashlib.sha256(str(inputs).encode()).hexdigest()
