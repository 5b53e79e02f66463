"""What a data engineer sees in `dagster dev`: groups, descriptions, checks, schedule."""

import dagster as dg


def test_asset_graph_has_the_four_groups_and_continuous_lineage():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"ingest", "transform", "quality", "publish"}
    # dbt's sources are the ingest assets themselves: staging depends on ["raw", <source>].
    staging = graph.get(dg.AssetKey(["staging", "stg_iod2019__file8_indicators"]))
    assert dg.AssetKey(["raw", "iod2019_file8"]) in staging.parent_keys
    assert graph.get(dg.AssetKey(["raw", "iod2019_file8"])).group_name == "ingest"
    for key in graph.get_all_asset_keys():
        assert graph.get(key).description, f"{key} has no description"


def test_blocking_gx_checks_gate_raw_tables_and_marts():
    from dagster_project.defs.quality.checks import SUITE_NAMES
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    specs = {spec.key: spec for assets_def in graph.assets_defs for spec in assets_def.check_specs
             if spec.name.startswith("gx_")}
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "iod2019_file8"]), "gx_raw_iod2019_file8") in specs
    assert dg.AssetCheckKey(dg.AssetKey(["marts", "fct_indicator_values"]), "gx_fct_indicator_values") in specs
    assert specs.keys() <= graph.asset_check_keys
    assert sorted(key.name for key in specs) == sorted(f"gx_{name}" for name in SUITE_NAMES)  # every suite, once
    assert [key for key, spec in specs.items() if not spec.blocking] == []


def test_every_source_is_an_asset_and_the_run_has_few_steps():
    """Each source stays an asset of its own (visible, selectable), but one step loads them all
    with their suites, and one more step runs the marts' suites (Dagster's cost is per step)."""
    from dagster_project.defs.sources import SOURCES
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    raw = {dg.AssetKey(["raw", source]) for source in SOURCES}
    assert raw <= graph.get_all_asset_keys()
    assert {graph.get(key).assets_def.node_def.name for key in raw} == {"ingest"}
    steps = {node.name for node in defs.resolve_job_def("full_refresh").nodes}  # one step per node
    assert steps == {"ingest", "dbt_models", "quality_gates", "audit__quality_results", "site", "published"}


def test_monthly_schedule_runs_the_full_refresh():
    from dagster_project.definitions import defs

    schedule = defs.get_schedule_def("monthly_full_refresh")
    assert schedule.job_name == "full_refresh" and schedule.cron_schedule == "0 6 1 * *"
