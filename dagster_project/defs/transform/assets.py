"""dbt models as Dagster assets (group `transform`), built in the run's candidate warehouse."""

import contextlib
import importlib.metadata
import os
from graphlib import TopologicalSorter
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from dagster_project.defs.quality.gx_runner import prepare_in_background
from dagster_project.defs.transform.incremental import (
    build_fingerprint, compact, last_build, record_build, stored_checks, tables_exist,
)
from dagster_project.defs.transform.invocation import (
    candidate_link, dbt_env, dbt_executable, dbt_vars, invocation_target, keep_partial_parse,
)
from dagster_project.retention import prune_dbt_invocations
from dagster_project.settings import DBT_PROJECT_DIR, get_settings
from dagster_project.warehouse import close_held, ensure_candidate

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class WarehouseTranslator(DagsterDbtTranslator):
    """Sources keep the ingest assets' keys (["raw", table]); models are [schema, name]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return "transform"


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, staging views, intermediate and mart tables, with their dbt tests (errors block)."""
    settings = get_settings()
    candidate = ensure_candidate(settings, context.run.run_id)
    close_held()  # dbt's own process writes the file
    # Selected models in dependency order (Dagster wants a multi-asset's outputs yielded so).
    selected = context.selected_asset_keys
    order = TopologicalSorter({k: context.assets_def.asset_deps.get(k, set()) & selected for k in selected}).static_order()
    relations = {context.assets_def.get_output_name_for_asset_key(k): tuple(k.path) for k in order}
    with duckdb.connect(str(candidate)) as con:
        fingerprint = build_fingerprint(con, dbt_vars())
        built, checks = stored_checks(con)
        selected_checks = {("/".join(k.asset_key.path), k.name) for k in context.selected_asset_check_keys}
        if (fingerprint and fingerprint == last_build(con) and tables_exist(con, list(relations.values()))
                and selected_checks <= checks.keys()):
            context.log.info(f"sources, dbt project and methods unchanged since the build of {built}: no model or "
                             f"test reruns; the {len(selected_checks)} dbt tests' results from that build are reported")
            for output, (schema, name) in relations.items():
                (rows,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
                yield dg.Output(None, output_name=output, metadata={"dagster/row_count": rows, "rebuilt": False})
            for asset, check in sorted(selected_checks):
                passed, severity = checks[(asset, check)]
                yield dg.AssetCheckResult(
                    asset_key=dg.AssetKey(asset.split("/")), check_name=check, passed=passed,
                    severity=dg.AssetCheckSeverity(severity), metadata={"result": f"stored from the build of {built} (unchanged inputs)"},
                )
            return
    prepare_in_background()  # GX's import, for the checks after dbt, while this process waits for dbt
    # A stable profile (a fixed link to the candidate) and vars keep dbt's partial parsing.
    os.environ.update(dbt_env(settings))
    # DuckDB admits one writer: row counts are read after dbt's process has finished.
    # A subset skips tests that also read an unselected model (a seed, say): it may not exist yet.
    subset_args = ["--indirect-selection", "buildable"] if context.is_subset else []
    os.environ["DBT_USE_COLORS"] = "false"  # its console lines go to a file, not a terminal
    # Unit tests check the models' code, not the data: `make test` runs them (test_pipeline.py), as
    # dbt advises, and a build skips them (a tenth of a demo run's time).
    code_only = ["--exclude-resource-type", "unit_test"]
    # Named as dagster-dbt names its own (<op>-<run id>-<random>): benchmarks find a run's results by it.
    target = invocation_target(settings, f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}")
    with candidate_link(settings, candidate):
        invocation = dbt.cli(["build", "--vars", dbt_vars(), *code_only, *subset_args], context=context, target_path=target)
        console = target / "console.log"
        context.log.info(f"dbt's progress lines: {console}; its full log: {target / 'dbt.log'}")
        try:  # dagster-dbt echoes every dbt event to stdout: to the file instead
            with console.open("w", encoding="utf-8") as echo, contextlib.redirect_stdout(echo):
                events = list(invocation.stream())
        finally:  # every invocation leaves a folder of artifacts and logs: keep the newest few
            prune_dbt_invocations(target.parent)
    keep_partial_parse(settings, target)
    results = []
    with duckdb.connect(str(candidate), read_only=True) as con:
        for event in events:
            if isinstance(event, dg.AssetCheckResult):
                results.append(("/".join(event.asset_key.path), event.check_name, event.passed, event.severity.value))
            if isinstance(event, dg.Output):
                schema, name = context.asset_key_for_output(event.output_name).path
                (rows,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
                event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
            yield event
    # After a full build the next run with the same fingerprint can skip it; after a subset, none can.
    with duckdb.connect(str(candidate)) as con:
        record_build(con, None if context.is_subset else fingerprint, results)
    if compact(candidate):
        context.log.info("rewrote the candidate warehouse without the space replaced tables left free")


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without the dbt adapter it builds in this process before each
    invocation (loading the profile, the project and the DuckDB plugin: 2-16 s on the 2-core
    machine). It serves only fetch_row_counts and fetch_column_metadata, which are not used:
    row counts are read from the warehouse after dbt's process has finished."""

    def _initialize_dbt_core_adapter(self, args):
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """dbt-core's version from this environment's package metadata. dagster-dbt would run
        `dbt --version` in a subprocess for it, once a run: dbt's imports, 2-2.5 s of every run
        at any scale. The project pins dbt-core (not the fusion engine) beside this interpreter."""
        return version.parse(importlib.metadata.version("dbt-core"))


dbt_resource = DbtCli(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
