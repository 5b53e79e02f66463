import math

import numpy as np
import pytest

from dagster_project.methods import LE_START_AGES, life_expectancy

DF1 = "LE_inline_df1_expected.csv"
WIDE = "LE_inline_widecis_expected.csv"
FOUR_DP = {"abs": 5e-5}  # the package test compares at 4 decimal places


# --- hand-checked cases ------------------------------------------------------------------


def test_no_deaths_before_90():
    # No deaths below 90: everyone reaches 90, then e90 = 1/M = P/D = 2 years, so e0 = 92.
    # Only the 90+ band contributes variance: Var(e) = 4/(D*M^2) / 4 = 1/(D*M^2) = 1/(5000*0.25).
    deaths = np.zeros(20)
    deaths[-1] = 5000
    result = life_expectancy(deaths, np.full(20, 10_000.0))
    assert result["value"][0] == pytest.approx(92) and result["value"][-1] == pytest.approx(2)
    assert result["value"][-2] == pytest.approx(7)
    se = math.sqrt(1 / (5000 * 0.25))
    assert result["upper95"] - result["value"] == pytest.approx(np.full(20, 1.959964 * se), abs=1e-6)
    assert result["pops_used"][0] == 200_000 and result["dths_used"][-1] == 5000
    assert result["suppressed"] is None and set(result["start_age"]) == set(LE_START_AGES)


def test_small_population_is_suppressed():
    deaths = np.full(20, 1.0)
    result = life_expectancy(deaths, np.full(20, 250.0))  # total 5,000: not more than 5,000
    assert np.isnan(result["value"]).all() and np.isnan(result["lower998"]).all()
    assert result["suppressed"] == "total population 5,000 or fewer"
    assert result["pops_used"][0] == 5000


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d, p: d.__setitem__(19, 0), "no deaths in the 90+ band"),
        (lambda d, p: p.__setitem__(3, 0), "a band has zero population"),
        (lambda d, p: d.__setitem__(3, 2000), "deaths exceed population in a band"),
        (lambda d, p: d.__setitem__(3, np.nan), "missing deaths or population"),
    ],
)
def test_invalid_bands_are_suppressed(change, reason):
    deaths, population = np.full(20, 10.0), np.full(20, 1000.0)
    change(deaths, population)
    result = life_expectancy(deaths, population)
    assert result["suppressed"] == reason and np.isnan(result["value"]).all()


@pytest.mark.parametrize(
    ("deaths", "population", "message"),
    [
        (np.full(19, 1.0), np.full(19, 1000.0), "needs 20 age bands"),
        (np.r_[-1.0, np.ones(19)], np.full(20, 1000.0), "deaths must be >= 0"),
        (np.ones(20), np.r_[-1.0, np.full(19, 1000.0)], "population must be >= 0"),
    ],
)
def test_invalid_inputs_raise(deaths, population, message):
    with pytest.raises(ValueError, match=message):
        life_expectancy(deaths, population)


# --- PHEindicatormethods fixtures --------------------------------------------------------


def test_life_expectancy_fixture(shared):
    rows = shared.rows(DF1)
    result = life_expectancy([shared.num(r["deaths"]) for r in rows], [shared.num(r["pops"]) for r in rows])
    for i, row in enumerate(rows):
        assert result["start_age"][i] == shared.num(row["startage"])
        shared.close(result["value"][i], row["value"], **FOUR_DP)
        shared.close(result["lower95"][i], row["lowercl"], **FOUR_DP)
        shared.close(result["upper95"][i], row["uppercl"], **FOUR_DP)
        assert result["pops_used"][i] == shared.num(row["pops_used"])
        assert result["dths_used"][i] == shared.num(row["dths_used"])
        shared.record("life expectancy (Chiang II)", DF1, row["_row"])


@pytest.mark.parametrize("area", ["Area 1", "Area 2"])
def test_life_expectancy_suppression_fixture(area, shared):
    # Area 2: value withheld from age 40 up (95% CI wider than 20 years), limits kept.
    # Area 1: everything withheld (90+ deaths 312 > population 311).
    rows = [r for r in shared.rows(WIDE) if r["area"] == area]
    result = life_expectancy([shared.num(r["deaths"]) for r in rows], [shared.num(r["pops"]) for r in rows])
    for i, row in enumerate(rows):
        shared.close(result["value"][i], row["value"], **FOUR_DP)
        shared.close(result["lower95"][i], row["lower95_0cl"], **FOUR_DP)
        shared.close(result["upper95"][i], row["upper95_0cl"], **FOUR_DP)
        shared.record("life expectancy (Chiang II)", WIDE, row["_row"])
