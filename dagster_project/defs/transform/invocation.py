"""How dbt is invoked, the same way by `make parse` and by the pipeline, so dbt's partial
parsing survives from one run to the next: a stable profile (the run's candidate warehouse is
reached through a fixed link beside the published one), the configured councils as the
`councils` var, and one partial-parse file in dbt/target that every run reads and refreshes.

    python -m dagster_project.defs.transform.invocation parse    # what `make parse` runs
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, ConfigurationError, Settings, get_councils_config, get_settings

PARTIAL_PARSE_FILE = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"


def dbt_database_link(settings: Settings) -> Path:
    """The fixed path dbt's profile names for this WAREHOUSE (a link to the run's candidate).
    It keeps the warehouse's file name, so DuckDB's catalog name is the same as today's."""
    return settings.warehouse.parent / f".{settings.warehouse.name}.dbt" / settings.warehouse.name


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


def link_candidate(settings: Settings, candidate: Path) -> None:
    """Point the profile's fixed path at this run's candidate warehouse (replacing any old link,
    and any write-ahead log a killed dbt left beside it)."""
    link = dbt_database_link(settings)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.with_name(link.name + ".wal").unlink(missing_ok=True)
    staged = link.with_name(link.name + ".new")
    staged.unlink(missing_ok=True)
    staged.symlink_to(candidate.resolve())
    os.replace(staged, link)


def keep_partial_parse(target_path: Path) -> None:
    """Copy the invocation's refreshed partial-parse file to dbt/target, where dagster-dbt
    takes the next invocation's copy from."""
    fresh = target_path / "partial_parse.msgpack"
    if fresh.exists() and fresh.resolve() != PARTIAL_PARSE_FILE.resolve():
        PARTIAL_PARSE_FILE.parent.mkdir(parents=True, exist_ok=True)
        staged = PARTIAL_PARSE_FILE.with_name(f"{PARTIAL_PARSE_FILE.name}.{os.getpid()}")
        shutil.copyfile(fresh, staged)
        os.replace(staged, PARTIAL_PARSE_FILE)


def parse() -> None:
    """`dbt parse` with the pipeline's profile and vars (writes dbt/target/manifest.json)."""
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt) if dbt.exists() else "dbt", "parse", "--quiet", "--profiles-dir", ".", "--vars", dbt_vars()],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_env(get_settings())},
        check=True,
    )


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
