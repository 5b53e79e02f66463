"""Directly standardised rates (Dobson limits) and indirectly standardised ratios and rates.

PHE `calculate_dsr`, `calculate_ISRatio` and `calculate_ISRate`; Dobson et al. (1991),
Breslow & Day (1987). All functions take the age bands of one area (one group).
"""

from __future__ import annotations

import numpy as np

from ._common import (
    DEFAULT_CONFIDENCE,
    Confidence,
    as_array,
    check,
    confidence_levels,
    level_tag,
)
from .rates import byars_lower, byars_upper, poisson_limits

#: 2013 European Standard Population, 19 bands 0-4, 5-9, ..., 85-89, 90+ (total 100,000; Eurostat).
ESP2013 = np.array(
    [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
     7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000],
    dtype=float,
)  # fmt: skip
ESP2013_AGE_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)

#: ESP2013 in the 20 life-table bands 0, 1-4, 5-9, ..., 85-89, 90+ (Eurostat 0 = 1,000; 1-4 = 4,000).
ESP2013_20 = np.concatenate([[1000.0, 4000.0], ESP2013[1:]])
ESP2013_20_AGE_BANDS = ("0", "1-4") + ESP2013_AGE_BANDS[1:]

#: DSRs with fewer total events than this are withheld (value and limits NaN).
DSR_MIN_EVENTS = 10


def _dsr_inputs(n, stdpop, rows: int):
    n = as_array(n, "n")
    stdpop = ESP2013 if stdpop is None else as_array(stdpop, "stdpop")
    if n.shape[0] != rows or stdpop.shape[0] != rows:
        raise ValueError(
            f"dsr: counts, populations and stdpop need one row per age band "
            f"(got {rows}, {n.shape[0]} and {stdpop.shape[0]})"
        )
    check(np.isnan(n) | (n <= 0), "dsr: population n must be present and > 0")
    check(np.isnan(stdpop) | (stdpop < 0), "dsr: standard population must be present and >= 0")
    return n, stdpop


def _dobson(events, weighted_events, variance, total_pop, confidence, multiplier, method) -> dict:
    """Dobson limits: DSR + sqrt(var/O)·(Byar(O) − O), withheld when O < 10."""
    withheld = events < DSR_MIN_EVENTS
    value = np.nan if withheld else weighted_events * multiplier
    result = {
        "total_count": events,
        "total_pop": total_pop,
        "value": value,
    }
    for level in confidence_levels(confidence):
        scale = np.sqrt(variance / events) * multiplier if not withheld else np.nan
        result[f"lower{level_tag(level)}"] = float(value + scale * (byars_lower(events, level) - events))
        result[f"upper{level_tag(level)}"] = float(value + scale * (byars_upper(events, level) - events))
    result["method"] = method
    result["statistic"] = (
        f"dsr NA for total count < {DSR_MIN_EVENTS}" if withheld else f"dsr per {multiplier:.10g}"
    )
    return result


def dsr(x, n, stdpop=None, confidence: Confidence = DEFAULT_CONFIDENCE, multiplier: float = 100_000) -> dict:
    """Directly standardised rate with Dobson limits for one area (PHE `calculate_dsr`).

    ``x`` events and ``n`` population per age band, ``stdpop`` the standard population
    (default ESP2013, 19 bands). Missing counts count as 0. DSR = Σ(x·w/n)/Σw·multiplier,
    var = Σ(x·(w/n)²)/(Σw)². Value and limits are NaN when total events < 10.
    """
    x = np.ravel(as_array(x, "x"))
    n, stdpop = _dsr_inputs(np.ravel(n), stdpop, x.size)
    check(x < 0, "dsr: count x must be >= 0")
    x = np.nan_to_num(x)
    weight = stdpop / n
    return _dobson(
        events=float(x.sum()),
        weighted_events=float((x * weight).sum() / stdpop.sum()),
        variance=float((x * weight**2).sum() / stdpop.sum() ** 2),
        total_pop=float(n.sum()),
        confidence=confidence,
        multiplier=multiplier,
        method="Dobson",
    )


def dsr_non_independent(
    persons,
    n,
    frequencies=None,
    stdpop=None,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    multiplier: float = 100_000,
) -> dict:
    """DSR with Dobson limits adjusted for non-independent events (PHE `calculate_dsr`, eventfreq).

    ``persons`` is (age bands × frequencies): persons with f events in each band, missing = 0;
    ``frequencies`` defaults to 1, 2, ... Events = Σ f·persons; var = Σ_f f²·var_f.
    """
    persons = as_array(persons, "persons")
    if persons.ndim != 2:
        raise ValueError("dsr_non_independent: persons must be 2-D (age bands x event frequencies)")
    freq = np.arange(1, persons.shape[1] + 1) if frequencies is None else as_array(frequencies, "frequencies")
    if freq.shape != (persons.shape[1],):
        raise ValueError("dsr_non_independent: one frequency per column of persons is required")
    n, stdpop = _dsr_inputs(np.ravel(n), stdpop, persons.shape[0])
    check(persons < 0, "dsr_non_independent: persons must be >= 0")
    persons = np.nan_to_num(persons)
    weight = (stdpop / n)[:, None]
    events = persons * freq
    return _dobson(
        events=float(events.sum()),
        weighted_events=float((events * weight).sum() / stdpop.sum()),
        variance=float((freq**2 * (persons * weight**2).sum(axis=0)).sum() / stdpop.sum() ** 2),
        total_pop=float(n.sum()),
        confidence=confidence,
        multiplier=multiplier,
        method="Dobson, with confidence adjusted for non-independent events",
    )


def _indirect(x, n, x_ref, n_ref, observed, confidence, scale: float, ref_rate) -> dict:
    n, x_ref, n_ref = (
        np.ravel(as_array(a, name)) for a, name in ((n, "n"), (x_ref, "x_ref"), (n_ref, "n_ref"))
    )
    if not n.shape == x_ref.shape == n_ref.shape:
        raise ValueError("isr: n, x_ref and n_ref need one row per age band")
    check(n < 0, "isr: population n must be >= 0")
    check((x_ref < 0) | (n_ref < 0), "isr: reference counts and populations must be >= 0")
    if observed is None:
        if x is None:
            raise ValueError("isr: give either x (observed per age band) or observed (the total)")
        x = np.ravel(as_array(x, "x"))
        check(x < 0, "isr: count x must be >= 0")
        observed = float(np.nansum(x))
    observed = float(observed)
    if observed < 0:
        raise ValueError(f"isr: observed total must be >= 0 (got {observed})")
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = float(np.nansum(np.nan_to_num(x_ref / n_ref, posinf=0.0) * n))
    result = {"observed": observed, "expected": expected}
    if ref_rate is not None:
        result["ref_rate"] = ref_rate
    factor = scale / expected if expected > 0 else np.nan
    result["value"] = observed * factor
    method = None
    for level in confidence_levels(confidence):
        lower, upper, method = poisson_limits(observed, level)
        result[f"lower{level_tag(level)}"] = float(lower) * factor
        result[f"upper{level_tag(level)}"] = float(upper) * factor
    result["method"] = method.item()
    return result


def isratio(
    x,
    n,
    x_ref,
    n_ref,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    refvalue: float = 1,
    observed: float | None = None,
) -> dict:
    """Indirectly standardised ratio O/E·refvalue (SMR with refvalue=100; PHE `calculate_ISRatio`).

    E = Σ(x_ref/n_ref)·n with missing values as 0; O = Σx, or ``observed`` when only the
    total is known. Limits are the exact (O < 10) or Byar count limits over E.
    """
    return _indirect(x, n, x_ref, n_ref, observed, confidence, refvalue, None)


def israte(
    x,
    n,
    x_ref,
    n_ref,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    multiplier: float = 100_000,
    observed: float | None = None,
) -> dict:
    """Indirectly standardised rate O/E·(Σx_ref/Σn_ref·multiplier) (PHE `calculate_ISRate`)."""
    x_ref_arr, n_ref_arr = as_array(x_ref, "x_ref"), as_array(n_ref, "n_ref")
    ref_rate = float(np.nansum(x_ref_arr) / np.nansum(n_ref_arr) * multiplier)
    return _indirect(x, n, x_ref, n_ref, observed, confidence, ref_rate, ref_rate)
