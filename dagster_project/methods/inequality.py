"""Slope and relative index of inequality (Low & Low 2004; PHE `phe_sii`; OHID SII guide).

Quantile 1 is the most deprived. Each quantile's relative rank is the midpoint of its
share of the cumulative population; the value is regressed on rank by least squares
weighted by population share.

Limits: ``sii`` simulates them as PHE does (a seeded normal simulation, 10,000 draws).
``sii_matrix`` (and ``sii(limits="analytic")``) computes them for many areas at once from the
simulation's own distribution in closed form: each quantile's simulated value is
back(T(value) + SE·Z), whose mean and variance are taken by 40-point Gauss-Hermite quadrature
(exact for normal values); the SII is a fixed linear combination of them, so its limits are
mean ± z·SD; the RII is a ratio of two such combinations, whose limits are Fieller's (the exact
quantiles of the ratio of two correlated normals). Where that normal approximation is rough (a
rate's or proportion's SE above 0.3 on the log or logit scale, as with counts of a few events;
a value of 0 or 1; or an RII denominator within 5 SEs of 0) the area is simulated as ``sii``
does instead, with the same seeded draws, so its limits are exactly the simulation's.
Validation (tests/methods/test_methods_inequality.py): on every PHEindicatormethods SII/RII
fixture without ``transform`` the limits meet the same tolerance as the simulation (5% relative
or 3% of the interval width); against this module's simulation on random proportions the
median difference is about 0.4% (SII) and 0.6% (RII) of the interval width, less than two
simulations with different seeds differ (about 0.7%), and at most 5%; on the 20-council
England benchmark's 8,840 SII/RII rows the point estimates agree to 1e-10 and no gap verdict
changes. ``transform=True`` has no analytic form here.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from scipy.special import expit, logit

from ._common import (
    DEFAULT_CONFIDENCE,
    Confidence,
    as_array,
    check,
    confidence_levels,
    level_tag,
    z_value,
)

VALUE_TYPES = {0: "normal", 1: "rate", 2: "proportion"}
_TRANSFORMS = {
    "normal": (lambda v: v, lambda v: v),
    "rate": (np.log, np.exp),
    "proportion": (logit, expit),
}

DEFAULT_REPETITIONS = 10_000
DEFAULT_SEED = 20_240_501
ANALYTIC_MAX_SE = 0.3  # on the log or logit scale; above it, simulate
ANALYTIC_MIN_DENOMINATOR_Z = 5.0  # the RII's denominator at least this many SEs from 0; else simulate


def _value_type(value_type) -> str:
    kind = VALUE_TYPES.get(value_type, value_type)
    if kind not in _TRANSFORMS:
        raise ValueError(
            f"sii: value_type must be 0/'normal', 1/'rate' or 2/'proportion' (got {value_type!r})"
        )
    return kind


def _rank_design(population: np.ndarray) -> np.ndarray:
    """Design matrix [√a, b·√a] with a = population share and b = midpoint cumulative rank."""
    share = population / population.sum()
    rank = np.cumsum(share) - share / 2
    return np.column_stack([np.sqrt(share), rank * np.sqrt(share)])


@lru_cache(maxsize=16)
def _standard_normals(seed: int, repetitions: int, k: int) -> np.ndarray:
    """The seeded standard normal draws (read-only, shared): with a fixed seed every area's
    simulation uses the same draws, so they are made once (`normal(loc, scale)` is
    `loc + scale * standard_normal`, so the results are the same as drawing each time)."""
    draws = np.random.default_rng(seed).standard_normal((repetitions, k))
    draws.flags.writeable = False
    return draws


def _limit_positions(reps: int, level: float) -> tuple[int, int]:
    """Positions round(N(1 − cv)) and round(N·cv), 1-based, cv = c + (1 − c)/2 (0-based here)."""
    cv = level + (1 - level) / 2
    return max(int(np.round(reps * (1 - cv))), 1) - 1, min(int(np.round(reps * cv)), reps) - 1


def _simulated_limits(sims: np.ndarray, levels) -> dict[float, tuple[float, float]]:
    """The limits at each level: the elements the sorted simulations would hold at those
    positions (a partial sort puts exactly those elements in place; `sims` is reordered)."""
    positions = {level: _limit_positions(sims.size, level) for level in levels}
    sims.partition(sorted({p for pair in positions.values() for p in pair}))
    return {level: (float(sims[low]), float(sims[high])) for level, (low, high) in positions.items()}


def _moments(kind: str, centre: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of back(centre + se·Z), Z standard normal (probabilists' Gauss-Hermite)."""
    if kind == "normal":
        return centre, se**2
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    back = _TRANSFORMS[kind][1]
    with np.errstate(invalid="ignore", over="ignore"):
        values = back(centre[..., None] + se[..., None] * nodes)
        mean = values @ weights
        return mean, np.maximum((values - mean[..., None]) ** 2 @ weights, 0.0)


def sii_matrix(
    population,
    value,
    se,
    *,
    value_type=0,
    multiplier=1.0,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    repetitions: int = DEFAULT_REPETITIONS,
) -> dict[str, np.ndarray]:
    """SII, RII and intercept with analytic limits for many areas at once (simulating, as ``sii``
    does, only the areas where the closed form is rough: see the module's notes).

    Arrays of shape (areas, quantiles), columns in quantile order (1 = most deprived), values
    on their own scale and SEs on the log (rate) or logit (proportion) scale; ``multiplier`` a
    scalar or one per area. Returns arrays of one entry per area under ``sii``'s keys, and
    ``simulated`` (the areas whose limits were simulated); an area with
    a missing or non-positive population, or a missing value or SE, is NaN throughout.
    """
    kind = _value_type(value_type)
    population, value, se = (np.atleast_2d(np.asarray(a, float)) for a in (population, value, se))
    multiplier = np.broadcast_to(np.asarray(multiplier, float), population.shape[:1])
    usable = ~(np.isnan(population) | np.isnan(value) | np.isnan(se) | (population <= 0)).any(axis=1)
    share = population / population.sum(axis=1, keepdims=True)
    rank = np.cumsum(share, axis=1) - share / 2
    mean_rank = (share * rank).sum(axis=1, keepdims=True)
    slope = share * (rank - mean_rank)
    slope /= (slope * (rank - mean_rank)).sum(axis=1, keepdims=True)  # b1 = Σ slope·value
    level = share - mean_rank * slope  # b0 = Σ level·value
    b0, b1 = (level * value).sum(axis=1), (slope * value).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = _TRANSFORMS[kind][0](value)
        mean, variance = _moments(kind, centre, se)
        m0, m1 = (level * mean).sum(axis=1), (slope * mean).sum(axis=1)
        v00, v11, v01 = ((a * b * variance).sum(axis=1) for a, b in ((level, level), (slope, slope), (level, slope)))
        rii = (b0 + b1) / b0
        flip = multiplier < 0
        result = {"sii": b1 * multiplier, "rii": np.where(flip, 1 / rii, rii), "intercept": b0 * np.abs(multiplier)}
        top, vtt, vtb = m0 + m1, v00 + 2 * v01 + v11, v00 + v01  # RII = top / b0
        for confidence_level in confidence_levels(confidence):
            tag, z = level_tag(confidence_level), z_value(confidence_level)
            half = z * np.sqrt(v11)
            low, high = (m1 - half) * multiplier, (m1 + half) * multiplier
            result[f"sii_lower{tag}"], result[f"sii_upper{tag}"] = np.where(flip, high, low), np.where(flip, low, high)
            a, b, c = m0**2 - z**2 * v00, top * m0 - z**2 * vtb, top**2 - z**2 * vtt  # Fieller
            root = np.sqrt(b**2 - a * c)
            bounded = a > 0
            low, high = np.where(bounded, (b - root) / a, np.nan), np.where(bounded, (b + root) / a, np.nan)
            result[f"rii_lower{tag}"], result[f"rii_upper{tag}"] = np.where(flip, 1 / high, low), np.where(flip, 1 / low, high)
        rough = ~(np.isfinite(centre) & np.isfinite(se)).all(axis=1) | ~(np.abs(m0) >= ANALYTIC_MIN_DENOMINATOR_Z * np.sqrt(v00))
        if kind != "normal":
            rough |= (se > ANALYTIC_MAX_SE).any(axis=1)
    result = {key: np.where(usable, column, np.nan) for key, column in result.items()}
    result["simulated"] = usable & rough
    quantiles = np.arange(1, population.shape[1] + 1)
    for row in np.flatnonzero(result["simulated"]):
        simulated = sii(quantiles, population[row], value[row], se=se[row], value_type=kind,
                        multiplier=float(multiplier[row]), confidence=confidence, repetitions=repetitions)
        for key, column in result.items():
            if key != "simulated":
                column[row] = simulated[key]
    return result


def sii(
    quantile,
    population,
    value=None,
    *,
    x=None,
    se=None,
    lower95=None,
    upper95=None,
    value_type=0,
    transform: bool = False,
    multiplier: float = 1.0,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    repetitions: int = DEFAULT_REPETITIONS,
    seed: int | None = DEFAULT_SEED,
    n_quantiles: int | None = None,
    limits: str = "simulation",
) -> dict | None:
    """SII and RII with simulated limits for one area (PHE `phe_sii`).

    ``quantile`` 1 = most deprived; 5 to 100 quantiles. ``value`` (or ``x``/population
    for proportions) with either ``se`` or the 95% limits ``lower95``/``upper95``; the SE
    is (T(upper) − T(lower))/(2·1.959964) on the log (rate) or logit (proportion) scale.
    ``transform=True`` fits on that scale (rates and proportions, limits required).
    SII is the fitted value at rank 1 minus rank 0 (times ``multiplier``), RII their ratio
    (inverted for a negative multiplier), ``intercept`` the fitted value at rank 0 (times
    ``|multiplier|``). Keys: sii, rii, intercept, sii_lower95 ... rii_upper998, repetitions.

    Returns None when any quantile lacks a population (or has 0), value or SE/limits, or, given
    ``n_quantiles``, when any of quantiles 1..n_quantiles has no row (the area is not
    computed); raises ValueError for invalid input. Seeded, so reproducible. ``limits="analytic"``
    gives ``sii_matrix``'s closed-form limits instead of simulating (``repetitions`` is then None).
    """
    kind = _value_type(value_type)
    fwd, back = _TRANSFORMS[kind]
    quantile = np.ravel(as_array(quantile, "quantile"))
    order = np.argsort(quantile, kind="stable")
    quantile = quantile[order]
    k = quantile.size

    def column(values, name):
        return None if values is None else np.ravel(as_array(values, name))[order]

    population, x, value = column(population, "population"), column(x, "x"), column(value, "value")
    se, lower, upper = column(se, "se"), column(lower95, "lower95"), column(upper95, "upper95")

    if np.unique(quantile).size != k or np.isnan(quantile).any():
        raise ValueError("sii: quantiles must be distinct and present (one row per quantile)")
    if n_quantiles is not None:
        check(~np.isin(quantile, np.arange(1, n_quantiles + 1)), f"sii: quantiles must be 1 to {n_quantiles}")
        if k < n_quantiles:
            return None
    if not 5 <= k <= 100:
        raise ValueError(f"sii: number of quantiles must be between 5 and 100 (got {k})")
    if k > 10:
        warnings.warn("sii: small values can make the SII unstable with more than 10 quantiles", stacklevel=2)
    if repetitions < 1000:
        raise ValueError(f"sii: repetitions must be 1000 or more (got {repetitions})")
    if limits not in ("simulation", "analytic"):
        raise ValueError(f"sii: limits must be 'simulation' or 'analytic' (got {limits!r})")
    if transform and limits == "analytic":
        raise ValueError("sii: transform=True has no analytic limits; use limits='simulation'")
    if transform and kind == "normal":
        raise ValueError("sii: transform=True needs value_type 'rate' or 'proportion'")
    if transform and (se is not None or lower is None or upper is None):
        raise ValueError("sii: transform=True needs lower95 and upper95, not se")
    if se is None and (lower is None or upper is None):
        raise ValueError("sii: give either se or both lower95 and upper95")
    if value is None:
        if kind != "proportion" or x is None:
            raise ValueError("sii: value is required (or x for a proportion)")
        check(x <= 0, "sii: count x must be > 0 for a proportion")
        value = x / population

    check(population < 0, "sii: population must be >= 0")
    if se is not None:
        check(se < 0, "sii: standard error must be >= 0")
    if kind == "proportion":
        check((value < 0) | (value > 1), "sii: proportions must be between 0 and 1")
        if se is None:
            check((lower < 0) | (lower > 1) | (upper < 0) | (upper > 1),
                  "sii: proportion confidence limits must be between 0 and 1")
    if kind == "proportion" and transform:
        check((value <= 0) | (value >= 1), "sii: proportions must be strictly between 0 and 1 (logit scale)")
    if kind == "rate":
        check(value <= 0, "sii: rates must be > 0 (log scale)")
        if se is None:
            check((lower <= 0) | (upper <= 0), "sii: rate confidence limits must be > 0 (log scale)")

    needed = [population, value] + ([se] if se is not None else [lower, upper])
    if any(np.isnan(a).any() for a in needed) or (population <= 0).any():
        return None

    if se is None:
        se = (fwd(upper) - fwd(lower)) / (2 * z_value(0.95))
    if limits == "analytic":
        matrix = sii_matrix(population, value, se, value_type=kind, multiplier=multiplier, confidence=confidence,
                            repetitions=repetitions)
        simulated = bool(matrix.pop("simulated")[0])
        return {key: float(column[0]) for key, column in matrix.items()} | {"repetitions": repetitions if simulated else None}
    design = _rank_design(population)
    projection = np.linalg.pinv(design)  # (XᵀX)⁻¹Xᵀ
    root_share = design[:, 0]
    centre = fwd(value)

    if seed is None:
        draws = np.random.default_rng().normal(centre, se, size=(repetitions, k))
    else:
        with np.errstate(invalid="ignore"):  # an infinite centre or SE gives NaN draws, as normal() does
            draws = centre + se * _standard_normals(seed, repetitions, k)
    if transform:
        b0, b1 = projection @ (centre * root_share)
        sim = (draws * root_share) @ projection.T
        result = {
            "sii": float((back(b0 + b1) - back(b0)) * multiplier),
            "rii": float(back(b0 + b1) / back(b0)),
            "intercept": float(back(b0) * abs(multiplier)),
        }
        mid = b0 + b1 / 2
        sim_sii = (back(mid + sim[:, 1] / 2) - back(mid - sim[:, 1] / 2)) * multiplier
        sim_rii = back(sim[:, 0] + sim[:, 1]) / back(sim[:, 0])
    else:
        b0, b1 = projection @ (value * root_share)
        sim = (back(draws) * root_share) @ projection.T
        result = {
            "sii": float(b1 * multiplier),
            "rii": float((b0 + b1) / b0),
            "intercept": float(b0 * abs(multiplier)),
        }
        sim_sii = sim[:, 1] * multiplier
        sim_rii = (sim[:, 0] + sim[:, 1]) / sim[:, 0]
    if multiplier < 0:
        result["rii"] = 1 / result["rii"]
        sim_rii = 1 / sim_rii

    levels = confidence_levels(confidence)
    sii_limits, rii_limits = _simulated_limits(sim_sii, levels), _simulated_limits(sim_rii, levels)
    for level in levels:
        tag = level_tag(level)
        result[f"sii_lower{tag}"], result[f"sii_upper{tag}"] = sii_limits[level]
        result[f"rii_lower{tag}"], result[f"rii_upper{tag}"] = rii_limits[level]
    result["repetitions"] = repetitions
    return result
