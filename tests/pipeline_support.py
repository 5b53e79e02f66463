"""Helpers for tests that run the whole pipeline on a copy of some raw data."""

import csv
import fcntl
import hashlib
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLED_RAW = REPO / "data" / "raw"
SHARED_REAL = REPO.parent / "shared" / "real"
DBT = Path(sys.executable).with_name("dbt")


@dataclass
class Paths:
    raw_dir: Path
    warehouse: Path
    site_dir: Path

    def env(self) -> dict[str, str]:
        return {"RAW_DIR": str(self.raw_dir), "WAREHOUSE": str(self.warehouse), "SITE_DIR": str(self.site_dir)}


def make_paths(root: Path, raw_source: Path = BUNDLED_RAW) -> Paths:
    """Outputs under root, with a private copy of raw_source as RAW_DIR."""
    paths = Paths(root / "raw", root / "warehouse.duckdb", root / "site")
    shutil.copytree(raw_source, paths.raw_dir)
    return paths


def run_pipeline(paths: Paths):
    """Run the full job in-process against `paths`; return (result, failure lines)."""
    from dagster_project.run import execute

    with environment(paths.env()):
        return execute()


@contextmanager
def environment(values: dict[str, str]):
    """Set environment variables for the duration of a block, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def digest(path: Path, exclude: tuple[str, ...] = ()) -> str:
    """sha256 over a file, or over every file below a folder (names and bytes), except `exclude` names."""
    hasher = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and p.name not in exclude)
    for file in files:
        hasher.update(str(file.relative_to(path.parent)).encode())
        hasher.update(file.read_bytes())
    return hasher.hexdigest()


_SESSION_BUILD: list[Paths] = []  # the one pipeline run on the bundled data this session


def _session_build(near: Path) -> Paths:
    """The pipeline run once per test session on the bundled data, in the session's temporary
    folder (beside `near`, a folder of this session's). Test workers (`pytest -n`) share it: the
    first to need it builds it while the others wait."""
    if not _SESSION_BUILD:
        base = near.parent.parent if os.environ.get("PYTEST_XDIST_WORKER") else near.parent
        root = base / "session-build"
        root.mkdir(exist_ok=True)
        with (root / ".build.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (root / ".built").exists():
                paths = Paths(root / "raw", root / "warehouse.duckdb", root / "site")
            else:
                shutil.rmtree(root / "raw", ignore_errors=True)  # a worker's build that failed part-way
                paths = make_paths(root)
                result, failures = run_pipeline(paths)
                assert result.success, "\n".join(failures)
                (root / ".built").touch()
        _SESSION_BUILD.append(paths)
    return _SESSION_BUILD[0]


def published_once(root: Path) -> Paths:
    """Outputs under root as one successful run on the bundled data leaves them: a private copy
    of the session's build (raw files, warehouse, site and run-status record), so each test
    module starts from a published state without running the whole pipeline again."""
    source = _session_build(root)
    paths = make_paths(root)
    shutil.copyfile(source.warehouse, paths.warehouse)
    shutil.copytree(source.site_dir, paths.site_dir, symlinks=True)
    status = source.site_dir.with_name(f"{source.site_dir.name}.run-status.json")
    if status.exists():
        shutil.copyfile(status, paths.site_dir.with_name(f"{paths.site_dir.name}.run-status.json"))
    return paths


def edit_cells(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of a CSV file: {(row number as a spreadsheet shows it, column name): value}."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for (row_number, column), value in edits.items():
        rows[row_number - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
