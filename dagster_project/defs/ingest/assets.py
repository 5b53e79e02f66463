"""Ingest: the registry and every source (group `ingest`), one asset each, all loaded in one
step (a multi-asset: a subset run loads only the selected sources), with the raw tables' quality
suites as its blocking checks."""

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.ingest import staging
from dagster_project.defs.ingest.loader import (
    commit_source, dataset_switched, demo_hashes, files_for, inventory, stage_source, write_registry,
)
from dagster_project.defs.ingest.reader import Digests, FileLoad, IngestError
from dagster_project.defs.ingest.registry import Source
from dagster_project.defs.parts import Parts
from dagster_project.defs.quality.checks import (
    PERIOD_SUITES, RAW_SUITES, check_key, check_spec, evaluated, previous_rows, report_stored,
)
from dagster_project.defs.quality.suites import raw_suite
from dagster_project.defs.sources import SOURCES
from dagster_project.inputs import as_of_month, concern_fingerprint
from dagster_project.settings import Settings, get_settings
from dagster_project.warehouse import connect

REGISTRY_KEY = dg.AssetKey(["raw", "source_registry"])
LOAD_THREADS = 2  # threads staging sources, beside the step's thread committing and checking them
# DuckDB's threads while they run: each query on the thread that asks it, as the sources staged at
# once already fill the cores (a parallel CSV read, aggregate or insert costs more CPU in all)
DUCKDB_THREADS = 1


def _run_started_at(context: dg.AssetExecutionContext) -> datetime:
    record = context.instance.get_run_record_by_id(context.run.run_id)
    started = record.start_time if record and record.start_time else None
    return datetime.fromtimestamp(started, tz=timezone.utc).replace(tzinfo=None) if started else datetime.now()


REGISTRY_SPEC = dg.AssetSpec(
    REGISTRY_KEY, group_name="ingest", kinds={"duckdb", "yaml"},
    description="Every declared source (sources.yml) and an inventory of RAW_DIR; unknown files are reported.",
)


def registry_result(context: dg.AssetExecutionContext, settings: Settings, digests: Digests) -> dg.MaterializeResult:
    """Write audit.source_registry and audit.file_inventory; warn of each file not loaded."""
    with connect(settings, context.run.run_id) as con:
        count = write_registry(con, SOURCES)
        inventory(con, SOURCES, settings.raw_dir, digests)
        not_taken = con.execute(
            "select file_name, status from audit.file_inventory "
            "where status not in ('accepted', 'documentation') order by file_name"
        ).fetchall()
    for name, status in not_taken:
        reason = "no source in the registry accepts this file" if status == "unknown" else status
        context.log.warning(f"{settings.raw_dir / name}: not loaded ({reason})")
    return dg.MaterializeResult(
        asset_key=REGISTRY_KEY,
        metadata={"dagster/row_count": count, "files_not_loaded": dg.MetadataValue.json(dict(not_taken))}
    )


# What a load depends on besides its files: the ingest code and registry.
_INGEST_CODE = concern_fingerprint("ingest")
# Bookkeeping for reruns, kept out of the published audit schema.
INGEST_STATE_DDL = (
    "create schema if not exists pipeline_state; "
    "create table if not exists pipeline_state.ingest (source_id varchar primary key, fingerprint varchar)"
)


def ingest_fingerprint(source: Source, raw_dir: Path, digests: Digests | None = None) -> str:
    """sha256 over the source's declaration, the ingest code, the month that decides which periods
    are in the future, and each accepted file's name, content hash and demonstration flag (kept in
    pipeline_state.ingest): equal fingerprints mean a reload would change nothing. `digests`: the
    step's file digests, shared."""
    demo, sha256 = demo_hashes(raw_dir), (digests or Digests()).of
    parts = [repr(source), _INGEST_CODE, as_of_month()]
    for path in files_for(source, raw_dir):
        digest = sha256(path)
        parts.append(f"{path.name}:{digest}:{demo.get(path.name) == digest}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _already_loaded(con, source: Source, fingerprint: str) -> bool:
    (stored,) = con.execute(
        "select any_value(fingerprint) from pipeline_state.ingest where source_id = ?", [source.id]
    ).fetchone()
    schema, table = source.table.split(".")
    (exists,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()
    return stored == fingerprint and exists == 1


def source_spec(source: Source) -> dg.AssetSpec:
    return dg.AssetSpec(
        dg.AssetKey(["raw", source.id]),
        group_name="ingest",
        description=f"{source.title} ({source.publisher}). Accepts {', '.join(source.files)}.",
        kinds={"duckdb", "csv"},
        metadata={"source_url": dg.MetadataValue.url(source.url), "licence": source.licence},
    )


@dataclass
class Staged:
    """A source's fingerprint and its files staged on its own cursor (`loads` None: the files
    are those already loaded)."""

    cursor: duckdb.DuckDBPyConnection
    fingerprint: str
    loads: list[FileLoad] | None


def stage(
    con: duckdb.DuckDBPyConnection, settings: Settings, source: Source, loaded_at: datetime, switched: Callable[[], bool],
    digests: Digests,
) -> Staged:
    """Fingerprint the source and, unless it says its files are those already loaded, stage them
    (loader.stage_source; `switched()`: loader.dataset_switched for this run; `digests`: the
    step's). Nothing published changes, so sources are staged at once, each on a cursor of its
    own, while `ingest_source` commits and checks those staged before."""
    fingerprint = ingest_fingerprint(source, settings.raw_dir, digests)
    if _already_loaded(con, source, fingerprint):
        return Staged(con, fingerprint, None)
    return Staged(con, fingerprint, stage_source(con, source, settings.raw_dir, loaded_at, switched=switched(), digests=digests))


def ingest_source(
    context: dg.AssetExecutionContext, settings: Settings, source: Source, staged: Future, loaded_at: datetime
) -> dg.MaterializeResult:
    """Commit the source's staged files (or report those already loaded), on its cursor."""
    key = dg.AssetKey(["raw", source.id])
    found: Staged = staged.result()
    con, fingerprint = found.cursor, found.fingerprint
    if found.loads is None:
        counts = con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_rejected), 0), coalesce(json_group_object(file_name, sha256), '{}') "
            "from audit.load_log where source_id = ?", [source.id]
        ).fetchone()
        return dg.MaterializeResult(
            asset_key=key,
            data_version=dg.DataVersion(fingerprint),
            metadata={
                "dagster/row_count": counts[2], "rows_read": counts[1], "rows_loaded": counts[2],
                "rows_rejected": counts[3], "reloaded": False,
                "files": dg.MetadataValue.json(json.loads(counts[4])),
            },
        )
    loads = commit_source(con, source, settings.raw_dir, found.loads, loaded_at)
    con.execute("insert or replace into pipeline_state.ingest values (?, ?)", [source.id, fingerprint])
    read = sum(l.rows_read for l in loads)
    loaded = sum(l.rows_loaded for l in loads)
    rejected = sum(l.rows_rejected for l in loads)
    for load in loads:
        for r in load.rejections[:20]:
            context.log.warning(f"{load.file_name}: row {r.row_number}: column {r.column_name!r}: {r.reason} ({r.value!r})")
    if not loads:
        context.log.info(f"optional source {source.id!r} not supplied in {settings.raw_dir}")
    return dg.MaterializeResult(
        asset_key=key,
        data_version=dg.DataVersion(fingerprint),
        metadata={
            "reloaded": True,
            "dagster/row_count": loaded,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "suppressed_cells": sum(l.suppressed_cells for l in loads),
            "blank_rows": sum(l.blank_rows for l in loads),
            "files": dg.MetadataValue.json({l.file_name: l.sha256 for l in loads}),
        }
    )


def _bytes(source: Source, raw_dir: Path) -> int:
    """The size of the files the source loads (`files_for`), to order the staging; 0 when they
    cannot be listed (staging the source then reports why)."""
    try:
        return sum(p.stat().st_size for p in files_for(source, raw_dir))
    except (IngestError, OSError):
        return 0


@contextmanager
def staging_ahead(
    context: dg.AssetExecutionContext, settings: Settings, sources: list[Source], loaded_at: datetime, digests: Digests
):
    """Each source staged (`stage`) on a cursor of its own by LOAD_THREADS threads while the caller
    commits and checks them in the registry's order: {source id: Future of Staged}. One thread
    takes the sources in that order, the others the largest files first, so that the caller never
    waits long and the last to finish are small. DuckDB and hashlib release the GIL; DuckDB runs
    DUCKDB_THREADS threads meanwhile. `digests`: the step's file digests, shared. On leaving,
    sources not started are cancelled, those started are waited for, every cursor is closed
    (dropping what was staged and not committed) and DuckDB's threads are put back."""
    with connect(settings, context.run.run_id) as con:
        con.execute(INGEST_STATE_DDL)
        (duckdb_threads,) = con.execute("select current_setting('threads')").fetchone()
        con.execute(f"set threads = {DUCKDB_THREADS}")
        switched = functools.cache(lambda: dataset_switched(settings.warehouse, settings.raw_dir))  # once, when needed
        cursors = {source.id: con.cursor() for source in sources}
        futures = {source.id: Future() for source in sources}
        size = {source.id: _bytes(source, settings.raw_dir) for source in sources}
        pending, lock = list(sources), threading.Lock()

        def work(first: bool) -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    source = pending[0] if first else max(pending, key=lambda s: size[s.id])
                    pending.remove(source)
                future = futures[source.id]
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(stage(cursors[source.id], settings, source, loaded_at, switched, digests))
                    except BaseException as error:
                        future.set_exception(error)

        threads = [threading.Thread(target=work, args=(n == 0,), name=f"ingest-{n}") for n in range(LOAD_THREADS)]
        for thread in threads:
            thread.start()
        try:
            yield futures
        finally:
            try:
                with lock:
                    pending.clear()
                for future in futures.values():
                    future.cancel()
                for thread in threads:
                    thread.join()
                for source in sources:
                    with suppress(duckdb.Error):
                        staging.drop(cursors[source.id], source)
                    cursors[source.id].close()
            finally:  # the connection may be held for the run's later steps
                con.execute(f"set threads = {duckdb_threads}")


@dg.multi_asset(
    name="ingest",
    specs=[REGISTRY_SPEC, *(source_spec(s) for s in SOURCES.values())],
    check_specs=[check_spec(suite) for suite in [*RAW_SUITES.values(), *PERIOD_SUITES.values()]],
    can_subset=True,
)
def ingest(context: dg.AssetExecutionContext):
    """The registry, then each selected source: loaded (or found unchanged), then its suites run
    (or report their stored results when it was unchanged). A source that fails to load has its
    suites skipped; the others go on, and the step fails at the end naming every failure; a
    critical expectation failed fails it too, so dbt never starts."""
    settings = get_settings()
    selected, checks, parts = context.selected_asset_keys, context.selected_asset_check_keys, Parts()
    published = functools.cache(lambda: previous_rows(settings, [s.table for s in SOURCES.values()]))

    def banded(source: Source):  # the source's suite with its band around the previous published load
        return raw_suite(source, published()[source.table])

    kept, results, loaded_at, digests = [], [], _run_started_at(context), Digests()
    loading = [s for s in SOURCES.values() if dg.AssetKey(["raw", s.id]) in selected]
    with staging_ahead(context, settings, loading, loaded_at, digests) as staged:
        if REGISTRY_KEY in selected:
            result = parts.run("source_registry", registry_result, context, settings, digests)
            if result is not None:
                yield result
        for source in SOURCES.values():
            unchanged = False  # a check selected without its source runs on the table as it is
            if source.id in staged:
                context.log.debug(f"ingesting {source.id}")
                loaded = parts.run(source.id, ingest_source, context, settings, source, staged[source.id], loaded_at)
                if loaded is None:
                    continue
                unchanged = loaded.metadata["reloaded"] is False
                kept += [source.id] if unchanged else []
                yield loaded
            for suite, checked in ((RAW_SUITES[source.id], functools.partial(banded, source)), (PERIOD_SUITES.get(source.id), None)):
                if suite is not None and check_key(suite) in checks:
                    result = parts.run(check_key(suite).name, evaluated, context, suite, unchanged, checked, raw=True)
                    if result is not None:
                        results.append(result)
                        yield result
    if kept:
        context.log.info(f"files unchanged since the last load, not re-ingested: {len(kept)} sources ({', '.join(kept)})")
    report_stored(context, results)
    parts.finish()


@dg.asset(key=dg.AssetKey(["raw", "downloads"]), group_name="ingest", kinds={"http"})
def downloads(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Downloads the registry's published files and runs its Nomis API queries into RAW_DIR (needs
    network; not part of the full refresh: materialize it by hand, or run `make fetch`).
    FETCH_MIRROR sets another base URL for the files, NOMIS_API for the queries."""
    from dagster_project.fetch import fetch

    results = fetch(get_settings().raw_dir, os.environ.get("FETCH_MIRROR"))
    failed = [f"{r.download.file}: {r.status}" for r in results if r.status.startswith("failed")]
    if failed:
        raise dg.Failure(description="some downloads failed; the previous files were kept", metadata={"failed": failed})
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(results), "files": dg.MetadataValue.json({r.download.file: r.status for r in results})}
    )


