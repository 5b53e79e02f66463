"""England's published figures (data/reference/england_published_figures.csv): an input like any
other (registry source england_reference), each row with its provenance, and its values equal to
the England figures stated in ../shared/real-gm/README.md where both exist (skipped without it)."""

import csv
import re

import pytest

from dagster_project.defs.ingest.reader import read_file
from dagster_project.defs.ingest.registry import REFERENCE_DIR, load_registry
from pipeline_support import REPO

SOURCE = load_registry()["england_reference"]
FILE = REFERENCE_DIR / "england_published_figures.csv"
README_GM = REPO.parent / "shared" / "real-gm" / "README.md"
NATIONAL_IOD2025 = REPO.parent / "shared" / "real-gm" / "iod2025_lsoa21_scores_ranks_deciles_england.csv"


def _reference() -> dict[tuple[str, str], dict]:
    with FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {(r["indicator_id"], r["period"]): r for r in csv.DictReader(handle)}


def _readme_check(section: str, name: str) -> float:
    """A figure from the 'Checks' of one file's section of the Greater Manchester README."""
    text = README_GM.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return float(re.search(rf"^\s*- {name}: ([0-9.]+)$", body, re.M).group(1))


def test_the_reference_file_loads_through_the_registry_with_every_row_accepted():
    assert SOURCE.location == "reference" and SOURCE.folder(REPO / "data" / "raw") == REFERENCE_DIR
    load = read_file(SOURCE, FILE)
    assert load.rows_rejected == 0 and load.rows_loaded == len(_reference()) > 0


def test_every_row_names_its_publisher_table_url_release_and_why_the_definition_matches():
    with (REPO / "dbt" / "seeds" / "indicator_definitions.csv").open(encoding="utf-8", newline="") as handle:
        indicators = {r["indicator_id"]: r for r in csv.DictReader(handle)}
    for (indicator, period), row in _reference().items():
        # a proportion, or a share of LSOAs (each LSOA counted once, so a score with multiplier 100)
        assert indicator in indicators and (indicators[indicator]["value_type"] == "proportion"
                                            or indicator.endswith("_share")), indicator
        assert row["area_code"] == "E92000001" and re.fullmatch(r"\d{4}", period)
        assert re.fullmatch(r"https://\S+", row["url"]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["release_date"])
        assert re.fullmatch(r"[0-9a-f]{40}", row["source_commit"]) and row["source_repo"] and row["source_path"]
        assert row["publisher"] and row["table_name"] and row["derivation"]
        assert period in row["table_name"] and "denominator" in row["same_definition"], (indicator, period)


@pytest.mark.skipif(not README_GM.is_file(), reason=f"{README_GM} not found: nothing to compare the figures with")
@pytest.mark.parametrize(("indicator", "period", "section", "check", "deprived"), [
    ("disability", "2021", "census2021_disability_lsoa21_gm.csv", "england_pct_disabled", False),
    ("households_deprived", "2021", "census2021_household_deprivation_lsoa21_gm.csv", "england_pct_not_deprived", True),
    ("households_deprived", "2011", "census2011_household_deprivation_lsoa11_gm.csv", "england_pct_not_deprived", True),
])
def test_reference_values_equal_the_readme_s_england_figures(indicator, period, section, check, deprived):
    stated = _readme_check(section, check)
    expected = round(100 - stated, 2) if deprived else stated
    assert float(_reference()[(indicator, period)]["value"]) == pytest.approx(expected, abs=1e-9)


@pytest.mark.skipif(not NATIONAL_IOD2025.is_file(), reason=f"{NATIONAL_IOD2025} not found: nothing to count")
@pytest.mark.parametrize(("indicator", "column"), [
    ("most_deprived_decile_share", "IMD_decile"), ("income_most_deprived_share", "Income_decile"),
    ("health_most_deprived_share", "Health_decile"), ("education_most_deprived_share", "Education_decile"),
])
def test_reference_decile_shares_equal_the_count_in_the_national_file(indicator, column):
    with NATIONAL_IOD2025.open(encoding="utf-8-sig", newline="") as handle:
        deciles = [float(r[column]) for r in csv.DictReader(handle) if r["lsoa21_code"].startswith("E01")]
    share = 100 * sum(d == 1 for d in deciles) / len(deciles)
    row = _reference()[(indicator, "2025")]
    assert len(deciles) == 33755 and f"{sum(d == 1 for d in deciles):,} of" in row["derivation"]
    assert float(row["value"]) == pytest.approx(share, abs=5e-5)
