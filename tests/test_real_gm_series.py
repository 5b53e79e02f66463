"""Held-out checks of the current series (issue 18) on the ten Greater Manchester councils of
../shared/real-gm: DWP council totals, Census 2021 disability, Census 2011 and 2021 household
deprivation on every ward, series reaching 2021, Trafford's health rows. Skips without the files.

The DWP and Census council figures are the publishers' own local-authority tables, held out in
tests/fixtures/published (each with the repository, path and commit it was read from). MSOAs nest
in councils, so a council's figure here is the sum of its MSOAs: it differs from DWP's table only
by DWP's disclosure control (0.17% at most in these ten councils)."""

import duckdb
import pytest

from pipeline_support import REPO, SHARED_REAL_GM, real_gm_once
from published_figures import published

pytestmark = pytest.mark.skipif(
    not SHARED_REAL_GM.is_dir(), reason=f"real Greater Manchester files not found at {SHARED_REAL_GM}"
)

COUNCILS = {
    "E08000001": "Bolton", "E08000002": "Bury", "E08000003": "Manchester", "E08000004": "Oldham",
    "E08000005": "Rochdale", "E08000006": "Salford", "E08000007": "Stockport", "E08000008": "Tameside",
    "E08000009": "Trafford", "E08000010": "Wigan",
}
DWP_UC_HOUSEHOLDS_NOV_2023 = published("uc_households", "2023-11")
DWP_CILIF_2021_22 = published("children_relative_low_income", "2021/22")
# ONS Census 2021 TS038 by council: % of usual residents disabled under the Equality Act.
CENSUS_2021_DISABLED_PERCENT = {
    code: 100 * disabled / published("usual_residents", "2021")[code]
    for code, disabled in published("disabled_equality_act", "2021").items()}


@pytest.fixture(scope="module")
def gm(tmp_path_factory, dbt_manifest):
    """The session's ten-council build (pipeline_support.real_gm_once), shared with test_real_gm."""
    paths = real_gm_once(tmp_path_factory.mktemp("real_gm_series"))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        yield con


def _council_numerators(con, indicator: str, period: str) -> dict[str, float]:
    return dict(con.execute(
        "select area_code, numerator from marts.fct_indicator_values "
        "where indicator_id = ? and period = ? and area_type = 'la'", [indicator, period]).fetchall())


@pytest.mark.parametrize("indicator, period, published", [
    ("uc_households", "2023-11", DWP_UC_HOUSEHOLDS_NOV_2023),
    ("children_relative_low_income", "2021/22", DWP_CILIF_2021_22),
])
def test_council_totals_agree_with_dwp_council_tables(gm, indicator, period, published):
    ours = _council_numerators(gm, indicator, period)
    assert set(ours) == set(published)
    for code, figure in published.items():
        assert abs(ours[code] - figure) <= 0.005 * figure, (COUNCILS[code], ours[code], figure)


def test_ward_estimates_sum_to_the_council_every_period(gm):
    gaps = gm.execute("""
        select indicator_id, period, la_code,
            sum(numerator) filter (where area_type = 'ward') - sum(numerator) filter (where area_type = 'la') as gap
        from marts.fct_indicator_values
        where indicator_id in ('uc_households', 'children_relative_low_income')
        group by all having abs(gap) > 1e-6""").fetchall()
    assert gaps == []


def test_disability_per_council_agrees_with_census_2021(gm):
    ours = dict(gm.execute("select area_code, value from marts.fct_indicator_values "
                           "where indicator_id = 'disability' and period = '2021' and area_type = 'la'").fetchall())
    assert set(ours) == set(COUNCILS) == set(CENSUS_2021_DISABLED_PERCENT)
    for code, figure in CENSUS_2021_DISABLED_PERCENT.items():
        assert abs(ours[code] - figure) <= 0.1, (COUNCILS[code], ours[code], figure)


def test_every_ward_has_disability_and_both_censuses_of_household_deprivation(gm):
    counts = dict(gm.execute("""
        select indicator_id || ' ' || period, count(distinct area_code) filter (where value is not null)
        from marts.fct_indicator_values
        where area_type = 'ward' and (indicator_id = 'disability' or indicator_id = 'households_deprived')
        group by all""").fetchall())
    assert counts == {"disability 2021": 215, "households_deprived 2011": 215, "households_deprived 2021": 215}


def test_household_deprivation_2011_and_2021_are_separate_series_each_with_its_gap(gm):
    """ONS: the 2021 variable is not comparable with 2011, so no change is tested across them."""
    segments = gm.execute("select period, segment_id from marts.fct_indicator_values "
                          "where indicator_id = 'households_deprived' group by all order by 1").fetchall()
    assert segments == [("2011", "households_deprived:2011"), ("2021", "households_deprived:2021")]
    changes = gm.execute("""
        select count(*) from intermediate.int_indicator_trends
        where indicator_id = 'households_deprived' and change_direction is not null""").fetchone()[0]
    assert changes == 0
    gaps = dict(gm.execute("""
        select period, count(distinct la_code) from marts.fct_inequality
        where indicator_id = 'households_deprived' and measure = 'quintile_gap' and value is not null
        group by 1""").fetchall())
    assert gaps == {"2011": 10, "2021": 10}


def test_at_least_two_ward_series_reach_2021_with_five_periods(gm):
    series = gm.execute("""
        select indicator_id from marts.fct_indicator_values
        where area_type = 'ward' and value is not null
        group by indicator_id
        having count(distinct period) >= 5 and max(period_end) >= date '2021-01-01'""").fetchall()
    assert {"uc_households", "children_relative_low_income"} <= {row[0] for row in series}


def test_trafford_wards_show_general_health_and_local_health(gm):
    (bad_health,) = gm.execute("""
        select count(distinct area_code) from marts.fct_indicator_values
        where indicator_id = 'bad_health' and period = '2021' and area_type = 'ward' and la_code = 'E08000009'
          and value is not null""").fetchone()
    assert bad_health == 21
    (localhealth,) = gm.execute("""
        select count(distinct ward_code) from marts.fct_ward_values_own_vintage
        where indicator_id = 'localhealth_male_life_expectancy_at_birth'""").fetchone()
    assert localhealth == 21


def test_universal_credit_is_never_judged_across_its_breaks(gm):
    segments = [row[0] for row in gm.execute(
        "select distinct segment_id from marts.fct_indicator_values where indicator_id = 'uc_households' order by 1").fetchall()]
    assert segments == ["uc_households:2015", "uc_households:2019", "uc_households:2020", "uc_households:2022"]
    judged = gm.execute("""
        select count(*) from marts.fct_indicator_values
        where indicator_id = 'uc_households' and (compared_to_la in ('Better', 'Worse') or trend like '%getting%')""").fetchone()[0]
    assert judged == 0


def _universal_credit_dates(stage: str) -> dict[str, tuple[str, str]]:
    """Seed universal_credit_dates for one stage: each council's (from, to) date or window."""
    import csv
    with (REPO / "dbt" / "seeds" / "universal_credit_dates.csv").open(encoding="utf-8", newline="") as handle:
        return {r["la_code"]: (r["known_date"] or r["unknown_from"], r["known_date"] or r["unknown_to"])
                for r in csv.DictReader(handle) if r["stage"] == stage}


def _break_windows(gm, break_id: str) -> dict[str, tuple[str, str]]:
    """Each council's window of one break, as the warehouse applies it."""
    return {code: (str(start), str(end)) for code, start, end in gm.execute("""
        select distinct la_code, break_from, break_to from intermediate.int_series_breaks
        where break_id = ? and la_code != '*'""", [break_id]).fetchall()}


def test_universal_credit_live_service_is_each_council_s_own_where_cited(gm):
    """A council with its own cited live-service date or window (seed universal_credit_dates) takes
    it; the others take the national window (row `*`), never another council's."""
    rows = _universal_credit_dates("live_service")
    breaks = _break_windows(gm, "uc_live_service")
    assert breaks == {code: rows.get(code, rows["*"]) for code in COUNCILS}
    assert sum(code in rows for code in COUNCILS) >= 3  # Wigan, Tameside and Oldham at least


def test_universal_credit_full_service_is_each_council_s_own_and_never_crossed(gm):
    """DWP's rollout schedule dates each council's move to full service (seed universal_credit_dates,
    months where the day is not recorded): every council takes its own dates, not the national
    window, and no claimant trend is tested on figures either side of them."""
    own = _universal_credit_dates("full_service")
    breaks = _break_windows(gm, "uc_full_service")
    assert breaks == {code: own[code] for code in COUNCILS}
    crossing = gm.execute("""
        select values.la_code, trends.indicator_id, trends.area_code, trends.period, trends.tested_from, trends.tested_to
        from intermediate.int_indicator_trends as trends
        inner join marts.fct_indicator_values as values using (indicator_id, area_code, period)
        inner join intermediate.int_series_breaks as breaks
            on breaks.indicator_id = trends.indicator_id and breaks.la_code = values.la_code
            and breaks.break_id = 'uc_full_service'
        where trends.tested_from < breaks.break_to and trends.tested_to >= date_trunc('month', breaks.break_from)
        union all
        select gaps.la_code, gaps.indicator_id, gaps.measure, gaps.period, gaps.gap_tested_from, councils.period_start
        from marts.fct_inequality as gaps
        inner join (select distinct indicator_id, la_code, period, period_start from marts.fct_indicator_values
                    where area_type = 'la') as councils using (indicator_id, la_code, period)
        inner join intermediate.int_series_breaks as breaks
            on breaks.indicator_id = gaps.indicator_id and breaks.la_code = gaps.la_code and breaks.break_id = 'uc_full_service'
        where gaps.gap_p_value is not null and gaps.gap_tested_from < breaks.break_to
          and councils.period_start >= date_trunc('month', breaks.break_from)""").fetchall()
    assert crossing == []
