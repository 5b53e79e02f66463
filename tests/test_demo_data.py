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
from dagster_project.methods import ESP2013_20_AGE_BANDS, ESP2013_AGE_BANDS, dsr, life_expectancy

REPO_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = REPO_ROOT / "data" / "raw"
REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real"
LOOKUP = demo_data.F_LOOKUP
FILE8 = (demo_data.F_IOD19_FILE8, demo_data.F_IOD25_FILE8)
IOD15 = demo_data.F_IOD15_LONG
HOUSEHOLDS = demo_data.F_HOUSEHOLD_DEPRIVATION
CLAIMANTS = demo_data.F_CLAIMANTS
MORTALITY = demo_data.F_MORTALITY
ADMISSIONS = demo_data.F_ADMISSIONS
LIFE_TABLE_BANDS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
ESP2013_BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
MORTALITY_PERIODS = ["2017-19", "2018-20", "2019-21", "2020-22", "2021-23"]
ADMISSION_PERIODS = ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]


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
    assert len(manifest["files"]) == 35
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
    assert compared == 13


@pytest.mark.parametrize("name, rows", [(IOD15, 6000), (HOUSEHOLDS, 1000), (CLAIMANTS, 200)])
def test_new_files_have_the_real_headers_and_row_counts(generated, manifest, name, rows):
    assert name in manifest["files"] and name in manifest["layouts"]
    demo = (generated / name).read_text().splitlines()
    assert len(demo) - 1 == rows
    real = _real_dir() / name
    assert demo[0] == real.read_text().split("\n", 1)[0]


def test_iod2015_long_layout(generated):
    lines = (generated / IOD15).read_text().splitlines()
    rows = _rows(generated / IOD15)[1:]
    domains = {label for label, _ in demo_data.IOD15_DOMAINS}
    assert Counter((r[0], r[1], r[3]) for r in rows) == {
        (code, m, d): 1 for code in demo_data.LSOA_CODES for m in ("Score", "Rank", "Decile") for d in domains}
    measures = [r[1] for r in rows]
    assert measures == ["Score"] * 2000 + ["Rank"] * 2000 + ["Decile"] * 2000  # as in the real file
    assert sum(1 for a, b in zip(rows, rows[1:]) if a[3] != b[3]) > 30, "domains should interleave in runs"
    for line, row in zip(lines[1:], rows):
        assert line.endswith('"Education, Skills and Training"') == (row[3] == "Education, Skills and Training")
        if row[1] == "Score":
            assert len(row[2].split(".")[1]) <= 3 and float(row[2]) == round(float(row[2]), 3), row
        else:
            assert row[2].endswith(".0") and float(row[2]).is_integer(), row


def test_iod2015_ranks_deciles_and_scores_agree(generated):
    values: dict[tuple[str, str], dict[str, float]] = {}
    for code, measure, value, domain in _rows(generated / IOD15)[1:]:
        values.setdefault((domain, measure), {})[code] = float(value)
    for label, _ in demo_data.IOD15_DOMAINS:
        score, rank, decile = (values[(label, m)] for m in ("Score", "Rank", "Decile"))
        assert len(set(rank.values())) == 200 and all(1 <= r <= 32_844 for r in rank.values()), label
        assert all(decile[c] == math.ceil(rank[c] * 10 / 32_844) for c in rank), label
        by_rank = sorted(rank, key=rank.get)
        assert [score[c] for c in by_rank] == sorted(score.values(), reverse=True), label  # rank 1 = highest
        if label in ("Income", "Employment", "Income Deprivation Affecting Children",
                     "Income Deprivation Affecting Older People"):
            assert all(0 < s < 1 for s in score.values()), label


def test_iod2015_tracks_iod2019(generated):
    score15 = {r[0]: float(r[2]) for r in _rows(generated / IOD15)[1:] if r[1] == "Score" and r[3] == "Income"}
    iod19 = _dicts(generated / demo_data.F_IOD19_SCORES)
    codes = [r["lsoa"] for r in iod19]
    rate19 = [float(r["income_score"]) / 100 for r in iod19]
    assert _spearman([score15[c] for c in codes], rate19) > 0.6
    assert 0.8 < sum(rate19) / sum(score15.values()) < 1.2  # a gentle trend, not a jump


def test_iod2015_values_within_real_ranges(generated):
    real, demo = {}, {}
    for target, path in ((real, _real_dir() / IOD15), (demo, generated / IOD15)):
        for _, measure, value, domain in _rows(path)[1:]:
            target.setdefault((measure, domain), []).append(float(value))
    assert set(demo) == set(real)
    for key, real_values in real.items():
        lo, hi = min(real_values), max(real_values)
        widen = 0.5 * (hi - lo)
        assert lo - widen <= min(demo[key]) and max(demo[key]) <= hi + widen, key


def test_household_deprivation_is_consistent(generated):
    rows = _rows(generated / HOUSEHOLDS)[1:]
    population = {r[0]: _int(r[4]) for r in _rows(generated / demo_data.F_IOD25_FILE6)[1:]}
    imd = {r["lsoa21_code"]: float(r["IMD_score"]) for r in _dicts(generated / demo_data.F_IOD25_SCORES)}
    deprived, shares = {}, []
    for start in range(0, len(rows), 5):
        group = rows[start:start + 5]
        code = group[0][0]
        assert [r[0] for r in group] == [code] * 5
        assert [r[1] for r in group] == ["0.0", "1.0", "2.0", "3.0", "4.0"]
        counts = [float(r[2]) for r in group]
        assert all(c.is_integer() and c >= 0 and r[2].endswith(".0") for c, r in zip(counts, group))
        households = sum(counts)
        assert 0.395 <= households / population[code] <= 0.455, code
        percents = [float(r[3]) for r in group]
        assert all(p == round(100 * c / households, 1) for p, c in zip(percents, counts)), code
        assert abs(sum(percents) - 100) <= 0.5, code
        deprived[code] = 1 - counts[0] / households
        shares.append((households, counts[0]))
    assert len(deprived) == 200
    borough = 1 - sum(c for _, c in shares) / sum(h for h, _ in shares)
    assert 0.45 < borough < 0.6
    codes = sorted(deprived)
    assert _spearman([deprived[c] for c in codes], [imd[c] for c in codes]) > 0.6


def test_claimant_counts(generated):
    rows = _dicts(generated / CLAIMANTS)
    assert {(r["Date"], r["Measure Type"], r["Unit"]) for r in rows} == {("2018-11", "count", "persons")}
    counts = {r["Geography"]: int(r["Value"]) for r in rows}
    assert all(r["Value"] == str(counts[r["Geography"]]) for r in rows)
    values = list(counts.values())
    assert min(values) == 0 and max(values) <= 120
    assert sum(1 <= v <= 4 for v in values) >= 3 and {1, 2, 3, 4} & set(values)  # small numbers to handle
    employment = {r["lsoa"]: float(r["employment_score"]) for r in _dicts(generated / demo_data.F_IOD19_SCORES)}
    codes = sorted(counts)
    assert _spearman([counts[c] for c in codes], [employment[c] for c in codes]) > 0.6


def test_lsoa_files_follow_lsoa_name_order_like_the_real_extracts(generated):
    names = {r["lsoa21cd"]: r["lsoa21nm"] for r in _dicts(generated / LOOKUP)}
    for name, column in ((HOUSEHOLDS, 0), (CLAIMANTS, 1)):
        codes = list(dict.fromkeys(r[column] for r in _rows(generated / name)[1:]))
        assert codes == sorted(codes, key=lambda c: (names[c], c)), name


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
    ward_level = {*demo_data.LOCAL_EXTRACTS, demo_data.F_CLAIMANTS_WARD17, demo_data.F_INSOLVENCIES,
                  demo_data.F_LOCALHEALTH, demo_data.F_UC_HOUSEHOLDS, demo_data.F_CILIF}  # ward- and MSOA-level
    for name in set(demo_data.LAYOUTS) - ward_level:  # the ward-level files are tested below
        code_column = {demo_data.F_IOD19_SCORES: 1, demo_data.F_CENSUS11: 2, demo_data.F_CENSUS21: 2,
                       CLAIMANTS: 1, demo_data.F_LOOKUP_OA11: 1, demo_data.F_LOOKUP_LSOA11_21: 1,
                       demo_data.F_POPULATIONS[2019]: 1, demo_data.F_POPULATIONS[2020]: 1, demo_data.F_LOOKUP_OA21: 1,
                       **dict.fromkeys(demo_data.F_POPULATIONS_21.values(), 1)}.get(name, 0)
        per_code = Counter(r[code_column] for r in _rows(generated / name)[1:])
        assert sorted(per_code) == codes and len(set(per_code.values())) == 1, name


def test_msoa_series_cover_every_msoa_and_period(generated):
    lookup = _dicts(generated / demo_data.F_LOOKUP_OA11)
    msoas = {r["msoa11cd"] for r in lookup}
    assert len(msoas) == 40 and Counter(r["msoa11cd"] for r in lookup).most_common(1)[0][1] == 5
    for name, periods in ((demo_data.F_UC_HOUSEHOLDS, 90), (demo_data.F_CILIF, 8)):
        rows = _dicts(generated / name)
        assert {r["msoa11cd"] for r in rows} == msoas, name
        assert len([c for c in rows[0] if c.endswith("Annotations")]) == periods, name


def test_2017_ward_series_cover_every_ward_and_period(generated):
    wards17 = {code for code, _ in demo_data.WARDS_2017}
    lookup = _dicts(generated / demo_data.F_LOOKUP17)
    assert {r["wd17cd"] for r in lookup} == wards17 and len(lookup) == 200
    split = {r["wd17cd"] for r in lookup} and Counter(r["wd17cd"] for r in lookup)
    assert set(split.values()) == {7, 8, 9}, "some 2017 wards must be divided between May-2023 wards"
    claimants = _dicts(generated / demo_data.F_CLAIMANTS_WARD17)
    assert Counter(r["date"] for r in claimants) == {f"{m}-01": 26 for m in demo_data.CLAIMANT_MONTHS}
    assert all(int(r["value"]) % 5 == 0 for r in claimants) and all(r["area_name"].endswith(" (Wigan)") for r in claimants
                                                                      if r["area_code"].startswith("E05"))
    insolvencies = _dicts(generated / demo_data.F_INSOLVENCIES)
    assert Counter(r["insolvency_type"] for r in insolvencies) == {"Bankruptcy": 25, "DRO": 25, "IVA": 25, "Total": 25}
    by_ward = {}
    for r in insolvencies:
        by_ward.setdefault(r["ward_code"], {})[r["insolvency_type"]] = r
    for rows in by_ward.values():
        for year in map(str, demo_data.INSOLVENCY_YEARS):
            assert int(rows["Total"][year]) == sum(int(rows[k][year]) for k in ("Bankruptcy", "DRO", "IVA"))
    population = _dicts(generated / demo_data.F_POPULATION_2016)
    for r in population:
        ages = [int(r[str(a)]) for a in range(90)] + [int(r["90+"])]
        assert float(r["total_pop"]) == sum(ages)
    assert any("e3" in r["total_pop"] for r in population), "R's scientific notation should occur, as in the real file"


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


# ------------------------------------------------------------------ (d) ward-level local extracts
@pytest.fixture(scope="module")
def ward_imd(generated) -> dict[str, float]:
    """May 2023 ward -> population-weighted IoD2025 IMD score of its LSOAs."""
    ward = {r["lsoa21cd"]: r["wd23cd"] for r in _dicts(generated / LOOKUP)}
    population = {r[0]: _int(r[4]) for r in _rows(generated / demo_data.F_IOD25_FILE6)[1:]}
    weighted, total = Counter(), Counter()
    for r in _dicts(generated / demo_data.F_IOD25_SCORES):
        code = r["lsoa21_code"]
        weighted[ward[code]] += float(r["IMD_score"]) * population[code]
        total[ward[code]] += population[code]
    return {w: weighted[w] / total[w] for w in total}


def _extremes(ward_imd) -> tuple[str, str]:
    """(most deprived, least deprived) ward codes."""
    return max(ward_imd, key=ward_imd.get), min(ward_imd, key=ward_imd.get)


def _by_band(rows, count: str, bands: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Counts and populations per band, summed over the rows (one ward, or every ward for the borough)."""
    totals = {b: [0, 0] for b in bands}
    for r in rows:
        totals[r["age_band"]][0] += int(r[count])
        totals[r["age_band"]][1] += int(r["population"])
    return tuple(np.array([totals[b][j] for b in bands], dtype=float) for j in (0, 1))


def _selected(rows, where: dict) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def _life_expectancy(rows, **where) -> float:
    result = life_expectancy(*_by_band(_selected(rows, where), "deaths", LIFE_TABLE_BANDS))
    assert result["suppressed"] is None, where
    return float(result["value"][0])


def _dsr(rows, **where) -> float:
    return float(dsr(*_by_band(_selected(rows, where), "admissions", ESP2013_BANDS))["value"])


def test_local_extracts_are_registered_as_local(generated, manifest):
    readme = (generated / "README.md").read_text()
    for name in (MORTALITY, ADMISSIONS):
        assert name in demo_data.LOCAL_EXTRACTS and name in manifest["files"]
        assert manifest["layouts"][name].startswith("Local-extract layout (no public national layout)")
    assert "## Local extracts" in readme and "not public files" in readme
    assert "Public Health Mortality file" in readme and "Hospital Episode Statistics" in readme


@pytest.mark.parametrize("name, header, rows", [
    (MORTALITY, "period,area_code,area_name,sex,age_band,deaths,population", 25 * 5 * 2 * 20),
    (ADMISSIONS, "period,area_code,area_name,age_band,admissions,population", 25 * 5 * 19),
])
def test_local_extract_headers_and_row_counts(generated, name, header, rows):
    lines = (generated / name).read_text().splitlines()
    assert lines[0] == header
    assert len(lines) - 1 == rows
    aspull = [line for line in lines if "E05014991" in line]
    assert aspull and all(',"Aspull, New Springs & Whelley",' in line for line in aspull)


def test_local_extract_bands_match_the_methods():
    assert tuple(LIFE_TABLE_BANDS) == ESP2013_20_AGE_BANDS and tuple(ESP2013_BANDS) == ESP2013_AGE_BANDS


def test_mortality_extract_is_complete_ordered_and_consistent(generated):
    rows = _dicts(generated / MORTALITY)
    wards = {code: name for code, name, _ in demo_data.WARDS}
    keys = [(r["period"], r["area_code"], r["sex"], r["age_band"]) for r in rows]
    assert keys == [(p, w, s, b) for p in MORTALITY_PERIODS for w in sorted(wards)
                    for s in ("Female", "Male") for b in LIFE_TABLE_BANDS]  # every key once, in order
    assert all(r["area_name"] == wards[r["area_code"]] for r in rows)
    deaths = [int(r["deaths"]) for r in rows]
    populations = [int(r["population"]) for r in rows]
    assert all(r["deaths"] == str(d) and r["population"] == str(n) for r, d, n in zip(rows, deaths, populations))
    assert all(0 <= d <= n and n > 0 for d, n in zip(deaths, populations))
    assert {0, 1, 2, 3, 4} <= set(deaths), "small counts (0-4) should occur"
    per_ward = Counter()
    for r in rows:
        per_ward[(r["period"], r["area_code"])] += int(r["population"])
    assert all(27_000 <= n <= 48_000 for n in per_ward.values())  # 3 x 9,000-16,000 residents
    for w in wards:
        sizes = [per_ward[(p, w)] for p in MORTALITY_PERIODS]
        assert all(0.97 < b / a < 1.03 for a, b in zip(sizes, sizes[1:])), w  # gentle change
    borough = {b: [0, 0] for b in LIFE_TABLE_BANDS}
    for r in rows:
        borough[r["age_band"]][0] += int(r["deaths"])
        borough[r["age_band"]][1] += int(r["population"])
    rate = {b: d / n for b, (d, n) in borough.items()}
    assert 0.002 < rate["0"] < 0.008 and rate["1-4"] < 0.0005 and 0.15 < rate["90+"] < 0.4
    assert all(rate[a] < rate[b] for a, b in zip(LIFE_TABLE_BANDS[7:], LIFE_TABLE_BANDS[8:]))  # rises from 30


def test_admissions_extract_is_complete_ordered_and_consistent(generated):
    rows = _dicts(generated / ADMISSIONS)
    wards = {code: name for code, name, _ in demo_data.WARDS}
    keys = [(r["period"], r["area_code"], r["age_band"]) for r in rows]
    assert keys == [(p, w, b) for p in ADMISSION_PERIODS for w in sorted(wards) for b in ESP2013_BANDS]
    assert all(r["area_name"] == wards[r["area_code"]] for r in rows)
    assert all(r[c] == str(int(r[c])) and int(r[c]) >= 0 for r in rows for c in ("admissions", "population"))
    totals = Counter()
    per_ward = Counter()
    for r in rows:
        totals[r["period"]] += int(r["admissions"])
        per_ward[(r["period"], r["area_code"])] += int(r["population"])
    assert all(9_000 <= n <= 16_000 for n in per_ward.values())
    assert 0.78 < totals["2020/21"] / totals["2019/20"] < 0.9  # the COVID dip
    assert 0.95 < totals["2023/24"] / totals["2019/20"] < 1.15
    rate = {}
    for band in ESP2013_BANDS:
        selected = [r for r in rows if r["age_band"] == band]
        rate[band] = sum(int(r["admissions"]) for r in selected) / sum(int(r["population"]) for r in selected)
    assert all(0.04 < v < 0.6 for v in rate.values()), rate
    assert rate["90+"] > 3 * rate["20-24"] and rate["0-4"] > rate["5-9"]


def test_the_extracts_share_their_populations(generated):
    """The 2021/22 admissions population is mid-2021, one of the years pooled in the mortality file."""
    mortality = Counter()
    for r in _dicts(generated / MORTALITY):
        if r["period"] in ("2019-21", "2020-22", "2021-23"):
            mortality[(r["period"], r["area_code"])] += int(r["population"])
    admissions = Counter()
    for r in _dicts(generated / ADMISSIONS):
        admissions[(r["period"], r["area_code"])] += int(r["population"])
    for code, _, _ in demo_data.WARDS:
        three_years = [mortality[(p, code)] for p in ("2019-21", "2020-22", "2021-23")]
        one_year = [admissions[(p, code)] for p in ("2019/20", "2020/21", "2021/22", "2022/23", "2023/24")]
        assert three_years == [sum(one_year[i:i + 3]) for i in range(3)], code


def test_life_expectancy_gap_is_plausible(generated, ward_imd):
    rows = _dicts(generated / MORTALITY)
    most, least = _extremes(ward_imd)
    for sex, (lo, hi), borough_range in (("Female", (74, 84), (80, 82.5)), ("Male", (71, 82), (77, 79.5))):
        deprived = _life_expectancy(rows, period="2021-23", area_code=most, sex=sex)
        affluent = _life_expectancy(rows, period="2021-23", area_code=least, sex=sex)
        assert lo <= deprived <= hi and lo <= affluent <= hi, (sex, deprived, affluent)
        assert 4 <= affluent - deprived <= 12, (sex, deprived, affluent)
        borough = _life_expectancy(rows, period="2021-23", sex=sex)
        assert borough_range[0] <= borough <= borough_range[1], (sex, borough)
        codes = sorted(ward_imd)
        le = [_life_expectancy(rows, period="2021-23", area_code=c, sex=sex) for c in codes]
        assert _spearman(le, [ward_imd[c] for c in codes]) < -0.6, sex


def test_admission_rates_are_plausible(generated, ward_imd):
    rows = _dicts(generated / ADMISSIONS)
    most, least = _extremes(ward_imd)
    for period in ADMISSION_PERIODS:
        deprived, affluent = _dsr(rows, period=period, area_code=most), _dsr(rows, period=period, area_code=least)
        assert 5_000 <= affluent < deprived <= 40_000, (period, deprived, affluent)
    codes = sorted(ward_imd)
    rates = [_dsr(rows, period="2023/24", area_code=c) for c in codes]
    assert _spearman(rates, [ward_imd[c] for c in codes]) > 0.6


def test_several_councils_in_one_regional_file(tmp_path):
    hashes = demo_data.generate(tmp_path, councils=3)
    lookup = _dicts(tmp_path / demo_data.file_name(LOOKUP, 3))
    assert demo_data.file_name(LOOKUP, 3).endswith("_3councils.csv") and set(hashes) == {
        demo_data.file_name(name, 3) for name in demo_data.LAYOUTS
    }
    by_council = Counter((row["lad23cd"], row["lad23nm"]) for row in lookup)
    assert by_council == {("E08000010", "Wigan"): 200, ("E08000001", "Bolton"): 200, ("E08000002", "Bury"): 200}
    assert len({row["lsoa21cd"] for row in lookup}) == 600  # LSOA codes are unique across councils
    wards = {(row["lad23cd"], row["wd23cd"]) for row in lookup}
    assert len(wards) == 75 and len({code for _, code in wards}) == 75
    # Council 1's wards are a different assignment of its LSOAs, with names of its own (one name,
    # demo_data.SHARED_WARD_NAME, repeats in every council, as real ward names do).
    wigan = [row["wd23nm"] for row in lookup[:200]]
    bolton = [row["wd23nm"] for row in lookup[200:400]]
    assert Counter(demo_data.council_ward_name(1, name) for name in wigan) == Counter(bolton)
    assert set(wigan) & set(bolton) == {demo_data.SHARED_WARD_NAME}
    assert [demo_data.council_ward_name(1, name) for name in wigan] != bolton
    # ... and neighbourhoods of their own: Bolton leans more deprived than Wigan, Bury less.
    scores = _rows(tmp_path / demo_data.file_name(demo_data.F_IOD25_SCORES, 3))
    header = scores[0]
    code, score = header.index("lsoa21_code"), header.index("IMD_score")
    council_of = {row["lsoa21cd"]: row["lad23nm"] for row in lookup}
    means = {}
    for row in scores[1:]:
        means.setdefault(council_of[row[code]], []).append(float(row[score]))
    means = {name: sum(v) / len(v) for name, v in means.items()}
    assert means["Bolton"] > means["Wigan"] > means["Bury"], means
    file8 = _rows(tmp_path / demo_data.file_name(demo_data.F_IOD19_FILE8, 3))
    assert len(file8) == 1 + 600 and {row[0] for row in file8[1:]} == {row["lsoa21cd"] for row in lookup}
    mortality = _dicts(tmp_path / demo_data.file_name(MORTALITY, 3))
    assert len({r["area_code"] for r in mortality}) == 75
