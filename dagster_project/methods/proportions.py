"""Proportions with Wilson score limits (Wilson 1927; Newcombe & Altman 2000; PHE `phe_proportion`)."""

from __future__ import annotations

import numpy as np

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


def _validate(x: np.ndarray, n: np.ndarray) -> None:
    check(x < 0, "proportion: numerator x must be >= 0")
    check(n <= 0, "proportion: denominator n must be > 0")
    check(x > n, "proportion: numerator x must not exceed denominator n")


def wilson_limits(x, n, confidence: float = 0.95, multiplier: float = 1.0):
    """Wilson score limits ``(lower, upper)`` for x/n, times ``multiplier``.

    lower/upper = (2x + z² ∓ z·sqrt(z² + 4x(1 − x/n))) / (2(n + z²)); at 100% confidence
    the limits are 0 and 1. Vectorised; NaN in, NaN out.
    """
    x, n = as_array(x, "x"), as_array(n, "n")
    _validate(x, n)
    level = normalise_confidence(confidence)
    if level == 1:
        zeros = np.where(np.isnan(x + n), np.nan, 0.0)
        return zeros * multiplier, (zeros + 1) * multiplier
    z = z_value(level)
    with np.errstate(invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    denom = 2 * (n + z**2)
    return (centre - spread) / denom * multiplier, (centre + spread) / denom * multiplier


def proportion(x, n, confidence: Confidence = DEFAULT_CONFIDENCE, multiplier: float = 1.0) -> dict:
    """Proportion x/n·multiplier with Wilson limits (PHE `phe_proportion`).

    Returns arrays ``value``, ``lower<tag>``, ``upper<tag>`` per level (``lower95``, ``upper998``...).
    Raises ValueError for x < 0, n <= 0 or x > n; missing inputs give NaN.
    """
    x, n = as_array(x, "x"), as_array(n, "n")
    _validate(x, n)
    result = {"value": x / n * multiplier}
    for level in confidence_levels(confidence):
        lower, upper = wilson_limits(x, n, level, multiplier)
        result[f"lower{level_tag(level)}"] = lower
        result[f"upper{level_tag(level)}"] = upper
    return result


def _wilson_scalar(x, n, confidence, index: int) -> float | None:
    if is_missing(x) or is_missing(n) or n <= 0:
        return None
    return float(wilson_limits(float(x), float(n), confidence)[index])


def wilson_lower(x: float, n: float, confidence: float = 0.95) -> float | None:
    """Wilson lower limit of x/n (DuckDB-UDF safe: None when n <= 0 or an input is missing)."""
    return _wilson_scalar(x, n, confidence, 0)


def wilson_upper(x: float, n: float, confidence: float = 0.95) -> float | None:
    """Wilson upper limit of x/n (DuckDB-UDF safe: None when n <= 0 or an input is missing)."""
    return _wilson_scalar(x, n, confidence, 1)
