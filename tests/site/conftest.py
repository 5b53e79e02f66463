"""Fixtures: the small warehouses and the sites built from them (once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_fixture import PAGES, SITE_ROOT, make_warehouse


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    """With ward boundaries: choropleth maps and neighbouring wards."""
    return make_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def built_site(warehouse, tmp_path_factory):
    from dagster_project.sitegen import build_site

    out = tmp_path_factory.mktemp("site") / "out"
    report = build_site(warehouse=warehouse, out_dir=out, pages_dir=PAGES, site_root=SITE_ROOT)
    return out, report


@pytest.fixture(scope="session")
def hex_site(tmp_path_factory):
    """Without boundaries: hex cartogram maps, no neighbours."""
    from dagster_project.sitegen import build_site

    root = tmp_path_factory.mktemp("hex")
    warehouse = make_warehouse(root / "warehouse.duckdb", boundaries=False)
    out = root / "out"
    report = build_site(warehouse=warehouse, out_dir=out, pages_dir=PAGES, site_root=SITE_ROOT, search_index=False)
    return out, report
