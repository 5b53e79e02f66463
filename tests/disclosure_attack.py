"""An attacker who reads only the published CSV downloads and tries the known differencing
routes to recover a withheld count. Used on the demo build and on the three-council build,
each with planted small counts; `recovered` lists every withheld count a route gives exactly
(checked against the warehouse's own figures, which the attacker never reads).

Routes, per indicator, period and council:
- totals: the council's count less the published ward counts is the withheld total; with the
  rule's bounds (a primary cell 1 to m - 1, a secondary cell m or more, and at most the
  ward's denominator) each withheld cell's range follows; a range of one value is a recovery;
- quantiles: a quintile gap and ratio give both quintiles' rates; times the quintile's summed
  denominators (published for withheld wards too), less its published counts, is the quintile's
  withheld total (one withheld ward in it: recovered);
- ward range: the spread of ward rates with a withheld ward at either end gives its rate, and
  with its denominator its count;
- gap tests (any period): a published gap p-value is a function of the SIIs its test used; if
  one of them is not published (fewer published SIIs in the test's window than the method
  uses, or none at its first period) while a ward count of that council and period is withheld,
  the p-value pins that SII, and the quintile denominators then the withheld count;
- ward trends: a ward's published trend p-value over a series (the same comparable series, up
  to its period) holding one of its own withheld counts is a function of that count."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb

from pipeline_support import edit_cells


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _truth(warehouse: Path) -> dict[tuple, float]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select indicator_id, area_code, period, numerator from intermediate.int_area_indicator_values "
            "where numerator is not null"
        ).fetchall()
    return {(i, a, p): n for i, a, p, n in rows}


def attack(site: Path, warehouse: Path) -> tuple[list[str], int]:
    """(recoveries as sentences, number of withheld ward counts attacked)."""
    marts = site / "downloads" / "marts"
    values = _read(marts / "fct_indicator_values.csv")
    wards = {w["ward_code"]: w for w in _read(marts / "dim_ward.csv")}
    rules = {d["indicator_id"]: (int(float(d["disclosure_min_count"] or 0)), float(d["multiplier"]))
             for d in _read(marts / "dim_indicator.csv")}
    measures = defaultdict(dict)
    for m in _read(marts / "fct_inequality.csv"):
        measures[(m["indicator_id"], m["la_code"], m["period"])][m["measure"]] = _number(m["value"])
    truth = _truth(warehouse)

    groups = defaultdict(list)
    totals = {}
    for row in values:
        key = (row["indicator_id"], row["la_code"], row["period"])
        if row["area_type"] == "ward":
            groups[key].append(row)
        elif row["area_type"] == "la":
            totals[key] = _number(row["numerator"])

    found, attacked = [], 0

    def check(route: str, key, ward: str, estimate: float) -> None:
        actual = truth.get((key[0], ward, key[2]))
        if actual is not None and abs(estimate - actual) < 0.5:
            found.append(f"{route}: {key[0]} {key[2]} ward {ward} count {actual:g} recovered")

    for key, rows in groups.items():
        withheld = [r for r in rows if r["suppressed"] == "true" and r["suppression"] in ("primary", "secondary")]
        if not withheld:
            continue
        attacked += len(withheld)
        m, multiplier = rules[key[0]]
        published = sum(_number(r["numerator"]) or 0 for r in rows if r not in withheld)
        # totals
        if totals.get(key) is not None:
            rest = totals[key] - published
            bounds = {}
            for r in withheld:
                den = _number(r["denominator"])
                low, high = (1, m - 1) if r["suppression"] == "primary" else (m, den if den is not None else float("inf"))
                bounds[r["area_code"]] = (low, high)
            for r in withheld:
                others = [b for code, b in bounds.items() if code != r["area_code"]]
                low = max(bounds[r["area_code"]][0], rest - sum(h for _, h in others))
                high = min(bounds[r["area_code"]][1], rest - sum(lo for lo, _ in others))
                if low == high:
                    check("totals", key, r["area_code"], low)
        # quantiles (quintile gap and ratio: the measures the marts publish)
        found_measures = measures.get(key, {})
        gap, ratio = found_measures.get("quintile_gap"), found_measures.get("quintile_ratio")
        if gap is not None and ratio not in (None, 1.0):
            least = gap / (ratio - 1)
            for quintile, rate in ((1, gap + least), (5, least)):
                members = [r for r in rows if wards.get(r["area_code"], {}).get("deprivation_quintile") == str(quintile)]
                hidden = [r for r in members if r in withheld]
                dens = [_number(r["denominator"]) for r in members]
                if len(hidden) == 1 and None not in dens:
                    count = rate / multiplier * sum(dens) - sum(_number(r["numerator"]) or 0 for r in members if r not in hidden)
                    check("quantiles", key, hidden[0]["area_code"], count)
        # ward range
        spread = found_measures.get("ward_range")
        rates = [_number(r["value"]) for r in rows if r not in withheld and _number(r["value"]) is not None]
        if spread is not None and rates and spread > max(rates) - min(rates) + 1e-9:  # a withheld ward is at one end
            for r in withheld:
                den = _number(r["denominator"])
                if den:
                    for rate in (min(rates) + spread, max(rates) - spread):
                        check("ward range", key, r["area_code"], rate / multiplier * den)
    found += _gap_tests(values, _read(marts / "fct_inequality.csv"))
    found += _ward_trends(values)
    return found, attacked


def _gap_tests(values: list[dict], inequality: list[dict]) -> list[str]:
    """Published gap p-values whose test used an SII that is not published, beside a withheld count."""
    starts = {(r["indicator_id"], r["period"]): r["period_start"] for r in values}
    withheld = {(r["indicator_id"], r["la_code"], r["period"]) for r in values if r["area_type"] == "ward" and r["suppression"]}
    published = defaultdict(set)
    for m in inequality:
        if m["measure"] == "sii_quintiles":
            published[(m["indicator_id"], m["la_code"], m["segment_id"])].add(starts[(m["indicator_id"], m["period"])])
    found = []
    for m in inequality:
        if m["measure"] != "sii_quintiles" or not m["gap_p_value"]:
            continue
        first, last = m["gap_tested_from"][:10], starts[(m["indicator_id"], m["period"])]
        shown = {start for start in published[(m["indicator_id"], m["la_code"], m["segment_id"])] if first <= start <= last}
        needs_five = "last 5 points" in m["gap_test_method"]
        if (len(shown) >= 5) if needs_five else (first in shown):
            continue
        hidden = sorted(p for (i, la, p) in withheld
                        if i == m["indicator_id"] and la == m["la_code"] and first <= starts[(i, p)] <= last)
        if hidden:
            found.append(f"gap test: {m['indicator_id']} {m['la_code']} {m['period']}: p-value {m['gap_p_value']} "
                         f"rests on an unpublished SII, beside withheld counts in {hidden}")
    return found


def _ward_trends(values: list[dict]) -> list[str]:
    """Ward trend p-values over a series that holds one of the ward's own withheld counts."""
    series = defaultdict(list)
    for r in values:
        if r["area_type"] == "ward":
            series[(r["indicator_id"], r["area_code"], r["segment_id"])].append(r)
    found = []
    for (indicator, ward, _), rows in series.items():
        for r in rows:
            if r["trend_p_value"]:
                hidden = [h["period"] for h in rows if h["suppression"] and h["period_start"] <= r["period_start"]]
                if hidden:
                    found.append(f"ward trend: {indicator} {r['period']} ward {ward}: p-value {r['trend_p_value']} "
                                 f"rests on its withheld counts in {hidden}")
    return found


def inequality_beside_withheld(site: Path) -> list[tuple]:
    """Inequality measures published for a council and period in which a ward count is withheld."""
    marts = site / "downloads" / "marts"
    withheld = {(r["indicator_id"], r["la_code"], r["period"]) for r in _read(marts / "fct_indicator_values.csv")
                if r["area_type"] == "ward" and r["suppression"]}
    return sorted({(m["indicator_id"], m["la_code"], m["period"], m["measure"])
                   for m in _read(marts / "fct_inequality.csv")
                   if (m["indicator_id"], m["la_code"], m["period"]) in withheld})


def plant_counts(raw_dir: Path, plants: dict[str, list[int]]) -> dict[str, list[str]]:
    """Set claimant counts in RAW_DIR's LSOA claimant file: for each council code, its first wards
    (in lookup order) get the given totals (all on one LSOA, the others 0). Returns the wards."""
    claimants = next(raw_dir.glob("claimant_count_lsoa_*.csv"))
    lookup = next(raw_dir.glob("lookup_lsoa21_to_ward2023_bestfit_*.csv"))
    rows = _read(lookup)
    with claimants.open(encoding="utf-8", newline="") as handle:
        codes = [row["Geography"] for row in csv.DictReader(handle)]
    edits, planted = {}, {}
    for council, totals in plants.items():
        wards = list(dict.fromkeys(r["wd23cd"] for r in rows if r["lad23cd"] == council))[: len(totals)]
        planted[council] = wards
        for ward, total in zip(wards, totals):
            lsoas = [r["lsoa21cd"] for r in rows if r["wd23cd"] == ward]
            edits.update({(number, "Value"): str(total) if code == lsoas[0] else "0"
                          for number, code in enumerate(codes, start=2) if code in lsoas})
    edit_cells(claimants, edits)
    return planted
