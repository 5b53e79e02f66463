"""Shared fixtures: a parsed dbt manifest, and the whole pipeline run on the bundled data."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pipeline_support import REPO, Paths, published_once  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """dagster-dbt loads dbt/target/manifest.json at import time: parse the project first."""
    from dagster_project.defs.transform.invocation import parse

    parse()
    return REPO / "dbt" / "target" / "manifest.json"


@pytest.fixture(scope="session")
def built(tmp_path_factory, dbt_manifest) -> Paths:
    """The bundled data's build (the session's one pipeline run; see published_once), in a
    temporary warehouse and site of its own."""
    return published_once(tmp_path_factory.mktemp("bundled"))
