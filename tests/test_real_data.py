"""Acceptance on the real public releases in ../shared/real: the same code path as the demo."""

import csv

import duckdb
import pytest

from disclosure_attack import attack, inequality_beside_withheld
from pipeline_support import SHARED_REAL, real_wigan_once

pytestmark = pytest.mark.skipif(
    not SHARED_REAL.is_dir(), reason=f"real extracts not found at {SHARED_REAL}; these acceptance tests need ../shared/real"
)


def _rows(name: str) -> list[dict]:
    with (SHARED_REAL / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def real(tmp_path_factory, dbt_manifest):
    """The session's real Wigan build (shared with test_real_switch.py: read only)."""
    paths = real_wigan_once(tmp_path_factory.mktemp("real"))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        yield paths, con


def test_every_real_file_is_accepted_and_nothing_is_demonstration(real):
    _, con = real
    statuses = dict(con.execute("select file_name, status from audit.file_inventory").fetchall())
    assert {n for n, s in statuses.items() if s == "unknown"} == set()
    assert len([s for s in statuses.values() if s == "accepted"]) == 32
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
        ("2025", "iod2025_lsoa21_scores_ranks_deciles_wigan.csv", "Income_decile"),
        ("2025", "iod2025_lsoa21_scores_ranks_deciles_wigan.csv", "Health_decile"),
        ("2025", "iod2025_lsoa21_scores_ranks_deciles_wigan.csv", "Education_decile"),
    ],
)
def test_lsoas_in_englands_most_deprived_decile(real, period, file_name, column):
    _, con = real
    expected = sum(1 for r in _rows(file_name) if float(r[column]) == 1)
    indicator = {"Income_decile": "income_most_deprived_share", "Health_decile": "health_most_deprived_share",
                 "Education_decile": "education_most_deprived_share"}.get(column, "most_deprived_decile_share")
    (share,) = con.execute(
        "select value from marts.fct_indicator_values "
        "where indicator_id = ? and area_type = 'la' and period = ?",
        [indicator, period],
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
        where v.value is null and coalesce(v.value_status, 'missing') not in ('withheld', 'bounded')
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


def test_the_official_2024_lookup_assigns_lsoas_to_today_s_wards(real):
    _, con = real
    methods = dict(con.execute("select method, count(*) from marts.bridge_lsoa_ward where lsoa_vintage = 2021 group by 1").fetchall())
    assert methods == {"official best-fit lookup (ONS LSOA 2021 to ward 2024)": 200}
    expected = {r["lsoa21_code"]: r["ward24_code"] for r in _rows("lookup_lsoa21_to_ward2024_bestfit_wigan.csv")}
    actual = dict(con.execute("select lsoa_code, ward_code from marts.bridge_lsoa_ward where lsoa_vintage = 2021").fetchall())
    assert actual == expected


def test_older_ward_series_stay_on_their_own_vintage(real):
    _, con = real
    vintages = con.execute("select distinct ward_vintage, count(distinct ward_code) from marts.fct_ward_values_own_vintage group by 1").fetchall()
    assert vintages == [(2017, 25)]


# --- real series (issue 10) -------------------------------------------------------------------


def _borough(con, indicator: str, period: str) -> tuple:
    return con.execute(
        "select numerator, denominator from marts.fct_indicator_values where indicator_id = ? and area_type = 'la' and period = ?",
        [indicator, period],
    ).fetchone()


@pytest.mark.parametrize(("month", "period"), [("2014-01-01", "2014-01"), ("2017-10-01", "2017-10")])
def test_the_district_claimant_count_is_the_published_one(real, month, period):
    _, con = real
    (expected,) = [int(r["value"]) for r in _rows("nomis_claimant_count_ward_monthly_2014_2017_wigan.csv")
                   if r["date"] == month and r["area_code"] == "E08000010"]
    numerator, _ = _borough(con, "claimant_rate_monthly", period)
    print(f"district claimant count {period}: {numerator:.0f}")
    assert numerator == expected


def test_the_lsoa_claimant_count_for_november_2018_is_the_sum_of_the_200_lsoas(real):
    _, con = real
    rows = [r for r in _rows("nomis_claimant_count_lsoa_snapshots_2017_2018_wigan.csv") if r["month"] == "2018-11"]
    assert len(rows) == 200
    numerator, _ = _borough(con, "claimant_count", "2018-11")
    assert numerator == sum(int(r["claimant_count"]) for r in rows)


@pytest.mark.parametrize("year", ["2012", "2022"])
def test_borough_insolvencies_are_the_sum_of_the_ward_totals(real, year):
    _, con = real
    expected = sum(int(r[year]) for r in _rows("individual_insolvencies_ward_annual_2012_2022_wigan.csv") if r["insolvency_type"] == "Total")
    numerator, _ = _borough(con, "insolvency_rate", year)
    print(f"individual insolvencies in Wigan, {year}: {numerator:.0f}")
    assert numerator == pytest.approx(expected, abs=1e-9)


def test_mid_2016_population_of_the_200_lsoas(real):
    _, con = real
    rows = _rows("population_mid2016_lsoa_syoa_wigan.csv")
    expected_total = sum(float(r["total_pop"]) for r in rows)
    expected_16_64 = sum(int(r[str(age)]) for r in rows for age in range(16, 65))
    total, by_age, working_age, lsoas = con.execute(
        "select sum(population_total), sum(population_sum_of_ages), sum(population_16_64), count(*) from staging.stg_ons__population_mid2016"
    ).fetchone()
    print(f"mid-2016 population of Wigan's 200 LSOAs: {total:,.0f} ({working_age:,} aged 16 to 64)")
    assert lsoas == 200 and total == expected_total == by_age and working_age == expected_16_64
    _, denominator = _borough(con, "claimant_rate_monthly", "2016-06")
    assert denominator == expected_16_64


def test_apportioned_ward_estimates_sum_to_the_2017_ward_total_every_period(real):
    _, con = real
    differences = con.execute(
        """
        with published as (
            select period, sum(claimants) as total from staging.stg_nomis__claimant_count_ward17 where area_type = 'ward' group by 1
        ), estimated as (
            select period, sum(numerator) as total from intermediate.int_ward17_apportioned
            where indicator_id = 'claimant_rate_monthly' group by 1
        )
        select count(*), max(abs(published.total - estimated.total)) from published join estimated using (period)
        where period not in (select period from staging.stg_nomis__claimant_count_lsoa)
        """
    ).fetchone()
    assert differences[0] == 44 and differences[1] < 1e-6
    # the two months with direct LSOA counts (September and October 2017) take those: one figure per
    # ward and month, the same as the claimant_count indicator's
    mismatched = con.execute(
        """
        select count(*) filter (where a.value is distinct from c.value), count(*)
        from marts.fct_indicator_values a
        join marts.fct_indicator_values c on c.indicator_id = 'claimant_count' and c.area_code = a.area_code
            and c.period = a.period
        where a.indicator_id = 'claimant_rate_monthly' and a.area_type = 'ward'
        """
    ).fetchone()
    assert mismatched == (0, 50)


def test_three_indicators_have_ten_comparable_periods_with_tested_trends_and_gaps(real):
    _, con = real
    rows = con.execute(
        """
        with series as (
            select indicator_id, segment_id, count(distinct period) as periods,
                count(distinct area_code) filter (where area_type = 'ward') as wards,
                count(*) filter (where trend_p_value is not null and area_type = 'ward') as tested_ward_trends,
                count(*) filter (where trend_p_value is not null and area_type = 'la') as tested_borough_trends
            from marts.fct_indicator_values group by all
        ), gaps as (
            select indicator_id, segment_id, gap_test_method, gap_p_value from marts.fct_inequality
            where measure = 'sii_quintiles' and gap_p_value is not null
        )
        select series.*, gaps.gap_test_method, gaps.gap_p_value
        from series join gaps using (indicator_id, segment_id)
        where periods >= 10 and wards = 25 and tested_ward_trends > 0 and tested_borough_trends = 1
        order by indicator_id
        """
    ).fetchall()
    for row in rows:
        print(row)
    # bankruptcy_rate has withheld wards in some years, so no inequality measure is published for
    # those council-periods (disclosure control) and fewer periods are tested
    assert {r[0] for r in rows} >= {"iva_rate"}
    # the monthly series is judged on yearly figures (3 full years: a change test, no trend), and
    # its gap by the same month of the first and latest years: never as if months were independent
    borough = con.execute(
        "select trend_method, change_method, window_from, window_to from intermediate.int_indicator_trends "
        "where indicator_id = 'claimant_rate_monthly' and area_code = 'E08000010'").fetchall()
    assert borough == [(None, "two-proportion z-test of the first and latest periods (yearly figures: 12-month averages "
                        "of monthly figures), 99.8% confidence", "the 12 months to October 2015", "the 12 months to October 2017")]
    gap = con.execute(
        "select gap_test_method from marts.fct_inequality where indicator_id = 'claimant_rate_monthly' "
        "and measure = 'sii_quintiles' and gap_p_value is not null").fetchall()
    assert gap and all(m.startswith("z-test of the change in the slope index of inequality between the same month") for (m,) in gap)


def test_childrens_income_deprivation_2019_is_bounded_not_biased(real):
    _, con = real
    value, lower, upper, status = con.execute(
        "select value, value_lower_bound, value_upper_bound, value_status from marts.fct_indicator_values "
        "where indicator_id = 'child_income_deprivation' and area_type = 'la' and period = '2019'"
    ).fetchone()
    print(f"children in income-deprived families, Wigan 2019: between {lower:.2f}% and {upper:.2f}%")
    assert value is None and status == "bounded"
    assert lower == pytest.approx(16.96, abs=0.005) and upper == pytest.approx(17.46, abs=0.005)
    bounded_wards = con.execute(
        "select count(*) from marts.fct_indicator_values where indicator_id = 'child_income_deprivation' "
        "and area_type = 'ward' and value_status = 'bounded' and value is null"
    ).fetchone()[0]
    assert bounded_wards > 0
    (sii_rows,) = con.execute(
        "select count(*) from marts.fct_inequality where indicator_id = 'child_income_deprivation' and measure like 'sii%'"
    ).fetchone()
    assert sii_rows == 0  # never computed from a range


def test_2025_figures_say_which_populations_weight_them(real):
    _, con = real
    notes = {n for (n,) in con.execute(
        "select distinct weight_note from marts.fct_indicator_values where indicator_id = 'imd_score' and period = '2025'"
    ).fetchall()}
    assert notes and all("mid-2015" in n and "not the publisher's own" in n for n in notes)


def test_healthy_life_expectancy_carries_the_publishers_own_comparison(real):
    _, con = real
    rows = con.execute(
        "select period, compared_to_england from marts.fct_indicator_values "
        "where indicator_id = 'healthy_life_expectancy_female' and area_type = 'la' order by period"
    ).fetchall()
    source = {r["period"]: r["significance"] for r in _rows("la_healthy_life_expectancy_wigan_england.csv")
              if r["area_code"] == "E08000010" and r["group"] == "Female"}
    assert rows and all(c == (source[p] if source[p] != "Not compared" else "Cannot be assessed") for p, c in rows)


def test_every_judgement_on_the_real_build_rests_on_a_test_within_one_series(real):
    from judgement_claims import unsupported_claims

    _, con = real
    assert {name: rows for name, rows in unsupported_claims(con).items() if rows} == {}
    statuses = con.execute("select status, count(*) from marts.fct_mission_progress group by 1 order by 1").fetchall()
    print("mission statuses on the real build:", statuses)
    assert sum(n for s, n in statuses if s != "cannot be assessed") >= 1
    # Wigan's claimant count crosses Universal Credit full service (18 April 2018): no claimant
    # status may rest on figures either side of it, and the break is the publisher's date
    breaks = con.execute(
        "select indicator_id, break_from from intermediate.int_series_breaks "
        "where la_code = 'E08000010' and break_id = 'uc_full_service'").fetchall()
    assert {i for i, _ in breaks} >= {"claimant_count", "claimant_rate", "claimant_rate_monthly"}
    assert {str(d) for _, d in breaks} == {"2018-04-18"}
    crossing = con.execute(
        "select indicator_id, status from marts.fct_mission_progress where indicator_id like 'claimant%' "
        "and status != 'cannot be assessed' and tested_from < date '2018-04-18' and tested_to >= date '2018-04-01'").fetchall()
    assert crossing == []


def test_the_real_site_states_the_judgements_of_the_warehouse(real):
    """Home, mission and indicator pages agree with fct_mission_progress on every status and gap verdict."""
    from judgement_claims import display_problems, page_disagreements

    from page_audit import audit

    paths, con = real
    assert page_disagreements(con, paths.site_dir) == []
    assert display_problems(con, paths.site_dir) == []
    fair = (paths.site_dir / "missions" / "fair_opportunities" / "index.html").read_text(encoding="utf-8")
    assert "17.0% to 17.5%" in fair  # children's income deprivation 2019, a range
    assert audit(paths.site_dir) == []  # captions say only what is drawn; every gap has its reason


def test_the_real_pages_fit_their_phone_budgets(real):
    """Home, the first and the longest ward page, the claimant indicator and a mission page at 390 x 844."""
    from page_budgets import CHROMIUM, page_budget_problems

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    pytest.importorskip("playwright.sync_api")
    assert page_budget_problems(real[0].site_dir) == []


def test_no_differencing_route_recovers_a_withheld_real_count(real):
    """The real insolvency series withhold small ward counts in several years: no route (totals,
    quantiles, ward range, a gap test or a ward trend of any period) draws on one of them."""
    paths, _ = real
    found, attacked = attack(paths.site_dir, paths.warehouse)
    assert attacked > 100
    assert found == []
    assert inequality_beside_withheld(paths.site_dir) == []


def test_ince_s_ward_page_shows_england_beside_the_ward(real):
    """England beside Ince and Wigan: the published Census 2021 figure, and the shares of LSOAs in
    England's most deprived tenth (overall, income, health, education) from the reference table,
    since the national IoD file is not supplied here; each names its publisher and the copy it
    was worked out from. The other IoD rows (population-weighted) get no England figure."""
    paths, con = real
    (ince,) = con.execute("select ward_code from marts.dim_ward where ward_name = 'Ince'").fetchone()
    page = paths.site_dir / "wards" / ince
    with (page / "latest.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["indicator_id"]: r for r in csv.DictReader(handle)}
    deprived = rows["households_deprived"]
    assert float(deprived["england_value"]) == pytest.approx(51.57)
    assert deprived["compared_with_england"].startswith(("Better", "Similar", "Worse"))
    shares = {"most_deprived_decile_share", "income_most_deprived_share", "health_most_deprived_share",
              "education_most_deprived_share"}
    assert {i for i, r in rows.items() if r["england_value"]} == {"households_deprived"} | shares
    assert {rows[i]["domain"] for i in shares} == {"deprivation", "income", "health", "skills"}
    for indicator in shares:
        assert float(rows[indicator]["england_value"]) == pytest.approx(100 * 3375 / 33755, abs=1e-4)
        assert "humaniverse/IMD data/imd2025_england_lsoa21.rda @ 2f6c905" in rows[indicator]["england_source"]
    html = (page / "index.html").read_text(encoding="utf-8")
    assert '<th scope="col" class="num">England</th>' in html and '<td class="num" data-label="England">51.6%</td>' in html
    assert "Ministry of Housing, Communities and Local Government, English Indices of Deprivation 2025" in html
