"""Write-audit-publish storage: each run builds a candidate warehouse and site beside the
published ones, and only the publish step moves them into place with atomic renames, driven
by a journal so that a run killed half way through publishing is completed by the next one."""

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
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


class RunInProgress(RuntimeError):
    """Another pipeline run holds the warehouse lock."""


def candidate_warehouse_path(settings: Settings, run_id: str) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.candidate-{run_id[:8]}")


def candidate_site_path(settings: Settings, run_id: str) -> Path:
    return settings.site_dir.with_name(f"{settings.site_dir.name}.candidate-{run_id[:8]}")


def _journal_path(settings: Settings) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.publishing.json")


def run_status_path(settings: Settings) -> Path:
    """The monitoring record beside the site: last success, last failure and why."""
    return settings.site_dir.with_name(f"{settings.site_dir.name}.run-status.json")


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
    con.execute("set memory_limit = '2GB'")  # large loads spill to disk instead of growing
    try:
        yield con
    finally:
        con.close()


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _complete_publish(settings: Settings, journal: dict) -> None:
    """Carry out (or finish) the renames a journal describes; safe to repeat."""
    candidate_site, old_site = Path(journal["candidate_site"]), Path(journal["old_site"])
    candidate_db = Path(journal["candidate_warehouse"])
    if candidate_site.exists():
        if settings.site_dir.exists() and not old_site.exists():
            os.replace(settings.site_dir, old_site)
        os.replace(candidate_site, settings.site_dir)
    if candidate_db.exists():
        os.replace(candidate_db, settings.warehouse)
    if old_site.exists():
        shutil.rmtree(old_site)
    _journal_path(settings).unlink(missing_ok=True)


def publish(settings: Settings, run_id: str) -> None:
    """Move the candidate site and warehouse into place (journal first, then renames)."""
    candidate_db = candidate_warehouse_path(settings, run_id)
    candidate_site = candidate_site_path(settings, run_id)
    for required in (candidate_db, candidate_site):
        if not required.exists():
            raise FileNotFoundError(f"cannot publish: {required} was not built in this run")
    journal = {
        "run_id": run_id,
        "candidate_warehouse": str(candidate_db),
        "candidate_site": str(candidate_site),
        "old_site": str(settings.site_dir.with_name(f"{settings.site_dir.name}.previous-{run_id[:8]}")),
    }
    _atomic_write(_journal_path(settings), json.dumps(journal, indent=2))
    _complete_publish(settings, journal)


def recover(settings: Settings) -> str | None:
    """Finish a publish that a killed run had started; return what was done."""
    path = _journal_path(settings)
    if not path.exists():
        return None
    journal = json.loads(path.read_text(encoding="utf-8"))
    _complete_publish(settings, journal)
    return f"completed the publish of run {journal['run_id']} that was interrupted"


def discard_candidates(settings: Settings) -> list[Path]:
    """Remove candidates left by failed or killed runs (after finishing any interrupted publish)."""
    recover(settings)
    leftovers = [
        *settings.warehouse.parent.glob(f"{settings.warehouse.name}.candidate-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.candidate-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.previous-*"),
    ]
    for path in leftovers:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return leftovers


@contextmanager
def run_lock(settings: Settings, wait: bool = True):
    """One pipeline run at a time per warehouse: a second one waits (or raises RunInProgress)."""
    path = settings.warehouse.with_name(f"{settings.warehouse.name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            if not wait:
                raise RunInProgress(f"another pipeline run is using {settings.warehouse} ({holder})") from None
            print(f"another pipeline run is using {settings.warehouse} ({holder}); waiting for it to finish", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_run_status(settings: Settings, run_id: str, success: bool, why: str = "") -> dict:
    """Update the monitoring record beside the site with this run's outcome."""
    path = run_status_path(settings)
    status = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entry = {"run_id": run_id, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if success:
        status["last_success"] = entry
    else:
        status["last_failure"] = {**entry, "why": why}
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, json.dumps(status, indent=2, sort_keys=True) + "\n")
    return status
