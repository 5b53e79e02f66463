"""Life expectancy at birth and directly standardised rates for many areas at once.

The same formulas as ``life_expectancy`` (Chiang II with Silcocks' variance) and ``dsr``
(Dobson limits), applied to a 2-D array with one row per area and one column per age band, so
a whole country's wards take one NumPy pass instead of one Python call each. The tests check
every result against the one-area functions, on the PHEindicatormethods fixtures and on random
areas.
"""

from __future__ import annotations

import numpy as np

from ._common import DEFAULT_CONFIDENCE, Confidence, as_array, check, confidence_levels, level_tag, z_value
from .life_expectancy import LE_MAX_CI_WIDTH, LE_MIN_POPULATION, LE_START_AGES
from .rates import byars_lower, byars_upper
from .standardised import DSR_MIN_EVENTS, ESP2013


def _rows(values, name: str, bands: int) -> np.ndarray:
    array = as_array(values, name)
    if array.ndim != 2 or array.shape[1] != bands:
        raise ValueError(f"{name}: needs one row per area and {bands} age-band columns (got shape {array.shape})")
    return array


def life_expectancy_at_birth(deaths, population, confidence: Confidence = DEFAULT_CONFIDENCE) -> dict:
    """Life expectancy at birth for each row (area) of ``deaths`` and ``population`` (areas x 20
    bands 0, 1-4, ..., 90+). Returns arrays ``value``, ``lower<tag>``/``upper<tag>`` and
    ``suppressed`` (None or the reason, the same reasons as ``life_expectancy``)."""
    deaths = _rows(deaths, "deaths", LE_START_AGES.size)
    population = _rows(population, "population", LE_START_AGES.size)
    check(deaths < 0, "life_expectancy: deaths must be >= 0")
    check(population < 0, "life_expectancy: population must be >= 0")
    # The one-area function's reasons, first match wins.
    reasons = np.full(deaths.shape[0], None, dtype=object)
    for bad, reason in reversed([
        (np.isnan(deaths).any(axis=1) | np.isnan(population).any(axis=1), "missing deaths or population"),
        ((population == 0).any(axis=1), "a band has zero population"),
        ((deaths > population).any(axis=1), "deaths exceed population in a band"),
        (np.nansum(population, axis=1) <= LE_MIN_POPULATION, f"total population {LE_MIN_POPULATION:,} or fewer"),
        (deaths[:, -1] == 0, "no deaths in the 90+ band"),
    ]):
        reasons[bad] = reason
    ok = reasons == None  # noqa: E711 (element-wise)
    # Valid stand-ins where withheld, so the arithmetic below raises no warnings.
    d = np.where(ok[:, None], deaths, 1.0)
    p = np.where(ok[:, None], population, 2.0)

    rate = d / p
    width = np.concatenate([np.broadcast_to(np.diff(LE_START_AGES), (d.shape[0], LE_START_AGES.size - 1)), 2 / rate[:, -1:]], axis=1)
    frac = np.where(LE_START_AGES == 0, 0.1, 0.5)
    q = np.where(d <= p / (width * frac), rate * width / (1 + rate * width * (1 - frac)), 1.0)
    q[:, -1] = 1.0
    alive = 100_000 * np.concatenate([np.ones((d.shape[0], 1)), np.cumprod(1 - q, axis=1)[:, :-1]], axis=1)
    died = alive * q
    years = width * (alive - died + frac * died)
    years[:, -1] = alive[:, -1] / rate[:, -1]
    # As in the one-area function: after a band where everyone dies, later ages have no one
    # alive and their expectancy is undefined (it does not reach the value at birth).
    with np.errstate(divide="ignore", invalid="ignore"):
        expectancy = np.cumsum(years[:, ::-1], axis=1)[:, ::-1] / alive
        var_q = np.where(died == 0, 0.0, q**2 * (1 - q) / d)
    next_e = np.concatenate([expectancy[:, 1:], np.zeros((d.shape[0], 1))], axis=1)
    weight = var_q * alive**2 * ((1 - frac) * width + next_e) ** 2
    weight[:, -1] = (alive[:, -1] / 2) ** 2 * 4 / (d[:, -1] * rate[:, -1] ** 2)
    se = np.sqrt(weight.sum(axis=1)) / alive[:, 0]
    at_birth = expectancy[:, 0]

    withheld = ~ok
    result = {"value": np.where(withheld | (z_value(0.95) * se > LE_MAX_CI_WIDTH / 2), np.nan, at_birth)}
    for level in confidence_levels(confidence):
        z = z_value(level)
        result[f"lower{level_tag(level)}"] = np.where(withheld, np.nan, at_birth - z * se)
        result[f"upper{level_tag(level)}"] = np.where(withheld, np.nan, at_birth + z * se)
    result["suppressed"] = reasons
    return result


def dsr_rates(x, n, stdpop=None, confidence: Confidence = DEFAULT_CONFIDENCE, multiplier: float = 100_000) -> dict:
    """Directly standardised rate with Dobson limits for each row (area) of ``x`` events and
    ``n`` population (areas x age bands; default standard ESP2013, 19 bands). Missing counts
    count as 0; value and limits are NaN below 10 events. Returns arrays ``total_count``,
    ``total_pop``, ``value`` and ``lower<tag>``/``upper<tag>``."""
    stdpop = ESP2013 if stdpop is None else np.ravel(as_array(stdpop, "stdpop"))
    x, n = _rows(x, "x", stdpop.size), _rows(n, "n", stdpop.size)
    check(np.isnan(n) | (n <= 0), "dsr: population n must be present and > 0")
    check(np.isnan(stdpop) | (stdpop < 0), "dsr: standard population must be present and >= 0")
    check(x < 0, "dsr: count x must be >= 0")
    x = np.nan_to_num(x)
    weight = stdpop / n
    events = x.sum(axis=1)
    withheld = events < DSR_MIN_EVENTS
    value = np.where(withheld, np.nan, (x * weight).sum(axis=1) / stdpop.sum() * multiplier)
    variance = (x * weight**2).sum(axis=1) / stdpop.sum() ** 2
    result = {"total_count": events, "total_pop": n.sum(axis=1), "value": value}
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(withheld, np.nan, np.sqrt(variance / events) * multiplier)
        for level in confidence_levels(confidence):
            result[f"lower{level_tag(level)}"] = value + scale * (byars_lower(events, level) - events)
            result[f"upper{level_tag(level)}"] = value + scale * (byars_upper(events, level) - events)
    return result
