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
    """Run the full job in-process against `paths`; return (result, failure lines). Dagster's
    console shows warnings and errors, as `make run` does (its line per event costs time)."""
    from dagster_project.run import execute

    with environment(paths.env()):
        return execute(log_level="WARNING")


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


def file_digests(folder: Path, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file below a folder, by relative path: a difference names its files."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in exclude
    }


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The files added, removed or changed between two file_digests."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


SHARED_REAL_GM = REPO.parent / "shared" / "real-gm"
WIGAN = "E08000010"
GM_COUNCILS = [WIGAN, "E08000001", "E08000002", "E08000003", "E08000004", "E08000005", "E08000006",
               "E08000007", "E08000008", "E08000009"]
# The ten-council councils file of the real Greater Manchester build (Wigan with its strategy and
# missions, the other nine with none).
GM_COUNCILS_YML = "\n".join([
    "site_title: Greater Manchester ward inequalities", "councils:",
    f"  - la_code: {WIGAN}", "    strategy: Progress with Unity", "    missions: [fair_opportunities, flourishing_places]",
    *(f"  - la_code: {code}" for code in GM_COUNCILS[1:]),
]) + "\n"

_SESSION_BUILDS: dict[str, Paths] = {}  # the pipeline runs this process has used, by name


def session_build(near: Path, name: str = "bundled", raw_source: Path = BUNDLED_RAW, councils_yml: str | None = None) -> Paths:
    """One pipeline run per test session and `name` (on a copy of `raw_source`, with a councils
    file of `councils_yml` text if given), in the session's temporary folder (beside `near`, a
    folder of this session's; never kept between sessions). Test workers (`pytest -n`) share it:
    the first to need it builds it while the others wait. Read it; copy it before changing it."""
    if name not in _SESSION_BUILDS:
        base = near.parent.parent if os.environ.get("PYTEST_XDIST_WORKER") else near.parent
        root = base / f"session-build-{name}"
        root.mkdir(exist_ok=True)
        with (root / ".build.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            paths = Paths(root / "raw", root / "warehouse.duckdb", root / "site")
            if not (root / ".built").exists():
                shutil.rmtree(root / "raw", ignore_errors=True)  # a worker's build that failed part-way
                paths = make_paths(root, raw_source)
                env = {}
                if councils_yml is not None:
                    (root / "councils.yml").write_text(councils_yml, encoding="utf-8")
                    env["COUNCILS_CONFIG"] = str(root / "councils.yml")
                with environment(env):
                    result, failures = run_pipeline(paths)
                assert result.success, "\n".join(failures)
                (root / ".built").touch()
        _SESSION_BUILDS[name] = paths
    return _SESSION_BUILDS[name]


def real_gm_once(near: Path) -> Paths:
    """The session's one build of the ten Greater Manchester councils from ../shared/real-gm
    (shared by every module that reads it: read only)."""
    return session_build(near, "real-gm", SHARED_REAL_GM, GM_COUNCILS_YML)


def real_wigan_once(near: Path) -> Paths:
    """The session's one build of the real Wigan extracts in ../shared/real (shared by the
    modules that read it: read only)."""
    return session_build(near, "real-wigan", SHARED_REAL)


def published_once(root: Path) -> Paths:
    """Outputs under root as one successful run on the bundled data leaves them: a private copy
    of the session's build (raw files, warehouse, site, its render cache and run-status record),
    so each test module starts from a published state without running the whole pipeline again."""
    source = session_build(root)
    paths = make_paths(root)
    shutil.copyfile(source.warehouse, paths.warehouse)
    shutil.copytree(source.site_dir, paths.site_dir, symlinks=True)
    for beside in (f".{source.site_dir.name}.cache", f"{source.site_dir.name}.run-status.json"):
        kept = source.site_dir.with_name(beside)
        if kept.is_dir():
            shutil.copytree(kept, paths.site_dir.with_name(beside))
        elif kept.exists():
            shutil.copyfile(kept, paths.site_dir.with_name(beside))
    return paths


def edit_cells(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of a CSV file: {(row number as a spreadsheet shows it, column name): value}."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for (row_number, column), value in edits.items():
        rows[row_number - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
