"""Write-audit-publish storage: each run builds a candidate warehouse and site beside the
published ones, and only the publish step moves them into place (atomic renames)."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb

from dagster_project.settings import Settings

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.load_log (
    source_id varchar, file_name varchar, sha256 varchar, rows_read bigint,
    rows_loaded bigint, rows_rejected bigint, is_demo boolean, loaded_at timestamp
);
create table if not exists audit.rejected_rows (
    source_id varchar, file_name varchar, row_number bigint, column_name varchar,
    value varchar, reason varchar
);
create table if not exists audit.file_inventory (
    file_name varchar, sha256 varchar, source_id varchar, status varchar
);
create table if not exists audit.quality_results (
    suite varchar, table_name varchar, expectation varchar, column_name varchar,
    severity varchar, success boolean, observed varchar, details varchar
);
"""


def candidate_warehouse_path(settings: Settings, run_id: str) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.candidate-{run_id[:8]}")


def candidate_site_path(settings: Settings, run_id: str) -> Path:
    return settings.site_dir.with_name(f"{settings.site_dir.name}.candidate-{run_id[:8]}")


def ensure_candidate(settings: Settings, run_id: str) -> Path:
    """The run's candidate warehouse, started from a copy of the published one."""
    path = candidate_warehouse_path(settings, run_id)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        if settings.warehouse.exists():
            shutil.copyfile(settings.warehouse, partial)
        with duckdb.connect(str(partial)) as con:
            con.execute(AUDIT_DDL)
        os.replace(partial, path)
    return path


@contextmanager
def connect(settings: Settings, run_id: str, read_only: bool = False):
    con = duckdb.connect(str(ensure_candidate(settings, run_id)), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def publish(settings: Settings, run_id: str) -> None:
    """Move the candidate site and warehouse into place; the old site is removed last."""
    candidate_db = candidate_warehouse_path(settings, run_id)
    candidate_site = candidate_site_path(settings, run_id)
    for required in (candidate_db, candidate_site):
        if not required.exists():
            raise FileNotFoundError(f"cannot publish: {required} was not built in this run")
    old_site = settings.site_dir.with_name(f"{settings.site_dir.name}.previous-{run_id[:8]}")
    if settings.site_dir.exists():
        os.replace(settings.site_dir, old_site)
    os.replace(candidate_site, settings.site_dir)
    os.replace(candidate_db, settings.warehouse)
    if old_site.exists():
        shutil.rmtree(old_site)


def discard_candidates(settings: Settings) -> list[Path]:
    """Remove candidates left by failed or killed runs."""
    leftovers = [
        *settings.warehouse.parent.glob(f"{settings.warehouse.name}.candidate-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.candidate-*"),
    ]
    for path in leftovers:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return leftovers
