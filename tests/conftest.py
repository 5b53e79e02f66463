"""Shared fixtures: a parsed dbt manifest, and the whole pipeline run on the bundled data; the
order and grouping in which test workers take the modules."""

import fcntl
import hashlib
import os
import tempfile
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pipeline_support import REPO, Paths, published_once  # noqa: E402


def _manifest_is_stale(manifest: Path) -> bool:
    """The manifest is missing, or older than a file of the dbt project or the councils' config."""
    if not manifest.exists():
        return True
    project = REPO / "dbt"
    sources = [p for folder in ("models", "seeds", "macros", "tests") for p in (project / folder).rglob("*") if p.is_file()]
    sources += [project / "dbt_project.yml", REPO / "config" / "councils.yml"]
    return max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """dagster-dbt loads dbt/target/manifest.json at import time: parse the project first, unless
    `make parse` already has (test workers running side by side must not rewrite it under each other)."""
    from dagster_project.defs.transform.invocation import parse

    manifest = REPO / "dbt" / "target" / "manifest.json"
    if _manifest_is_stale(manifest):
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with (manifest.parent / ".parse.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _manifest_is_stale(manifest):
                parse()
    return manifest


@pytest.fixture(scope="session")
def built(tmp_path_factory, dbt_manifest) -> Paths:
    """The bundled data's build (the session's one pipeline run; see published_once), in a
    temporary warehouse and site of its own."""
    return published_once(tmp_path_factory.mktemp("bundled"))


def pytest_configure(config):
    """Pipeline runs in tests (in this process or a subprocess) use Dagster's in-memory instance:
    `make test` exports the project's DAGSTER_HOME, whose SQLite event log costs a connection and a
    commit per event (about half a demo run's time) and would be shared by both test workers."""
    os.environ.pop("DAGSTER_HOME", None)
    # Every pipeline run of one test worker links dbt's candidate in one folder, so dbt's profile
    # is the same from run to run and dbt parses only what changed (a full parse costs about 3 s
    # of CPU a run). Runs sharing the folder take turns in their dbt step.
    # (xdist's workers inherit the controller's environment: each sets its own folder.)
    links = Path(tempfile.gettempdir()) / f"wigan-dbt-links-{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}"
    if os.environ.get("DBT_LINK_DIR", str(links)).startswith(str(links)):
        os.environ["DBT_LINK_DIR"] = str(links / os.environ.get("PYTEST_XDIST_WORKER", "main"))


# Modules that run whole pipelines, slowest first. `make test` runs `pytest -n 2 --dist loadfile
# --no-loadscope-reorder`: each worker takes one whole module at a time in this order (without
# --no-loadscope-reorder pytest-xdist would order modules by their number of tests instead).
# test_real_gm_series.py and test_site_honesty.py read the session's ten-council build that
# test_real_gm.py starts: they come late enough that the build is done when the other worker
# reaches them. test_real_data.py and test_real_switch.py come together, so that one worker's two
# switched builds run beside the other's fresh real build that both read.
SLOW_MODULES = [
    "test_real_gm.py", "test_write_audit_publish.py", "test_rerun_inputs.py", "test_hostile_pipeline.py",
    "test_councils.py", "test_real_data.py", "test_real_switch.py", "test_bad_input.py", "test_real_gm_series.py",
    "test_pipeline.py", "test_disclosure.py", "test_site_honesty.py", "test_site_browser.py",
]


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(SLOW_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_MODULES)))
