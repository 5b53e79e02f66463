"""The many-areas functions (methods.grouped) against the one-area functions and the fixtures."""

import numpy as np
import pytest

from dagster_project.methods import dsr, life_expectancy
from dagster_project.methods.grouped import dsr_rates, life_expectancy_at_birth

FOUR_DP = {"abs": 5e-5}
KEYS = ("value", "lower95", "upper95", "lower998", "upper998")


def _random_areas(seed: int, areas: int, bands: int, scale: float):
    rng = np.random.default_rng(seed)
    population = rng.integers(50, 4000, size=(areas, bands)).astype(float)
    deaths = rng.binomial(population.astype(int), np.linspace(0.001, 0.3, bands) * scale).astype(float)
    return deaths, population


def test_life_expectancy_matches_one_area_function_on_random_areas():
    deaths, population = _random_areas(1, 400, 20, 1.0)
    deaths[0, -1] = 0  # no deaths at 90+
    population[1, 4] = 0  # an empty band
    deaths[2, 3] = population[2, 3] + 1  # more deaths than people
    deaths[3, 5] = np.nan  # missing
    population[4] = 200  # 4,000 people: too few
    population[5, :] = 300
    deaths[5, :] = 1  # few deaths everywhere: a very wide interval
    grouped = life_expectancy_at_birth(deaths, population)
    checked = {"value": 0, "withheld": 0}
    for i in range(deaths.shape[0]):
        one = life_expectancy(deaths[i], population[i])
        assert grouped["suppressed"][i] == one["suppressed"], i
        for key in KEYS:
            expected = one[key][0]
            if key != "value" and one["suppressed"] is not None:
                expected = np.nan
            assert grouped[key][i] == pytest.approx(expected, rel=1e-12, nan_ok=True), (i, key)
        checked["value" if not np.isnan(one["value"][0]) else "withheld"] += 1
    assert checked["value"] > 300 and checked["withheld"] >= 6


def test_life_expectancy_fixtures(shared):
    rows = shared.rows("LE_inline_df1_expected.csv")
    wide = shared.rows("LE_inline_widecis_expected.csv")
    areas = [rows] + [[r for r in wide if r["area"] == a] for a in dict.fromkeys(r["area"] for r in wide)]
    deaths = np.array([[shared.num(r["deaths"]) for r in area] for area in areas])
    population = np.array([[shared.num(r["pops"]) for r in area] for area in areas])
    result = life_expectancy_at_birth(deaths, population)
    for i, area in enumerate(areas):
        first = area[0]
        shared.close(result["value"][i], first["value"], **FOUR_DP)
        shared.close(result["lower95"][i] if not np.isnan(result["value"][i]) else np.nan,
                     first.get("lowercl", first.get("lower95_0cl")), **FOUR_DP)
        shared.record("life expectancy (Chiang II, grouped)", "LE fixtures", first["_row"])


def test_life_expectancy_needs_twenty_bands_per_area():
    with pytest.raises(ValueError, match="20 age-band columns"):
        life_expectancy_at_birth(np.ones((2, 19)), np.ones((2, 19)))


def test_dsr_matches_one_area_function_on_random_areas():
    events, population = _random_areas(2, 400, 19, 0.05)
    events[0] = 0  # no events: withheld
    events[1, :] = 0
    events[1, :9] = 1  # 9 events: withheld
    events[2, 3] = np.nan  # a missing count counts as 0
    grouped = dsr_rates(events, population)
    withheld = 0
    for i in range(events.shape[0]):
        one = dsr(events[i], population[i])
        for key in ("total_count", "total_pop", *KEYS):
            assert grouped[key][i] == pytest.approx(one[key], rel=1e-12, nan_ok=True), (i, key)
        withheld += np.isnan(one["value"])
    assert withheld == 2


def test_dsr_fixture_areas(shared):
    rows = shared.rows("testdata_DSR_ISR__testdata_multiarea.csv")
    expected = {r["area"]: r for r in shared.rows("testdata_DSR_ISR__testresults_DSR.csv")[4:] if r["area"] in {x["area"] for x in rows}}
    names = [name for name in dict.fromkeys(r["area"] for r in rows) if name in expected]
    x = np.array([[shared.num(r["count"]) for r in rows if r["area"] == name] for name in names])
    n = np.array([[shared.num(r["pop"]) for r in rows if r["area"] == name] for name in names])
    result = dsr_rates(x, n)
    for i, name in enumerate(names):
        for key, column in (("value", "value"), ("lower95", "lower95_0cl"), ("upper998", "upper99_8cl")):
            shared.close(float(result[key][i]), expected[name][column], rel=1e-9)
        shared.record("DSR (Dobson, grouped)", "testdata_DSR_ISR__testresults_DSR.csv", name)
    assert names


def test_dsr_refuses_a_missing_population():
    population = np.full((2, 19), 100.0)
    population[1, 4] = np.nan
    with pytest.raises(ValueError, match="population n must be present"):
        dsr_rates(np.ones((2, 19)), population)
