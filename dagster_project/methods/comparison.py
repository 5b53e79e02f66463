"""Comparison with a benchmark, Fingertips "single overlapping CI" method.

The area's confidence interval is compared with the benchmark's *value*: touching or
containing it is "Similar" (fingertips-open `SingleOverlappingCIsForOneCILevelComparer`,
`...ForTwoCILevelsComparer`; FingertipsNext `BenchmarkComparisonEngine`).
"""

from __future__ import annotations

from ._common import is_missing

#: Polarity names (Fingertips PolarityIds 1, 0, 99 and -1).
POLARITIES = {"high_is_good", "low_is_good", "no_judgement", "not_applicable"}

NOT_COMPARED = "Not compared"
SIMILAR = "Similar"
_WORDS = {
    # polarity: (higher at the level, lower at the level, higher at 99.8%, lower at 99.8%)
    "high_is_good": ("Better", "Worse", "Best", "Worst"),
    "low_is_good": ("Worse", "Better", "Worst", "Best"),
    "no_judgement": ("Higher", "Lower", "Highest", "Lowest"),
}

#: Fingertips colours (IndicatorsUI SiteKeyIndicators.js).
COMPARISON_COLOURS = {
    "Better": "#92D050",
    "Similar": "#FFC000",
    "Worse": "#C00000",
    "Best": "#00B092",
    "Worst": "#821733",
    "Lower": "#5555E6",
    "Higher": "#C2CCFF",
    "Lowest": "#252563",
    "Highest": "#C1F4F0",
    "Not compared": "#C9C9C9",
}


def _direction(lower, upper, benchmark) -> int | None:
    """+1 when the interval is wholly above the benchmark, -1 below, 0 touching; None if missing."""
    if any(is_missing(v) for v in (lower, upper, benchmark)):
        return None
    if lower > upper:
        raise ValueError(f"compare: lower limit {lower} exceeds upper limit {upper}")
    return 1 if lower > benchmark else -1 if upper < benchmark else 0


def _check_polarity(polarity: str) -> None:
    if polarity not in POLARITIES:
        raise ValueError(f"compare: polarity must be one of {sorted(POLARITIES)} (got {polarity!r})")


def compare_with_benchmark(
    lower: float, upper: float, benchmark: float, polarity: str = "no_judgement"
) -> str:
    """Compare one interval (95% or 99.8%) with the benchmark value.

    "Better"/"Similar"/"Worse" for high_is_good or low_is_good, "Higher"/"Similar"/"Lower"
    for no_judgement, "Not compared" for not_applicable or a missing input. UDF-safe.
    """
    _check_polarity(polarity)
    direction = _direction(lower, upper, benchmark)
    if direction is None or polarity == "not_applicable":
        return NOT_COMPARED
    if direction == 0:
        return SIMILAR
    higher, lower_word = _WORDS[polarity][:2]
    return higher if direction > 0 else lower_word


def compare_two_levels(
    lower95: float,
    upper95: float,
    lower998: float,
    upper998: float,
    benchmark: float,
    polarity: str = "no_judgement",
) -> str:
    """Compare at 95% and 99.8% (Fingertips comparator 17): significant at 99.8% gives
    "Best"/"Worst" ("Highest"/"Lowest" for no_judgement), at 95% only "Better"/"Worse"."""
    outer = compare_with_benchmark(lower998, upper998, benchmark, polarity)
    if outer == NOT_COMPARED:
        return NOT_COMPARED
    if outer != SIMILAR:
        higher, lower_word, highest, lowest = _WORDS[polarity]
        return {higher: highest, lower_word: lowest}[outer]
    return compare_with_benchmark(lower95, upper95, benchmark, polarity)
