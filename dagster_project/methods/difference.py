"""Differences: between two proportions, Newcombe's hybrid score interval (Newcombe 1998, method 10);
between two values with 95% limits, a z-test of the change.

Used for the gap between the most and least deprived quintiles. With Wilson limits
(l1, u1) and (l2, u2): d = p1 − p2, lower = d − sqrt((p1 − l1)² + (u2 − p2)²),
upper = d + sqrt((u1 − p1)² + (p2 − l2)²).
"""

from __future__ import annotations

import numpy as np

from scipy import stats

from ._common import DEFAULT_CONFIDENCE, Confidence, as_array, confidence_levels, level_tag, z_value
from .proportions import wilson_limits


def proportion_difference(
    x1, n1, x2, n2, confidence: Confidence = DEFAULT_CONFIDENCE, multiplier: float = 1.0
) -> dict:
    """Difference x1/n1 − x2/n2 (times ``multiplier``) with Newcombe hybrid score limits.

    Vectorised; returns ``value`` and ``lower<tag>``/``upper<tag>``. Raises ValueError for
    x < 0, n <= 0 or x > n in either group; missing inputs give NaN.
    """
    x1, n1, x2, n2 = (as_array(a, name) for a, name in ((x1, "x1"), (n1, "n1"), (x2, "x2"), (n2, "n2")))
    levels = confidence_levels(confidence)
    limits = [(wilson_limits(x1, n1, level), wilson_limits(x2, n2, level)) for level in levels]  # validates
    p1, p2 = x1 / n1, x2 / n2
    result = {"value": (p1 - p2) * multiplier}
    for level, ((l1, u1), (l2, u2)) in zip(levels, limits):
        tag = level_tag(level)
        result[f"lower{tag}"] = (p1 - p2 - np.hypot(p1 - l1, u2 - p2)) * multiplier
        result[f"upper{tag}"] = (p1 - p2 + np.hypot(u1 - p1, p2 - l2)) * multiplier
    return result


def change_from_limits(first, first_lower, first_upper, last, last_lower, last_upper) -> dict:
    """Two-sided z-test of the change ``last - first`` from each value's 95% limits (standard
    error = width / (2 x 1.96), the two combined in quadrature). Vectorised; returns
    ``difference``, ``se`` and ``p_value`` (NaN where a limit is missing or the SE is 0)."""
    first, last = np.asarray(first, float), np.asarray(last, float)
    width = 2 * z_value(0.95)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.hypot((np.asarray(first_upper, float) - np.asarray(first_lower, float)) / width,
                      (np.asarray(last_upper, float) - np.asarray(last_lower, float)) / width)
        difference = last - first
        p_value = np.where(se > 0, 2 * stats.norm.sf(np.abs(difference / se)), np.nan)
    return {"difference": difference, "se": se, "p_value": p_value}
