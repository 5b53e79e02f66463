"""The Dagster code location: ingest -> transform -> quality -> publish."""

import dagster as dg

from dagster_project.defs.ingest.assets import downloads, ingest
from dagster_project.defs.operations.sensors import sensors
from dagster_project.defs.publish.assets import published, site
from dagster_project.defs.quality.checks import quality_gates, quality_results
from dagster_project.defs.transform.assets import dbt_models, dbt_resource

full_refresh = dg.define_asset_job(
    "full_refresh",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(downloads),
    description="Ingest every source, build the marts, run every gate and publish the site.",
)

defs = dg.Definitions(
    assets=[ingest, downloads, dbt_models, quality_results, site, published],
    asset_checks=[quality_gates],
    jobs=[full_refresh],
    schedules=[
        dg.ScheduleDefinition(
            name="monthly_full_refresh", job=full_refresh, cron_schedule="0 6 1 * *",
            execution_timezone="Europe/London",
        )
    ],
    sensors=sensors,
    resources={"dbt": dbt_resource},
    # DuckDB admits one writer per file: every step runs in one process, in order.
    executor=dg.in_process_executor,
)
