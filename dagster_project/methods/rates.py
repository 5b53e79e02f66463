"""Poisson limits for counts and crude rates (PHE `phe_rate`, `byars_*`, exact chi-squared).

Counts below 10 use exact Poisson limits from the chi-squared distribution; from 10 upwards
Byar's approximation (within 0.2% of exact; PHE Technical Guide: Confidence Intervals, 2018).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._common import (
    DEFAULT_CONFIDENCE,
    Confidence,
    as_array,
    check,
    confidence_levels,
    is_missing,
    level_tag,
    normalise_confidence,
    z_value,
)

#: Counts below this use exact limits; at or above it Byar's method.
BYAR_THRESHOLD = 10


def byars_lower(x, confidence: float = 0.95) -> np.ndarray:
    """Byar's lower limit for a count: x(1 − 1/(9x) − z/(3√x))³; NaN when negative."""
    x = as_array(x, "x")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    lower = np.where(x == 0, 0.0, lower)
    return np.where(lower < 0, np.nan, lower)


def byars_upper(x, confidence: float = 0.95) -> np.ndarray:
    """Byar's upper limit for a count: (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³."""
    x1 = as_array(x, "x") + 1
    return x1 * (1 - 1 / (9 * x1) + z_value(confidence) / (3 * np.sqrt(x1))) ** 3


def exact_lower(x, confidence: float = 0.95) -> np.ndarray:
    """Exact Poisson lower limit for a count: qchisq((1 − c)/2, 2x)/2 (0 when x = 0)."""
    x = as_array(x, "x")
    level = normalise_confidence(confidence)
    with np.errstate(invalid="ignore"):
        lower = stats.chi2.ppf((1 - level) / 2, 2 * x) / 2
    return np.where(x == 0, 0.0, lower)


def exact_upper(x, confidence: float = 0.95) -> np.ndarray:
    """Exact Poisson upper limit for a count: qchisq(c + (1 − c)/2, 2x + 2)/2."""
    x = as_array(x, "x")
    level = normalise_confidence(confidence)
    return stats.chi2.ppf(level + (1 - level) / 2, 2 * x + 2) / 2


def poisson_limits(x, confidence: float = 0.95):
    """Count limits ``(lower, upper, method)``: "Exact" below 10 events, "Byars" from 10."""
    x = as_array(x, "x")
    check(x < 0, "count x must be >= 0")
    exact = x < BYAR_THRESHOLD
    lower = np.where(exact, exact_lower(x, confidence), byars_lower(x, confidence))
    upper = np.where(exact, exact_upper(x, confidence), byars_upper(x, confidence))
    method = np.where(np.isnan(x), None, np.where(exact, "Exact", "Byars"))
    return lower, upper, method


def rate(x, n, confidence: Confidence = DEFAULT_CONFIDENCE, multiplier: float = 100_000) -> dict:
    """Crude rate x/n·multiplier with exact/Byar limits (PHE `phe_rate`).

    Returns arrays ``value``, ``lower<tag>``/``upper<tag>`` per level and ``method``.
    Raises ValueError for x < 0 or n <= 0; x may exceed n. Missing inputs give NaN.
    """
    x, n = as_array(x, "x"), as_array(n, "n")
    check(x < 0, "rate: count x must be >= 0")
    check(n <= 0, "rate: denominator n must be > 0")
    result = {"value": x / n * multiplier}
    for level in confidence_levels(confidence):
        lower, upper, method = poisson_limits(x, level)
        result[f"lower{level_tag(level)}"] = lower / n * multiplier
        result[f"upper{level_tag(level)}"] = upper / n * multiplier
    result["method"] = method
    return result


def _rate_scalar(x, n, confidence, multiplier, index: int) -> float | None:
    if is_missing(x) or is_missing(n) or n <= 0:
        return None
    limit = float(poisson_limits(float(x), confidence)[index]) / float(n) * multiplier
    return None if np.isnan(limit) else limit


def rate_lower(x: float, n: float, confidence: float = 0.95, multiplier: float = 100_000.0) -> float | None:
    """Lower limit of a crude rate (DuckDB-UDF safe: None when n <= 0 or an input is missing)."""
    return _rate_scalar(x, n, confidence, multiplier, 0)


def rate_upper(x: float, n: float, confidence: float = 0.95, multiplier: float = 100_000.0) -> float | None:
    """Upper limit of a crude rate (DuckDB-UDF safe: None when n <= 0 or an input is missing)."""
    return _rate_scalar(x, n, confidence, multiplier, 1)
