"""Life expectancy: abridged Chiang II life table with Silcocks et al. (2001) variance.

The PHE Life Expectancy Calculator / ONS method (PHE `phe_life_expectancy`): 20 bands
0, 1-4, 5-9, ..., 85-89, 90+.
"""

from __future__ import annotations

import numpy as np

from ._common import (
    DEFAULT_CONFIDENCE,
    Confidence,
    as_array,
    check,
    confidence_levels,
    level_tag,
    z_value,
)

LE_START_AGES = np.array([0, 1] + list(range(5, 95, 5)), dtype=float)
#: Areas with this total population (person-years) or fewer are not calculated.
LE_MIN_POPULATION = 5000
#: The value alone is withheld when the 95% interval is wider than this (years).
LE_MAX_CI_WIDTH = 20


def _empty(reason: str, confidence, population, deaths) -> dict:
    nan = np.full(LE_START_AGES.size, np.nan)
    result = {"start_age": LE_START_AGES.copy(), "value": nan.copy()}
    for level in confidence_levels(confidence):
        result[f"lower{level_tag(level)}"] = nan.copy()
        result[f"upper{level_tag(level)}"] = nan.copy()
    result["pops_used"] = np.cumsum(population[::-1])[::-1]
    result["dths_used"] = np.cumsum(deaths[::-1])[::-1]
    result["suppressed"] = reason
    return result


def life_expectancy(deaths, population, confidence: Confidence = DEFAULT_CONFIDENCE) -> dict:
    """Life expectancy at each of the 20 start ages for one area.

    Returns arrays ``start_age``, ``value``, ``lower<tag>``/``upper<tag>``, ``pops_used``,
    ``dths_used`` (totals from that age up) and ``suppressed`` (None or the reason).
    Everything is NaN when the total population is 5,000 or less, a band has no
    population or more deaths than population, an input is missing, or the 90+ band has
    no deaths; ``value`` alone is NaN where the 95% interval is wider than 20 years.
    Raises ValueError for negative inputs or a wrong number of bands.
    """
    deaths = np.ravel(as_array(deaths, "deaths"))
    population = np.ravel(as_array(population, "population"))
    if deaths.size != LE_START_AGES.size or population.size != LE_START_AGES.size:
        raise ValueError(
            f"life_expectancy: needs 20 age bands 0, 1-4, 5-9, ..., 90+ "
            f"(got {deaths.size} deaths and {population.size} populations)"
        )
    check(deaths < 0, "life_expectancy: deaths must be >= 0")
    check(population < 0, "life_expectancy: population must be >= 0")
    if np.isnan(deaths).any() or np.isnan(population).any():
        return _empty("missing deaths or population", confidence, population, deaths)
    if (population == 0).any():
        return _empty("a band has zero population", confidence, population, deaths)
    if (deaths > population).any():
        return _empty("deaths exceed population in a band", confidence, population, deaths)
    if population.sum() <= LE_MIN_POPULATION:
        return _empty(f"total population {LE_MIN_POPULATION:,} or fewer", confidence, population, deaths)
    if deaths[-1] == 0:
        return _empty("no deaths in the 90+ band", confidence, population, deaths)

    rate = deaths / population
    width = np.append(np.diff(LE_START_AGES), 2 / rate[-1])
    frac = np.where(LE_START_AGES == 0, 0.1, 0.5)
    q = np.where(
        deaths <= population / (width * frac),
        rate * width / (1 + rate * width * (1 - frac)),
        1.0,
    )
    q[-1] = 1.0
    alive = 100_000 * np.concatenate([[1.0], np.cumprod(1 - q)[:-1]])
    died = alive * q
    next_alive = alive - died
    years = width * (next_alive + frac * died)
    years[-1] = alive[-1] / rate[-1]
    expectancy = np.cumsum(years[::-1])[::-1] / alive

    with np.errstate(divide="ignore", invalid="ignore"):
        var_q = np.where(died == 0, 0.0, q**2 * (1 - q) / deaths)
    next_e = np.append(expectancy[1:], 0.0)
    weight = var_q * alive**2 * ((1 - frac) * width + next_e) ** 2
    weight[-1] = (alive[-1] / 2) ** 2 * 4 / (deaths[-1] * rate[-1] ** 2)
    se = np.sqrt(np.cumsum(weight[::-1])[::-1] / alive**2)

    result = {
        "start_age": LE_START_AGES.copy(),
        "value": np.where(z_value(0.95) * se > LE_MAX_CI_WIDTH / 2, np.nan, expectancy),
    }
    for level in confidence_levels(confidence):
        z = z_value(level)
        result[f"lower{level_tag(level)}"] = expectancy - z * se
        result[f"upper{level_tag(level)}"] = expectancy + z * se
    result["pops_used"] = np.cumsum(population[::-1])[::-1]
    result["dths_used"] = np.cumsum(deaths[::-1])[::-1]
    result["suppressed"] = None
    return result
