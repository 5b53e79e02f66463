"""Publish assets: render the candidate site, then swap site and warehouse into place."""

import shutil

import dagster as dg

from dagster_project.settings import REPO_ROOT, SITE_SOURCE_DIR, get_settings
from dagster_project.warehouse import (
    candidate_site_path, close_held, ensure_candidate, publish_locked, run_lock, site_cache_path,
)

MART_TABLES = (
    "dim_ward", "bridge_lsoa_ward", "dim_indicator", "dim_mission", "bridge_mission_indicator",
    "dim_source", "fct_indicator_values", "fct_inequality", "fct_mission_progress",
)


@dg.asset(
    key="site",
    group_name="publish",
    deps=[*(dg.AssetKey(["marts", t]) for t in MART_TABLES), dg.AssetKey(["audit", "quality_results"])],
    kinds={"html"},
)
def site(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The static site rendered from site/pages into a candidate folder (not yet public), holding
    the run lock: the render cache belongs to the published site, and a run launched from Dagster
    (not `make run`, which holds the lock throughout) must not render into it while another run
    sharing SITE_DIR does."""
    from dagster_project.sitegen import build_site

    settings = get_settings()
    out_dir = candidate_site_path(settings, context.run.run_id)
    with run_lock(settings):
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        close_held()  # the site reads the candidate read-only (and forks its render workers)
        report = build_site(
            warehouse=ensure_candidate(settings, context.run.run_id),
            out_dir=out_dir,
            pages_dir=SITE_SOURCE_DIR / "pages",
            site_root=SITE_SOURCE_DIR,
            cache_dir=site_cache_path(settings),
            scratch_dir=out_dir.with_name(out_dir.name + ".search"),  # a candidate's: discarded after a kill
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": report.pages_written,
            "pages_written": report.pages_written,
            "pages_rendered": report.pages_rendered,
            "files_written": report.files_written,
            "bytes_written": report.bytes_written,
        }
    )


@dg.asset(key="published", group_name="publish", deps=["site"], kinds={"duckdb", "html"})
def published(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Moves the candidate warehouse and site into WAREHOUSE and SITE_DIR, only after every gate
    passed, holding the run lock (so a run launched from Dagster never publishes while `make run`
    or another run holds it: it waits)."""
    settings = get_settings()
    publish_locked(settings, context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "warehouse": str(settings.warehouse.relative_to(REPO_ROOT) if settings.warehouse.is_relative_to(REPO_ROOT) else settings.warehouse),
            "site": dg.MetadataValue.path(str(settings.site_dir / "index.html")),
        }
    )
