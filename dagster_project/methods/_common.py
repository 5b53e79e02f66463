"""Shared helpers: confidence levels, z values, input checks and result keys."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import stats

#: Fingertips publishes 95% and 99.8% limits for every statistic.
DEFAULT_CONFIDENCE: tuple[float, float] = (0.95, 0.998)

Confidence = float | Sequence[float]


def normalise_confidence(confidence: float) -> float:
    """Return a confidence level as a fraction; accepts 0.9-1 or 90-100."""
    level = float(confidence)
    if level >= 90:
        level /= 100
    if not 0.9 <= level <= 1:
        raise ValueError(
            f"confidence must be between 0.9 and 1 or between 90 and 100 (got {confidence!r})"
        )
    return level


def confidence_levels(confidence: Confidence) -> tuple[float, ...]:
    """Normalise one level or a sequence of levels to fractions."""
    if np.ndim(confidence) == 0:
        return (normalise_confidence(confidence),)
    return tuple(normalise_confidence(c) for c in confidence)


def z_value(confidence: float) -> float:
    """Two-sided normal quantile, qnorm(c + (1 - c)/2): 1.959964 at 95%, 3.090232 at 99.8%."""
    return _quantile(normalise_confidence(confidence))


@lru_cache(maxsize=64)
def _quantile(level: float) -> float:
    """z_value's quantile, computed once per level (scipy's ppf costs about 150 µs a call, most
    of a scalar statistic's time when DuckDB calls one per row)."""
    return float(stats.norm.ppf(level + (1 - level) / 2))


def level_tag(confidence: float) -> str:
    """Key suffix for a level: 0.95 -> '95', 0.998 -> '998', 0.99 -> '99'."""
    return f"{normalise_confidence(confidence) * 100:g}".replace(".", "")


def as_array(values, name: str) -> np.ndarray:
    """Float array with None mapped to NaN; a clear error for non-numeric input."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None


def check(bad, message: str) -> None:
    """Raise ValueError with ``message`` when any ``bad`` is true, naming the first offending row."""
    bad = np.asarray(bad)
    if bad.any():
        if bad.size > 1:
            first = int(np.flatnonzero(bad.ravel())[0])
            message += f" (first at index {first}; {int(bad.sum())} row(s))"
        raise ValueError(message)


def is_missing(value) -> bool:
    """True for None or NaN (scalar UDF helpers)."""
    return value is None or (isinstance(value, float) and np.isnan(value))
