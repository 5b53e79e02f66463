"""Fixtures for the statistical-methods tests: PHEindicatormethods reference data in ../shared/methods.

``@pytest.mark.shared_csv(NAME, keep=..., id=...)`` parametrises a test's ``row`` argument with
the rows of that CSV, each with its 1-based data-row number under ``"_row"`` (one skipped case
when the folder is absent). The ``shared`` fixture reads files and records every fixture row a
test validates; the per-method counts are printed at the end of the run.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import pytest

SHARED_METHODS = Path(__file__).resolve().parents[2].parent / "shared" / "methods"
_MATCHED: dict[str, set] = defaultdict(set)


def _read(name: str) -> list[dict] | None:
    path = SHARED_METHODS / name
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        return [{**row, "_row": i} for i, row in enumerate(csv.DictReader(handle), start=1)]


def _absent(name: str) -> str:
    return f"../shared/methods not found: {SHARED_METHODS / name} (reference fixtures are optional)"


class Shared:
    """Reading fixture files, parsing cells and recording matched rows."""

    @staticmethod
    def rows(name: str) -> list[dict]:
        rows = _read(name)
        if rows is None:
            pytest.skip(_absent(name))
        return rows

    @staticmethod
    def num(text: str | None) -> float:
        """Fixture cell to float: blank and NA are NaN."""
        return math.nan if text in (None, "", "NA") else float(text)

    def close(self, actual, expected: str, **tolerance) -> None:
        """Assert ``actual`` matches a fixture cell; a blank/NA cell expects a missing value."""
        want = self.num(expected)
        if math.isnan(want):
            assert actual is None or math.isnan(actual), f"expected missing, got {actual}"
        else:
            assert actual == pytest.approx(want, **tolerance)

    @staticmethod
    def record(method: str, fixture: str, row_id) -> None:
        """Count one fixture row as matched for ``method``."""
        _MATCHED[method].add((fixture, row_id))


@pytest.fixture
def shared() -> Shared:
    return Shared()


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "shared_csv(name, keep=None, id=None): parametrise `row` with a ../shared/methods CSV"
    )


def pytest_generate_tests(metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("shared_csv")
    if marker is None or "row" not in metafunc.fixturenames:
        return
    name = marker.args[0]
    rows = _read(name)
    if rows is None:
        skip = pytest.mark.skip(reason=_absent(name))
        metafunc.parametrize("row", [pytest.param(None, marks=skip, id="fixtures-absent")])
        return
    keep, label = marker.kwargs.get("keep"), marker.kwargs.get("id")
    rows = [r for r in rows if keep is None or keep(r)]
    metafunc.parametrize("row", rows, ids=[label(r) if label else str(i) for i, r in enumerate(rows)])


def pytest_terminal_summary(terminalreporter) -> None:
    if not _MATCHED:
        return
    terminalreporter.section("PHEindicatormethods fixture rows matched")
    for method in sorted(_MATCHED):
        files = sorted({f for f, _ in _MATCHED[method]})
        terminalreporter.write_line(f"{method:<36} {len(_MATCHED[method]):>4} rows  ({', '.join(files)})")
