"""Fingertips recent-trend markers (OHID "Trend markers" guidance; TrendMarkerCalculator).

The five most recent points, t = 1..5: proportions use the chi-squared test for trend
(Cochran-Armitage) with direction from the OLS slope of logit(x/n); other values use
inverse-variance weighted regression (SE from the 95% limits). Significant when
chi-squared > 9.5495 = qchisq(0.998, 1), unless dropping any one point flips the slope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import logit

from ._common import as_array, check, z_value
from .comparison import POLARITIES

#: qchisq(0.998, 1) = 9.5495 (the 99.8% level, one degree of freedom).
TREND_THRESHOLD = float(stats.chi2.ppf(0.998, 1))
TREND_POINTS = 5

CANNOT_BE_CALCULATED = "Cannot be calculated"
NO_SIGNIFICANT_CHANGE = "No significant change"
_LABELS = {
    "high_is_good": {1: "Increasing and getting better", -1: "Decreasing and getting worse"},
    "low_is_good": {1: "Increasing and getting worse", -1: "Decreasing and getting better"},
    "no_judgement": {1: "Increasing", -1: "Decreasing"},
    "not_applicable": {1: "Increasing", -1: "Decreasing"},
}


@dataclass(frozen=True)
class TrendResult:
    """A trend marker, its reason, and the chi-squared statistic and gradient used."""

    marker: str
    reason: str
    chi_squared: float | None = None
    gradient: float | None = None


def _proportion_test(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> float:
    total_n, total_x = n.sum(), x.sum()
    numerator = total_n * (total_n * (x * t).sum() - total_x * (n * t).sum()) ** 2
    denominator = total_x * (total_n - total_x) * (total_n * (n * t**2).sum() - (n * t).sum() ** 2)
    return float(numerator / denominator)


def _proportion_slope(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> float:
    return float(np.polyfit(t, logit(x / n), 1)[0])


def _weighted_fit(y: np.ndarray, w: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """Weighted slope and its variance.

    β = (S1·S2 − S3·S4)/(S1·S5 − S3²) and Var(β) = S1/(S1·S5 − S3²).
    """
    s1, s2, s3, s4, s5 = w.sum(), (w * y * t).sum(), (w * t).sum(), (w * y).sum(), (w * t**2).sum()
    det = s1 * s5 - s3**2
    return float((s1 * s2 - s3 * s4) / det), float(s1 / det)


def recent_trend(
    periods,
    *,
    method: str,
    count=None,
    denominator=None,
    value=None,
    lower95=None,
    upper95=None,
    polarity: str = "no_judgement",
    require_consecutive: bool = True,
    points: int = TREND_POINTS,
) -> TrendResult:
    """Fingertips recent-trend marker for one series (the most recent 5 annual points).

    ``method`` is "proportion" (needs ``count`` and ``denominator``) or "regression" (needs
    ``value``, ``lower95`` and ``upper95``). ``polarity`` is "high_is_good", "low_is_good" or
    "no_judgement". Labels: "Increasing and getting better", "Decreasing and getting worse",
    "Increasing and getting worse", "Decreasing and getting better", "Increasing",
    "Decreasing", "No significant change" or "Cannot be calculated". Non-consecutive
    years are not tested unless ``require_consecutive`` is False.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"recent_trend: polarity must be one of {sorted(POLARITIES)} (got {polarity!r})")
    if method not in ("proportion", "regression"):
        raise ValueError(f"recent_trend: method must be 'proportion' or 'regression' (got {method!r})")
    periods = np.ravel(as_array(periods, "periods"))
    fields = (count, denominator) if method == "proportion" else (value, lower95, upper95)
    if any(f is None for f in fields):
        needed = "count and denominator" if method == "proportion" else "value, lower95 and upper95"
        raise ValueError(f"recent_trend: method {method!r} needs {needed}")
    columns = [np.ravel(as_array(f, "series")) for f in fields]
    if any(c.size != periods.size for c in columns) or np.isnan(periods).any():
        raise ValueError("recent_trend: every point needs a period, and every series one value per period")
    order = np.argsort(periods, kind="stable")
    columns, periods = [c[order] for c in columns], periods[order]

    if np.unique(periods).size != periods.size:
        return TrendResult(CANNOT_BE_CALCULATED, "Duplicate years in group")
    if periods.size < points:
        return TrendResult(CANNOT_BE_CALCULATED, "Not enough data points")
    periods = periods[-points:]
    columns = [c[-points:] for c in columns]
    if np.isnan(columns[0]).any() or (method == "proportion" and np.isnan(columns[1]).any()):
        return TrendResult(CANNOT_BE_CALCULATED, "Missing values")
    if method == "regression" and np.isnan(columns[1:]).any():
        return TrendResult(CANNOT_BE_CALCULATED, "Missing at least one confidence interval value")
    if require_consecutive and (np.diff(periods) != 1).any():
        return TrendResult(CANNOT_BE_CALCULATED, "Years are not consecutive")

    t = np.arange(1.0, points + 1)
    if method == "proportion":
        x, n = columns
        check(x < 0, "recent_trend: count must be >= 0")
        check(n <= 0, "recent_trend: denominator must be > 0")
        check(x > n, "recent_trend: count must not exceed denominator")
        if ((x == 0) | (x == n)).any():
            return TrendResult(CANNOT_BE_CALCULATED, "Count equal to 0 or to the denominator")
        chi_squared, slope = _proportion_test(x, n, t), _proportion_slope(x, n, t)

        def drop_one(i: int) -> float:
            keep = np.arange(points) != i
            return _proportion_slope(x[keep], n[keep], t[keep])
    else:
        y, lower, upper = columns
        se = (upper - lower) / (2 * z_value(0.95))
        if (se <= 0).any():
            return TrendResult(CANNOT_BE_CALCULATED, "Confidence interval of zero width")
        w = 1 / se**2
        slope, variance = _weighted_fit(y, w, t)
        chi_squared = slope**2 / variance

        def drop_one(i: int) -> float:
            keep = np.arange(points) != i
            return _weighted_fit(y[keep], w[keep], t[keep])[0]

    if chi_squared <= TREND_THRESHOLD:
        return TrendResult(NO_SIGNIFICANT_CHANGE, "No significant trend", chi_squared, slope)
    if any(np.sign(drop_one(i)) != np.sign(slope) for i in range(points)):
        return TrendResult(NO_SIGNIFICANT_CHANGE, "Outlier found", chi_squared, slope)
    label = _LABELS[polarity][1 if slope > 0 else -1]
    return TrendResult(label, "No outliers and significant trend", chi_squared, slope)


def recent_trends(
    t: np.ndarray,
    *,
    method: str,
    polarity: np.ndarray,
    count: np.ndarray | None = None,
    denominator: np.ndarray | None = None,
    value: np.ndarray | None = None,
    lower95: np.ndarray | None = None,
    upper95: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`recent_trend` for many series at once, the same formulas on arrays.

    Every array is (series, points): each row holds one series' most recent points, oldest
    first, already checked as consecutive and complete; ``t`` gives their positions (1..k).
    ``polarity`` is one value per series. Returns (marker, reason, chi_squared) arrays; rows the
    test cannot use (a count of 0 or equal to the denominator, an interval of zero width) are
    "Cannot be calculated".
    """
    t = np.asarray(t, dtype=float)
    k = t.shape[1]
    if method == "proportion":
        x, n = np.asarray(count, dtype=float), np.asarray(denominator, dtype=float)
        usable = ((x > 0) & (x < n)).all(axis=1)
        x, n = np.where(usable[:, None], x, 1.0), np.where(usable[:, None], n, 2.0)
        total_n, total_x = n.sum(1), x.sum(1)
        chi = total_n * (total_n * (x * t).sum(1) - total_x * (n * t).sum(1)) ** 2 / (
            total_x * (total_n - total_x) * (total_n * (n * t**2).sum(1) - (n * t).sum(1) ** 2))
        y, w = logit(x / n), np.ones_like(x)
        cannot = "Count equal to 0 or to the denominator"
    else:
        y = np.asarray(value, dtype=float)
        se = (np.asarray(upper95, dtype=float) - np.asarray(lower95, dtype=float)) / (2 * z_value(0.95))
        usable = (se > 0).all(axis=1)
        w = 1 / np.where(usable[:, None], se, 1.0) ** 2
        cannot = "Confidence interval of zero width"

    def fit(keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ww = w * keep
        s1, s2, s3, s4, s5 = ww.sum(1), (ww * y * t).sum(1), (ww * t).sum(1), (ww * y).sum(1), (ww * t**2).sum(1)
        det = s1 * s5 - s3**2
        return (s1 * s2 - s3 * s4) / det, s1 / det

    slope, variance = fit(np.ones_like(t))
    if method != "proportion":
        chi = slope**2 / variance
    flips = np.zeros(len(t), dtype=bool)
    for i in range(k):
        keep = np.ones_like(t)
        keep[:, i] = 0
        flips |= np.sign(fit(keep)[0]) != np.sign(slope)
    significant = chi > TREND_THRESHOLD
    labels = np.array([_LABELS[p][1 if s > 0 else -1] for p, s in zip(polarity, slope)], dtype=object)
    marker = np.where(significant & ~flips, labels, NO_SIGNIFICANT_CHANGE)
    reason = np.where(~significant, "No significant trend", np.where(flips, "Outlier found", "No outliers and significant trend"))
    marker = np.where(usable, marker, CANNOT_BE_CALCULATED)
    reason = np.where(usable, reason, cannot)
    return marker.astype(object), reason.astype(object), np.where(usable, chi, np.nan)
