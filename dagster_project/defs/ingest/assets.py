"""Ingest assets: one per registry source (group `ingest`), plus the registry itself."""

import os
from datetime import datetime, timezone

import dagster as dg

from dagster_project.defs.ingest.loader import inventory, load_source, write_registry
from dagster_project.defs.ingest.registry import Source, load_registry
from dagster_project.settings import get_settings
from dagster_project.warehouse import connect

SOURCES = load_registry()
REGISTRY_KEY = dg.AssetKey(["raw", "source_registry"])


def _run_started_at(context: dg.AssetExecutionContext) -> datetime:
    record = context.instance.get_run_record_by_id(context.run.run_id)
    started = record.start_time if record and record.start_time else None
    return datetime.fromtimestamp(started, tz=timezone.utc).replace(tzinfo=None) if started else datetime.now()


@dg.asset(key=REGISTRY_KEY, group_name="ingest", kinds={"duckdb", "yaml"})
def source_registry(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Every declared source (sources.yml) and an inventory of RAW_DIR; unknown files are reported."""
    settings = get_settings()
    with connect(settings, context.run.run_id) as con:
        count = write_registry(con, SOURCES)
        inventory(con, SOURCES, settings.raw_dir)
        not_taken = con.execute(
            "select file_name, status from audit.file_inventory "
            "where status not in ('accepted', 'documentation') order by file_name"
        ).fetchall()
    for name, status in not_taken:
        reason = "no source in the registry accepts this file" if status == "unknown" else status
        context.log.warning(f"{settings.raw_dir / name}: not loaded ({reason})")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": count, "files_not_loaded": dg.MetadataValue.json(dict(not_taken))}
    )


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", source.id]),
        group_name="ingest",
        description=f"{source.title} ({source.publisher}). Accepts {', '.join(source.files)}.",
        kinds={"duckdb", "csv"},
        metadata={"source_url": dg.MetadataValue.url(source.url), "licence": source.licence},
    )
    def _ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = get_settings()
        with connect(settings, context.run.run_id) as con:
            loads = load_source(con, source, settings.raw_dir, _run_started_at(context))
        read = sum(l.rows_read for l in loads)
        loaded = sum(l.rows_loaded for l in loads)
        rejected = sum(l.rows_rejected for l in loads)
        for load in loads:
            for r in load.rejections[:20]:
                context.log.warning(f"{load.file_name}: row {r.row_number}: column {r.column_name!r}: {r.reason} ({r.value!r})")
        if not loads:
            context.log.info(f"optional source {source.id!r} not supplied in {settings.raw_dir}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": loaded,
                "rows_read": read,
                "rows_loaded": loaded,
                "rows_rejected": rejected,
                "suppressed_cells": sum(l.suppressed_cells for l in loads),
                "blank_rows": sum(l.blank_rows for l in loads),
                "files": dg.MetadataValue.json({l.file_name: l.sha256 for l in loads}),
            }
        )

    return _ingest




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


ingest_assets = [source_registry, *(build_ingest_asset(s) for s in SOURCES.values())]
