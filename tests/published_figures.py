"""The publishers' own council figures, held out from the build: tests/fixtures/published/
council_reference_figures.csv, each row with the public repository, path and commit it was read
from (see the README there). The pipeline never reads these files."""

import csv
from pathlib import Path

FIGURES = Path(__file__).parent / "fixtures" / "published" / "council_reference_figures.csv"


def published(measure: str, period: str) -> dict[str, float]:
    """{council code: published value} for one measure and period; raises if none is held."""
    with FIGURES.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["measure"] == measure and row["period"] == period]
    if not rows:
        raise KeyError(f"{FIGURES.name}: no published figures for {measure} {period}")
    return {row["la_code"]: float(row["value"]) for row in rows}
