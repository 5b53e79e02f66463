"""The synthetic demonstration data: reproducible, in the real layouts, and plausible."""

import csv
import hashlib
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dagster_project import demo_data

REPO_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = REPO_ROOT / "data" / "raw"
REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real"
LOOKUP = demo_data.F_LOOKUP
FILE8 = (demo_data.F_IOD19_FILE8, demo_data.F_IOD25_FILE8)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    demo_data.generate(out)
    return out


@pytest.fixture(scope="module")
def manifest(generated) -> dict:
    return json.loads((generated / "demo_manifest.json").read_text())


def _real_dir() -> Path:
    if not REAL_DIR.is_dir():
        pytest.skip(f"real extracts not found at {REAL_DIR}; layout and range checks need ../shared/real")
    return REAL_DIR


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _dicts(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _spearman(a, b) -> float:
    def ranks(x):
        x = np.asarray(x, dtype=float)
        order = x.argsort(kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for value in np.unique(x):  # average tied ranks
            tied = x == value
            r[tied] = r[tied].mean()
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


# ------------------------------------------------------------------ (a) reproducibility
def test_generate_returns_manifest_hashes(generated, manifest):
    assert manifest["generator"] == "dagster_project.demo_data"
    assert manifest["seed"] == demo_data.SEED
    assert len(manifest["files"]) == 9
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((generated / name).read_bytes()).hexdigest() == digest, name
    assert "TS067" in manifest["layouts"][demo_data.F_CENSUS11]


def test_committed_raw_data_is_reproduced_byte_for_byte(generated, manifest):
    expected = set(manifest["files"]) | {"README.md", "demo_manifest.json"}
    assert {p.name for p in generated.iterdir()} == expected
    missing = sorted(n for n in expected if not (RAW_DIR / n).is_file())
    assert not missing, f"missing from {RAW_DIR}: {missing}; run `python -m dagster_project.demo_data`"
    changed = sorted(n for n in expected if (RAW_DIR / n).read_bytes() != (generated / n).read_bytes())
    assert not changed, f"{RAW_DIR} differs from the generator for {changed}; rerun it and commit"


def test_files_are_plain_utf8_with_unix_line_endings(generated):
    for path in generated.iterdir():
        data = path.read_bytes()
        assert b"\r" not in data and data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf"), path.name
        data.decode("utf-8")


def test_readme_says_synthetic(generated, manifest):
    text = (generated / "README.md").read_text()
    assert "SYNTHETIC DEMONSTRATION DATA" in text and "python -m dagster_project.demo_data" in text
    assert "Open Government Licence v3.0" in text
    for name in manifest["files"]:
        assert name in text


# ------------------------------------------------------------------ (b) layouts
def test_headers_match_the_real_releases(generated, manifest):
    real = _real_dir()
    compared = 0
    for name in manifest["files"]:
        demo_header = (generated / name).read_text().split("\n", 1)[0]
        if name == LOOKUP:
            real_header = (real / "lookup_lsoa21_to_ward2022_bestfit_wigan.csv").read_text().split("\n", 1)[0]
            real_header = real_header.replace("22", "23")
        elif (real / name).is_file():
            real_header = (real / name).read_text().split("\n", 1)[0]
        else:
            continue
        assert demo_header == real_header, name
        compared += 1
    assert compared == 6


def test_thousands_separators_are_quoted_like_iod2019_file6(generated):
    for name in (demo_data.F_IOD19_FILE6, demo_data.F_IOD25_FILE6):
        lines = (generated / name).read_text().splitlines()
        assert '"' not in lines[0]
        for line in lines[1:]:
            row = next(csv.reader([line]))
            for cell in row[4:]:
                assert (f'"{cell}"' in line) == ("," in cell)
                assert cell == f"{_int(cell):,}"


# ------------------------------------------------------------------ (c) plausibility
def test_geography(generated):
    lookup = _dicts(generated / LOOKUP)
    codes = [r["lsoa21cd"] for r in lookup]
    assert codes == [f"E0100{n}" for n in range(6212, 6412)]
    wards = Counter((r["wd23cd"], r["wd23nm"]) for r in lookup)
    assert len(wards) == 25 and set(wards.values()) == {8}
    assert ("E05014991", "Aspull, New Springs & Whelley") in wards
    assert {(r["lad23cd"], r["lad23nm"]) for r in lookup} == {("E08000010", "Wigan")}
    positions: dict[str, list[int]] = {}
    for i, r in enumerate(lookup):
        positions.setdefault(r["wd23cd"], []).append(i)
    assert all(p[-1] - p[0] > 7 for p in positions.values()), "wards should not be contiguous code blocks"
    for name in demo_data.LAYOUTS:
        code_column = {demo_data.F_IOD19_SCORES: 1, demo_data.F_CENSUS11: 2, demo_data.F_CENSUS21: 2}.get(name, 0)
        rows = _rows(generated / name)[1:]
        assert sorted(r[code_column] for r in rows) == codes, name


def test_population_denominators_are_consistent(generated):
    for name in (demo_data.F_IOD19_FILE6, demo_data.F_IOD25_FILE6):
        for row in _rows(generated / name)[1:]:
            total, children, middle, older, working = (_int(c) for c in row[4:])
            assert total == children + middle + older, row
            assert 1000 <= total <= 3000, row
            assert 0.9 * middle <= working <= 1.25 * middle, row


def test_census_categories_sum_to_totals(generated):
    shares = {}
    for name, year in ((demo_data.F_CENSUS11, "2011"), (demo_data.F_CENSUS21, "2021")):
        rows = _rows(generated / name)[1:]
        for row in rows:
            assert row[0] == year and row[1].startswith("Wigan ")
            counts = [int(c) for c in row[3:]]
            assert counts[0] == sum(counts[1:]) and min(counts) >= 0, row
        shares[year] = sum(int(r[4]) for r in rows) / sum(int(r[3]) for r in rows)
    assert 0.1 < shares["2021"] < shares["2011"] < 0.4  # fewer residents without qualifications


def test_income_deprivation_tracks_the_imd(generated):
    for file8, file6, scores, key, score_key, score_col in (
        (demo_data.F_IOD19_FILE8, demo_data.F_IOD19_FILE6, demo_data.F_IOD19_SCORES,
         "lsoa11_code", "lsoa", "overall_local_score"),
        (demo_data.F_IOD25_FILE8, demo_data.F_IOD25_FILE6, demo_data.F_IOD25_SCORES,
         "lsoa21_code", "lsoa21_code", "IMD_score"),
    ):
        population = {r[0]: _int(r[4]) for r in _rows(generated / file6)[1:]}
        score = {r[score_key]: float(r[score_col]) for r in _dicts(generated / scores)}
        rows = _dicts(generated / file8)
        rate = [float(r["income_domain_numerator"]) / population[r[key]] for r in rows]
        assert _spearman(rate, [score[r[key]] for r in rows]) > 0.6, file8


def test_iod2025_deciles_follow_ranks(generated):
    for row in _dicts(generated / demo_data.F_IOD25_SCORES):
        for domain in demo_data.IOD25_DOMAINS:
            rank = float(row[f"{domain}_rank"])
            assert rank.is_integer() and 1 <= rank <= 33_755
            assert float(row[f"{domain}_decile"]) == math.ceil(rank / 3375.5)


def test_mysociety_scores_are_sorted_and_deciles_follow_scores(generated):
    rows = _dicts(generated / demo_data.F_IOD19_SCORES)
    scores = [float(r["overall_local_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    deciles = [int(r["original_decile"]) for r in rows]
    assert deciles == sorted(deciles) and set(deciles) <= set(range(1, 11))
    for r in rows:
        assert r["UK_IMD_E_score"] == r["overall_local_score"]
        assert r["E_expanded_decile"] == r["original_decile"]
        assert int(r["UK_IMD_E_pop_quintile"]) == math.ceil(int(r["UK_IMD_E_pop_decile"]) / 2)
        for col in ("income_score", "employment_score"):
            assert 0 < float(r[col]) < 100


@pytest.mark.parametrize("name", FILE8)
def test_file8_values_within_real_ranges(generated, name):
    real = _rows(_real_dir() / name)
    demo = _rows(generated / name)
    assert demo[0] == real[0]
    for j, column in enumerate(real[0][1:], start=1):
        real_values = [float(r[j]) for r in real[1:] if r[j] != ""]
        demo_values = [float(r[j]) for r in demo[1:] if r[j] != ""]
        lo, hi = min(real_values), max(real_values)
        widen = 0.5 * (hi - lo) if hi > lo else 0.5 * abs(hi)
        assert len(demo_values) >= 150, column
        assert lo - widen <= min(demo_values) and max(demo_values) <= hi + widen, column
