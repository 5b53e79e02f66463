"""How dbt is invoked, the same way by `make parse` and by the pipeline, so dbt's partial
parsing survives from one run to the next: a stable profile (the run's candidate warehouse is
reached through a fixed link beside the published one, or in DBT_LINK_DIR), the configured
councils as the `councils` var, and a partial-parse file kept in dbt/target for each profile and
vars (dbt parses everything again when either changes: a full parse costs about 3 s more).

    python -m dagster_project.defs.transform.invocation parse    # what `make parse` runs
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, ConfigurationError, Settings, get_councils_config, get_settings

TARGET_DIR = DBT_PROJECT_DIR / "target"
PARTIAL_PARSE_FILE = TARGET_DIR / "partial_parse.msgpack"  # make parse's, and the latest run's
PARTIAL_PARSE_CACHE = TARGET_DIR / "partial_parse"  # one per profile and vars: <key>.msgpack
KEEP_PARTIAL_PARSES = 12


def dbt_database_link(settings: Settings) -> Path:
    """The fixed path dbt's profile names for this WAREHOUSE (a link to the run's candidate).
    It keeps the warehouse's file name, so DuckDB's catalog name is the same as today's. It lies
    beside the warehouse, or in DBT_LINK_DIR when that is set (a folder per test worker, so that
    runs on many warehouses render one profile; runs sharing the folder take turns, see
    `candidate_link`)."""
    folder = os.environ.get("DBT_LINK_DIR")
    root = Path(folder) if folder else settings.warehouse.parent / f".{settings.warehouse.name}.dbt"
    return root / settings.warehouse.name


def dbt_vars() -> str:
    """The `--vars` dbt gets: the configured councils' LA codes (`councils`) and each council's
    missions (`council_missions`, LA code -> mission ids)."""
    config = get_councils_config()
    return json.dumps(
        {"councils": config.la_codes, "council_missions": {c.la_code: list(c.missions) for c in config.councils}},
        separators=(",", ":"),
    )


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for dbt: the profile's path, relative to the dbt project as the default is,
    so `make parse` and the pipeline render the same profile."""
    return {"DBT_DUCKDB_PATH": os.path.relpath(dbt_database_link(settings), DBT_PROJECT_DIR)}


@contextlib.contextmanager
def candidate_link(settings: Settings, candidate: Path) -> Iterator[None]:
    """Point the profile's fixed path at this run's candidate warehouse (replacing any old link,
    and any write-ahead log a killed dbt left beside it) for the duration of the block; another
    run whose link is the same path waits for the block to end."""
    link = dbt_database_link(settings)
    link.parent.mkdir(parents=True, exist_ok=True)
    with (link.parent / f".{link.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        link.with_name(link.name + ".wal").unlink(missing_ok=True)
        staged = link.with_name(link.name + ".new")
        staged.unlink(missing_ok=True)
        staged.symlink_to(candidate.resolve())
        os.replace(staged, link)
        yield


def _parse_key(settings: Settings) -> str:
    """What decides whether dbt can parse partially, besides its files: the profile and the vars."""
    return hashlib.sha256(f"{dbt_env(settings)['DBT_DUCKDB_PATH']}\n{dbt_vars()}".encode()).hexdigest()[:16]


def invocation_target(settings: Settings, name: str) -> Path:
    """A new target folder for one dbt invocation, holding the partial-parse file of the last
    invocation with the same profile and vars (else the latest one, which dbt checks itself)."""
    target = TARGET_DIR / f"{name}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True)
    kept = PARTIAL_PARSE_CACHE / f"{_parse_key(settings)}.msgpack"
    for source in (kept, PARTIAL_PARSE_FILE):
        with contextlib.suppress(FileNotFoundError):
            shutil.copyfile(source, target / PARTIAL_PARSE_FILE.name)
            break
    return target


def _replace(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    staged = destination.with_name(f"{destination.name}.{os.getpid()}")
    shutil.copyfile(source, staged)
    os.replace(staged, destination)


def keep_partial_parse(settings: Settings, target_path: Path) -> None:
    """Keep the invocation's refreshed partial-parse file for the next invocation with the same
    profile and vars, and as the latest one (the newest KEEP_PARTIAL_PARSES are kept)."""
    fresh = target_path / PARTIAL_PARSE_FILE.name
    if not fresh.exists():
        return
    _replace(fresh, PARTIAL_PARSE_CACHE / f"{_parse_key(settings)}.msgpack")
    if fresh.resolve() != PARTIAL_PARSE_FILE.resolve():
        _replace(fresh, PARTIAL_PARSE_FILE)
    kept = sorted(PARTIAL_PARSE_CACHE.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP_PARTIAL_PARSES:]:
        old.unlink(missing_ok=True)


def manifest_is_stale(project: Path = DBT_PROJECT_DIR) -> bool:
    """Whether the project's target/manifest.json is missing or older than one of its files. The
    definitions are made from the manifest: a node added since the last parse (after a `git pull`)
    would be unknown to them when dbt runs it, so a run parses first (`run`)."""
    try:
        parsed = (project / "target" / "manifest.json").stat().st_mtime_ns
    except FileNotFoundError:
        return True
    files = [project / name for name in ("dbt_project.yml", "packages.yml", "profiles.yml")]
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        files += (project / folder).rglob("*")
    return any(path.is_file() and path.stat().st_mtime_ns > parsed for path in files)


def dbt_executable() -> str:
    """The project's dbt command, installed beside this interpreter (the project's virtualenv)
    whatever PATH says: `wigan-dbt` (dbt_command.py: dbt without its interpreter's teardown); in a
    virtualenv installed before that command existed, its `dbt`; else `dbt` on PATH."""
    for name in ("wigan-dbt", "dbt"):
        command = Path(sys.executable).with_name(name)
        if command.exists():
            return str(command)
    return "dbt"


def parse() -> None:
    """`dbt parse` with the pipeline's profile and vars (writes dbt/target/manifest.json)."""
    settings = get_settings()
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--profiles-dir", ".", "--vars", dbt_vars()],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_env(settings)},
        check=True,
    )
    keep_partial_parse(settings, TARGET_DIR)


def main() -> int:
    """`parse`; overlapping locations, or a councils file that fails its schema, are reported (the
    latter also recorded in the run-status file) and the run that `make run` would start never
    starts."""
    if sys.argv[1:] != ["parse"]:
        sys.exit("usage: python -m dagster_project.defs.transform.invocation parse")
    try:
        settings = get_settings()
    except ConfigurationError as error:  # nothing is touched, not even the run-status file
        print(f"RUN NOT STARTED: {error}", file=sys.stderr)
        return 1
    try:
        get_councils_config()
    except ConfigurationError as error:
        from dagster_project.warehouse import record_run_status

        print(f"RUN NOT STARTED: the councils configuration is not valid.\n{error}", file=sys.stderr)
        record_run_status(settings, "none", False, f"configuration: {error}")
        return 1
    parse()
    return 0


if __name__ == "__main__":
    sys.exit(main())
