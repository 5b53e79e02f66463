"""Acceptance on the real public releases in ../shared/real: the same code path as the demo."""

import csv

import duckdb
import pytest

from pipeline_support import SHARED_REAL, make_paths, run_pipeline

pytestmark = pytest.mark.skipif(
    not SHARED_REAL.is_dir(), reason=f"real extracts not found at {SHARED_REAL}; these acceptance tests need ../shared/real"
)


def _rows(name: str) -> list[dict]:
    with (SHARED_REAL / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def real(tmp_path_factory, dbt_manifest):
    paths = make_paths(tmp_path_factory.mktemp("real"), raw_source=SHARED_REAL)
    result, failures = run_pipeline(paths)
    assert result.success, "\n".join(failures)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        yield paths, con


def test_every_real_file_is_accepted_and_nothing_is_demonstration(real):
    _, con = real
    statuses = dict(con.execute("select file_name, status from audit.file_inventory").fetchall())
    assert {n for n, s in statuses.items() if s == "unknown"} == set()
    assert len([s for s in statuses.values() if s == "accepted"]) == 26
    assert con.execute("select count(*) from marts.fct_indicator_values where is_demo").fetchone()[0] == 0
    assert con.execute("select sum(rows_rejected) from audit.load_log").fetchone()[0] == 0


def test_borough_imd_2019_score_is_the_population_weighted_mean(real):
    _, con = real
    population = {
        r["LSOA code (2011)"]: int(r["Total population: mid 2015 (excluding prisoners)"].replace(",", ""))
        for r in _rows("iod2019_file6_population_denominators_wigan.csv")
    }
    scores = {r["lsoa"]: float(r["overall_local_score"]) for r in _rows("iod2019_scores_imd_income_employment_wigan_mysociety.csv")}
    expected = sum(scores[c] * population[c] for c in scores) / sum(population[c] for c in scores)
    (value,) = con.execute(
        "select value from marts.fct_indicator_values where indicator_id = 'imd_score' and area_type = 'la' and period = '2019'"
    ).fetchone()
    print(f"borough IMD 2019 score (population-weighted): {value:.3f}")
    assert value == pytest.approx(expected, abs=1e-9)
    assert 25 < value < 30


@pytest.mark.parametrize(
    ("period", "file_name", "column"),
    [
        ("2019", "iod2019_file1_imd_wigan.csv", "Index of Multiple Deprivation (IMD) Decile"),
        ("2025", "iod2025_lsoa21_scores_ranks_deciles_wigan.csv", "IMD_decile"),
    ],
)
def test_lsoas_in_englands_most_deprived_decile(real, period, file_name, column):
    _, con = real
    expected = sum(1 for r in _rows(file_name) if float(r[column]) == 1)
    (share,) = con.execute(
        "select value from marts.fct_indicator_values "
        "where indicator_id = 'most_deprived_decile_share' and area_type = 'la' and period = ?",
        [period],
    ).fetchone()
    print(f"Wigan LSOAs in England's most deprived decile, {period}: {round(share * 2)} of 200")
    assert round(share * 200 / 100) == expected


def test_ward_populations_sum_to_the_borough(real):
    _, con = real
    wards, borough_lsoas = con.execute(
        "select (select sum(population) from marts.dim_ward), "
        "(select sum(population_total) from intermediate.int_lsoa_populations where release = 'IoD2019')"
    ).fetchone()
    assert wards == borough_lsoas == 321839


def test_every_2023_ward_has_a_value_for_every_ward_indicator_and_release(real):
    _, con = real
    wards = [c for (c,) in con.execute("select ward_code from marts.dim_ward").fetchall()]
    assert sorted(wards) == [f"E0{n}" for n in range(5014989, 5015014)]
    missing = con.execute(
        """
        with releases as (
            select distinct indicator_id, period from marts.fct_indicator_values where area_type = 'ward'
        )
        select r.indicator_id, r.period, w.ward_code
        from releases r cross join marts.dim_ward w
        left join marts.fct_indicator_values v
            on v.indicator_id = r.indicator_id and v.period = r.period and v.area_code = w.ward_code
        where v.value is null and not coalesce(v.suppressed, false)
        """
    ).fetchall()
    assert missing == []
    releases = dict(con.execute(
        "select indicator_id, string_agg(distinct period, ',' order by period) from marts.fct_indicator_values "
        "where area_type = 'ward' group by 1"
    ).fetchall())
    assert releases["income_deprivation"] == "2015,2019,2025"
    assert releases["imd_score"] == "2015,2019,2025"
    assert releases["years_of_potential_life_lost"] == "2019,2025"


def test_2025_rates_without_denominators_are_labelled_and_have_no_interval(real):
    _, con = real
    rows = con.execute(
        "select method_note, lower_ci_95 from marts.fct_indicator_values "
        "where indicator_id = 'income_deprivation' and period = '2025'"
    ).fetchall()
    assert rows and all("publishes no denominator" in note and lower is None for note, lower in rows)


def test_the_2023_lookup_is_derived_from_boundaries(real):
    _, con = real
    methods = dict(con.execute("select method, count(*) from marts.bridge_lsoa_ward where lsoa_vintage = 2021 group by 1").fetchall())
    assert sum(methods.values()) == 200
    assert all(m.startswith("derived from boundaries") for m in methods)


def test_older_ward_series_stay_on_their_own_vintage(real):
    _, con = real
    vintages = con.execute("select distinct ward_vintage, count(distinct ward_code) from marts.fct_ward_values_own_vintage group by 1").fetchall()
    assert vintages == [(2017, 25)]
