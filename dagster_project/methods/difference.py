"""Difference between two proportions: Newcombe's hybrid score interval (Newcombe 1998, method 10).

Used for the gap between the most and least deprived quintiles. With Wilson limits
(l1, u1) and (l2, u2): d = p1 − p2, lower = d − sqrt((p1 − l1)² + (u2 − p2)²),
upper = d + sqrt((u1 − p1)² + (p2 − l2)²).
"""

from __future__ import annotations

import numpy as np

from ._common import DEFAULT_CONFIDENCE, Confidence, as_array, confidence_levels, level_tag
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
