"""Write-audit-publish storage: each run builds a candidate warehouse and site beside the
published ones, and only the publish step moves them into place with atomic renames, driven
by a journal so that a run killed half way through publishing is completed by the next one."""

import fcntl
import json
import os
import shutil
from contextlib import ExitStack, contextmanager
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


_HELD: dict[Path, int] = {}  # run locks this process holds, and how many times (re-entrant)
_CANDIDATES: dict[Path, object] = {}  # candidate lock files this process holds open (runs in flight)


def candidate_warehouse_path(settings: Settings, run_id: str) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.candidate-{run_id[:8]}")


def candidate_site_path(settings: Settings, run_id: str) -> Path:
    return settings.site_dir.with_name(f"{settings.site_dir.name}.candidate-{run_id[:8]}")


def _journal_path(settings: Settings) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.publishing.json")


def run_status_path(settings: Settings) -> Path:
    """The monitoring record beside the site: last success, last failure and why."""
    return settings.site_dir.with_name(f"{settings.site_dir.name}.run-status.json")


def _candidate_lock_path(settings: Settings, run_id: str) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.candidate-{run_id[:8]}.lock")


def _hold_candidate(settings: Settings, run_id: str) -> None:
    """Mark this run's candidates as in flight: a lock held open by the process running the run
    (released when it ends, or dies), so that no other run discards them as left over."""
    path = _candidate_lock_path(settings, run_id)
    if path in _CANDIDATES:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunInProgress(f"run {run_id} is already being executed by another process ({path})") from None
    _CANDIDATES[path] = handle


def release_candidate(settings: Settings, run_id: str) -> None:
    """This process is done with the run: its candidates (if any are left) are no longer in flight."""
    close_held()
    path = _candidate_lock_path(settings, run_id)
    handle = _CANDIDATES.pop(path, None)
    if handle is not None:
        path.unlink(missing_ok=True)
        handle.close()


def _in_flight(lock: Path) -> bool:
    """Whether another process holds this candidate lock (its run is still going)."""
    if lock in _CANDIDATES or not lock.exists():
        return lock in _CANDIDATES
    return held_elsewhere(lock)


def held_elsewhere(lock: Path) -> bool:
    """Whether another process holds an exclusive flock on this existing file (it is still going)."""
    with lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def ensure_candidate(settings: Settings, run_id: str) -> Path:
    """The run's candidate warehouse, started from a copy of the published one."""
    _hold_candidate(settings, run_id)
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


_OPEN: dict[Path, duckdb.DuckDBPyConnection] = {}  # the candidate this process keeps open between steps


@contextmanager
def connect(settings: Settings, run_id: str, read_only: bool = False):
    """A connection to the run's candidate warehouse: a cursor on one connection that stays open
    from step to step (opening the file reads its whole catalogue: about 40 ms a step, 200 steps
    a run), until close_held(). A read-only use runs in a transaction that is rolled back."""
    path = ensure_candidate(settings, run_id)
    held = _OPEN.get(path)
    if held is None:
        close_held()
        held = _OPEN[path] = duckdb.connect(str(path))
        held.execute("set memory_limit = '2GB'")  # large loads spill to disk instead of growing
    con = held.cursor()
    try:
        if read_only:
            con.begin()
        yield con
    finally:
        if read_only:
            con.rollback()
        con.close()


def close_held() -> None:
    """Close the candidate connection kept open between steps: before dbt's process, the site
    build (read-only) or the publish open the file, and when the run ends."""
    while _OPEN:
        _OPEN.popitem()[1].close()


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)


def site_cache_path(settings: Settings) -> Path:
    """The site's render cache, kept between builds beside SITE_DIR: one per published site,
    so builds of different sites (or two at once) never share or prune each other's."""
    return settings.site_dir.with_name(f".{settings.site_dir.name}.cache")


def published_site_path(settings: Settings, run_id: str) -> Path:
    """Where a published site's files live; SITE_DIR is a symbolic link to it."""
    return settings.site_dir.with_name(f"{settings.site_dir.name}.published-{run_id[:8]}")


def _point_site_at(settings: Settings, target: Path) -> None:
    """Make SITE_DIR a symbolic link to `target` with one atomic rename, so that SITE_DIR always
    exists. A SITE_DIR that is still a real folder (from before links) is first moved aside:
    the only moment it is absent, once."""
    site = settings.site_dir
    if site.is_symlink() and os.readlink(site) == target.name:
        return
    if site.exists() and not site.is_symlink():
        os.replace(site, site.with_name(f"{site.name}.previous-{target.name.rsplit('-', 1)[-1]}"))
    link = site.with_name(f"{site.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(target.name, link)  # relative: the pair can be moved together
    os.replace(link, site)


def _complete_publish(settings: Settings, journal: dict) -> None:
    """Carry out (or finish) the steps a journal describes; safe to repeat after a kill at any
    point. SITE_DIR and WAREHOUSE each change with one atomic rename and are never absent; until
    the journal is gone the site may be the new one and the warehouse the old one, and the next
    start finishes the publish (the site's build-info.json names the run it shows)."""
    target = Path(journal.get("published_site") or published_site_path(settings, journal["run_id"]))
    candidate_site = Path(journal["candidate_site"])
    candidate_db = Path(journal["candidate_warehouse"])
    if candidate_site.exists():
        os.replace(candidate_site, target)
    if target.exists():
        _point_site_at(settings, target)
    if candidate_db.exists():
        os.replace(candidate_db, settings.warehouse)
    stale = [
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.published-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.previous-*"),
    ]
    for old in stale:
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    _journal_path(settings).unlink(missing_ok=True)


def publish(settings: Settings, run_id: str) -> None:
    """Move the candidate warehouse and site into place (journal first, then renames)."""
    candidate_db = candidate_warehouse_path(settings, run_id)
    candidate_site = candidate_site_path(settings, run_id)
    for required in (candidate_db, candidate_site):
        if not required.exists():
            raise FileNotFoundError(f"cannot publish: {required} was not built in this run")
    journal = {
        "run_id": run_id,
        "candidate_warehouse": str(candidate_db),
        "candidate_site": str(candidate_site),
        "published_site": str(published_site_path(settings, run_id)),
    }
    _atomic_write(_journal_path(settings), json.dumps(journal, indent=2))
    _complete_publish(settings, journal)


def publish_locked(settings: Settings, run_id: str, wait: bool = True) -> None:
    """Publish holding the run lock (the `published` asset's way): a run launched from Dagster
    waits while `make run` or another run holds it, and then releases its candidates."""
    close_held()
    with run_lock(settings, wait=wait):
        publish(settings, run_id)
    release_candidate(settings, run_id)


def recover(settings: Settings) -> str | None:
    """Finish a publish that a killed run had started; return what was done."""
    path = _journal_path(settings)
    if not path.exists():
        return None
    journal = json.loads(path.read_text(encoding="utf-8"))
    _complete_publish(settings, journal)
    return f"completed the publish of run {journal['run_id']} that was interrupted"


def discard_candidates(settings: Settings) -> list[Path]:
    """Remove candidates left by failed or killed runs (after finishing any interrupted publish).
    The candidates of a run still in flight (in this process or another: Dagster's sensor or
    schedule runs) are kept."""
    close_held()
    recover(settings)
    leftovers = [
        *settings.warehouse.parent.glob(f"{settings.warehouse.name}.candidate-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.candidate-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.previous-*"),
        *settings.site_dir.parent.glob(f"{settings.site_dir.name}.link-*"),
        *settings.warehouse.parent.glob(f"{_journal_path(settings).name}.partial"),
    ]
    removed = []
    for path in sorted(leftovers):
        run_prefix = path.name.rsplit("-", 1)[-1][:8]
        if ".candidate-" in path.name and _in_flight(_candidate_lock_path(settings, run_prefix)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def run_lock_paths(settings: Settings) -> list[Path]:
    """The run's locks: one per warehouse and one per published site (its candidates, its
    render cache and its publish), so two warehouses sharing one SITE_DIR take turns too.
    Sorted: every run takes them in the same order, so two runs never deadlock."""
    return sorted({settings.warehouse.with_name(f"{settings.warehouse.name}.lock"),
                   settings.site_dir.with_name(f".{settings.site_dir.name}.lock")})


@contextmanager
def run_lock(settings: Settings, wait: bool = True):
    """One pipeline run at a time per warehouse and per published site: a second one waits (or
    raises RunInProgress). `make run` holds it for its whole run, and the `published` asset
    takes it around the publish, so every way of running (make run, Dagster's UI, sensor or
    schedule) is covered. Re-entrant within one process."""
    with ExitStack() as stack:
        for path in run_lock_paths(settings):
            stack.enter_context(_file_lock(path, settings, wait))
        yield


@contextmanager
def _file_lock(path: Path, settings: Settings, wait: bool):
    if _HELD.get(path):
        _HELD[path] += 1
        try:
            yield
        finally:
            _HELD[path] -= 1
        return
    what = settings.warehouse if path.name.endswith(f"{settings.warehouse.name}.lock") else settings.site_dir
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as error:
        raise OSError(f"cannot write beside {what}: {path.parent} is not a writable folder ({error.strerror})") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            if not wait:
                raise RunInProgress(f"another pipeline run is using {what} ({holder})") from None
            print(f"another pipeline run is using {what} ({holder}); waiting for it to finish", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
        handle.flush()
        _HELD[path] = 1
        try:
            yield
        finally:
            _HELD.pop(path, None)
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_run_status(settings: Settings, run_id: str, success: bool, why: str = "") -> dict:
    """Update the monitoring record beside the site with this run's outcome; when the site's
    folder cannot be written (read-only, or not a folder), beside the warehouse instead, with a
    note in the entry saying so."""
    entry = {"run_id": run_id, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    fallback = settings.warehouse.with_name(f"{settings.warehouse.name}.run-status.json")
    for path in (run_status_path(settings), fallback):
        try:
            status = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            if success:
                status["last_success"] = entry
            else:
                status["last_failure"] = {**entry, "why": why}
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, json.dumps(status, indent=2, sort_keys=True) + "\n")
            return status
        except OSError as error:
            if path == fallback:
                raise
            entry["note"] = f"could not write {path}: {error}"
    raise AssertionError("unreachable")
