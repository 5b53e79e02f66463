"""Means with Student's t limits (PHE `phe_mean`)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._common import (
    DEFAULT_CONFIDENCE,
    Confidence,
    as_array,
    confidence_levels,
    level_tag,
)


def mean_limits(value, stdev, count, confidence: float = 0.95):
    """``(lower, upper)`` = mean ∓ |qt((1 − c)/2, n − 1)|·sd/√n; NaN when n < 2."""
    value, stdev, count = as_array(value, "value"), as_array(stdev, "stdev"), as_array(count, "count")
    (level,) = confidence_levels(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(level + (1 - level) / 2, np.where(count >= 2, count - 1, np.nan))
        half = half * stdev / np.sqrt(count)
    return value - half, value + half


def mean(values, confidence: Confidence = DEFAULT_CONFIDENCE, skipna: bool = False) -> dict:
    """Mean of raw values with Student's t limits (sample SD, n − 1 degrees of freedom).

    Returns floats ``value_sum``, ``value_count``, ``stdev``, ``value`` and the limits.
    As in PHE `phe_mean`, a missing value makes every statistic NaN (``value_count``
    still counts it) unless ``skipna`` drops missing values first.
    """
    values = np.ravel(as_array(values, "values"))
    if skipna:
        values = values[~np.isnan(values)]
    count = values.size
    result = {
        "value_sum": float(values.sum()) if count else np.nan,
        "value_count": count,
        "stdev": float(values.std(ddof=1)) if count >= 2 else np.nan,
        "value": float(values.mean()) if count else np.nan,
    }
    for level in confidence_levels(confidence):
        lower, upper = mean_limits(result["value"], result["stdev"], count, level)
        result[f"lower{level_tag(level)}"] = float(lower)
        result[f"upper{level_tag(level)}"] = float(upper)
    return result
