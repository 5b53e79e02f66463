"""Static SVG charts drawn from query results (no JavaScript).

Each function returns the chart's inner SVG as Markup plus the facts its component needs
(size, a plain-English summary for <desc>). Every text label is escaped here; the Jinja
components in site/components wrap the result in <figure>, <svg role="img">, <title> and
<desc>, and follow it with a data table. Coordinates are printed to 1 dp so output is
compact and byte-stable.
"""

from __future__ import annotations

import functools

import math
import re

from jinja2.runtime import markup_join
from markupsafe import Markup, escape

from .data import as_result
from .formatting import _number, figure_formatter, format_figure, format_value, humanise, period_words, unit_words
from .tables import _escaped, _shown, data_table_html

WIDTH = 640
COLOURS = ("#1d70b8", "#505a5f", "#d4351c", "#00703c")  # series colours, in order
DASHES = ("", "7 4", "2 3", "10 3 2 3")                  # ...each also has its own dash
MARKERS = ("circle", "square", "triangle", "diamond")    # ...and marker shape
GRID, INK, BAR, BENCHMARK = "#d7d9da", "#0b0c0c", "#5694ca", "#d4351c"
# Ranked bars by comparison (each at least 3:1 against white; the legend and table carry the words).
BAR_TONES = (("Better", ("#00703c", "better")), ("Similar", ("#6f777b", "similar")), ("Worse", ("#942514", "worse")))


def _f(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], int]:
    """Round tick values covering [lo, hi], and the decimals needed to print them."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    m = next(m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    step = m * mag
    ticks = [math.floor(lo / step + 1e-9) * step]
    while ticks[-1] < hi - 1e-9 and len(ticks) < 50:
        ticks.append(ticks[-1] + step)
    ticks = [round(t, 10) for t in ticks]
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if m == 2.5 else 0))
    return ticks, decimals


_YEAR = re.compile(r"(\d{4})(?:([/-])(\d{2}|\d{4}))?\Z")


@functools.lru_cache(maxsize=4096)  # a site has few period labels, drawn thousands of times
def period_position(label) -> float | None:
    """Where a period sits on a true time axis, in years: its midpoint.

    '2019' -> 2019.5; '2019/20' (a financial year) -> 2020.0; '2016-18' (three years) -> 2017.5;
    '2018-11' (a month) -> 2018.875. Anything else -> None (the chart then spaces periods evenly)."""
    m = _YEAR.match(str(label).strip())
    if not m:
        return None
    year, sep, tail = int(m.group(1)), m.group(2), m.group(3)
    if not sep:
        return year + 0.5
    if sep == "/" and len(tail) == 2:
        return year + 1.0  # April to March: the middle is 1 October
    if sep == "-" and len(tail) == 2 and 1 <= int(tail) <= min(12, year % 100) and int(tail) != (year + 1) % 100:
        return year + (int(tail) - 0.5) / 12  # a month: '2018-11' cannot be a range ending before it starts
    end = int(tail) if len(tail) == 4 else year - year % 100 + int(tail)
    return (year + end + 1) / 2 if end >= year else None


def time_positions(labels) -> dict | None:
    """{label: position in years} when every label is a period on a time scale, else None."""
    pos = {v: period_position(v) for v in labels}
    return pos if pos and all(p is not None for p in pos.values()) else None


def honest_range(values, unit) -> tuple[float, float, bool]:
    """The value axis: proportions and data near zero start at zero; otherwise the axis is cut
    (returned True, and the chart marks it) but spans at least a tenth of the largest value, so
    a change in the fourth digit never fills the chart."""
    lo, hi = min(values), max(values)
    if (unit or "").strip() == "%" or (lo >= 0 and lo <= 0.5 * hi) or (hi <= 0 and hi >= 0.5 * lo):
        return min(lo, 0.0), max(hi, 0.0), False
    if lo < 0 < hi:
        return lo, hi, False
    least = 0.1 * max(abs(lo), abs(hi))
    if hi - lo < least:
        mid = (hi + lo) / 2
        lo, hi = mid - least / 2, mid + least / 2
    return lo, hi, True


def cut_mark(x: float, y: float) -> str:
    """Two short slanted strokes across the value axis where it does not start at zero."""
    x += 4
    return (f'<g class="axis-cut"><path d="M{_f(x - 6)} {_f(y - 2)}l12 -5M{_f(x - 6)} {_f(y + 3)}l12 -5" stroke="{INK}" '
            f'stroke-width="1.5" fill="none"/>'
            f'<path d="M{_f(x - 6)} {_f(y + 0.5)}l12 -5" stroke="#ffffff" stroke-width="2.5" fill="none"/></g>')


def _scale(d0: float, d1: float, r0: float, r1: float):
    k = (r1 - r0) / ((d1 - d0) or 1.0)
    return lambda v: r0 + (v - d0) * k


def _tick_unit(unit) -> tuple[str | None, str]:
    """Ticks carry '%' only; any other unit is written once as the axis label."""
    unit = (unit or "").strip()
    return ("%", "") if unit == "%" else (None, unit)


def _columns(data, *names):
    """The rows as tuples of just the named columns (None for an unnamed one)."""
    result = as_result(data)
    result.require(*names)
    idx = [result.columns.index(n) if n else None for n in names]
    return result, [tuple(None if i is None else r._vals[i] for i in idx) for r in result]


def _num(v) -> float | None:
    n = _number(v)
    return None if n is None else float(n)


def _marker(shape: int, x: str, y: str, colour: str) -> str:
    if shape == 0:
        return f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>'
    path = ("m-3.5 -3.5h7v7h-7z", "m0 -5l4.5 8h-9z", "m0 -5l5 5l-5 5l-5 -5z")[shape - 1]
    return f'<path d="M{x} {y}{path}" fill="{colour}"/>'


LINE_WIDTH = 300  # drawn for a phone (12.6-unit text stays >= 12 px at 288 CSS px); a key above, not beside


def line_chart_svg(data, x, y, lower=None, upper=None, series=None, unit=None, height: int = 150,
                   segment=None) -> dict | None:
    """Lines (one per series) with optional confidence bands, on a time axis where the x values
    are periods (else in data order); `height` is the plot's own height. Lines and bands break
    where the `segment` column (comparable series) changes."""
    _, rows = _columns(data, x, y, lower, upper, series, segment)
    rows = [(xv, _num(yv), _num(lo), _num(hi), s, g) for xv, yv, lo, hi, s, g in rows]
    broken = False
    values = [v for r in rows for v in r[1:4] if v is not None]
    if not any(r[1] is not None for r in rows):
        return None
    xs = list(dict.fromkeys(r[0] for r in rows))
    names = list(dict.fromkeys(r[4] for r in rows))
    if len({r[0] for r in rows if r[1] is not None}) == 1:
        return {"single": True, "summary": "; ".join(
            ("" if not series else f"{r[4]}: ") + f"{format_value(r[1], unit)} in {period_words(r[0])}" for r in rows
            if r[1] is not None) + "."}
    tick_unit, axis_label = _tick_unit(unit)
    keyed = [nm for nm in names if series and any(r[4] == nm and r[1] is not None for r in rows)]
    unit_y = 14 + 18 * len(keyed)
    left, right, top = 56, LINE_WIDTH - 12, unit_y + (18 if axis_label else 0) + 4
    bottom = top + height
    height = bottom + 28
    lo, hi, cut = honest_range(values, unit)
    ticks, decimals = nice_ticks(lo, hi)
    cut = cut and ticks[0] > 0
    sy = _scale(ticks[0], ticks[-1], bottom, top)
    when = time_positions(xs)
    if when:
        first, span = min(when.values()), (max(when.values()) - min(when.values())) or 1.0
        px = {v: left + (when[v] - first) / span * (right - left) for v in xs}
    else:
        step = (right - left) / max(len(xs) - 1, 1)
        px = {v: left + (i * step if len(xs) > 1 else (right - left) / 2) for i, v in enumerate(xs)}

    out = ['<g class="axis">']
    if axis_label:
        out.append(f'<text x="4" y="{unit_y + 4}">{escape(unit_words(axis_label))}</text>')
    for t in ticks:
        ty = _f(sy(t))
        out.append(f'<line x1="{left}" x2="{right}" y1="{ty}" y2="{ty}" stroke="{GRID}" stroke-width="1"/>'
                   f'<text x="{left - 6}" y="{ty}" dy="4" text-anchor="end">'
                   f'{escape(format_value(t, tick_unit, decimals))}</text>')
    out.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>')
    if cut:
        out.append(cut_mark(left, bottom))
    shown, last_x = [], None
    for i, v in enumerate(xs):  # labels left to right, skipping any that would touch the one before
        width = 7.5 * len(period_words(v))
        if i == len(xs) - 1 and shown and px[v] - width / 2 < shown[-1][1] + 8:
            shown.pop()
        if not shown or px[v] - width / 2 >= shown[-1][1] + 8:
            shown.append((v, px[v] + width / 2))
    for v, _ in shown:
        half = 3.75 * len(period_words(v))
        anchor = "start" if px[v] - half < 2 else "end" if px[v] + half > LINE_WIDTH - 2 else "middle"
        out.append(f'<text x="{_f(px[v])}" y="{bottom + 18}" text-anchor="{anchor}">{escape(period_words(v))}</text>')
    out.append("</g>")

    bands, lines, labels, summary = [], [], [], []
    for n, name in enumerate(names):
        colour, dash, shape = COLOURS[n % 4], DASHES[n % 4], n % 4
        own = [r for r in rows if r[4] == name]
        segments, seg, band_segments, band = [], [], [], []
        previous = own[0][5] if own else None
        for xv, v, lo, hi, _, part in own:
            if part != previous:  # a new comparable series: never join it to the last one
                broken = True
                segments, seg = segments + ([seg] if seg else []), []
                band_segments, band = band_segments + ([band] if band else []), []
                previous = part
            if v is None:
                segments, seg = segments + ([seg] if seg else []), []
            else:
                seg.append((px[xv], sy(v)))
            if lo is None or hi is None:
                band_segments, band = band_segments + ([band] if band else []), []
            else:
                band.append((px[xv], sy(hi), sy(lo)))
        segments += [seg] if seg else []
        band_segments += [band] if band else []
        for b in band_segments:
            if len(b) > 1:
                pts = [(a, t) for a, t, _ in b] + [(a, u) for a, _, u in reversed(b)]
                bands.append(f'<polygon points="{" ".join(f"{_f(a)},{_f(c)}" for a, c in pts)}" '
                             f'fill="{colour}" fill-opacity="0.18" stroke="none"/>')
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        lines.append('<g class="series">')
        for s in segments:
            d = " ".join(("M" if i == 0 else "L") + f"{_f(a)} {_f(b)}" for i, (a, b) in enumerate(s))
            lines.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        for s in segments:
            lines.extend(_marker(shape, _f(a), _f(b), colour) for a, b in s)
        lines.append("</g>")
        if name in keyed:
            ky = 14 + 18 * keyed.index(name)
            text = "" if name is None else str(name)
            labels.append(f'<line x1="4" x2="30" y1="{ky - 4}" y2="{ky - 4}" stroke="{colour}" stroke-width="2.5"'
                          f'{dash_attr}/>{_marker(shape, "17", str(ky - 4), colour)}'
                          f'<text class="series-label" x="36" y="{ky}" fill="{INK}">'
                          f'{escape(text if len(text) <= 36 else text[:35] + "…")}</text>')
        known = [r for r in own if r[1] is not None]
        if known:
            prefix = "" if not series else f"{name}: "
            first, final = known[0], known[-1]
            summary.append(prefix + f"{format_value(first[1], unit)} in {period_words(first[0])}"
                           + (f" to {format_value(final[1], unit)} in {period_words(final[0])}" if len(known) > 1 else ""))
    return {
        "width": LINE_WIDTH, "height": height,
        "body": Markup("\n".join(out + bands + lines + labels)),
        "summary": "; ".join(summary) + ".",
        "banded": bool(bands), "cut": cut, "time_axis": bool(when), "single": False, "broken": broken,
    }


def bar_tone(words) -> tuple[str, str]:
    """A bar's colour and legend words from its comparison in words ("Better than Wigan (95%
    confidence)", ...): better, worse, similar, or neither (higher/lower/not compared)."""
    text = str(words or "")
    for start, tone in BAR_TONES:
        if text.startswith(start):
            return tone
    return BAR, "not compared, or neither better nor worse"


def bar_chart_svg(data, label, value, lower=None, upper=None, benchmark=None, benchmark_label="",
                  unit=None, sort: bool = True, note=None, compare=None) -> dict | None:
    """Horizontal bars, largest first, with interval whiskers and an optional benchmark line.

    A missing value is written "not available", or the text of its `note` column if it has one
    (e.g. "suppressed (fewer than 5)"). With `compare` (a column of comparisons in words), each
    bar is coloured by its comparison and `legend` lists the colours used."""
    _, rows = _columns(data, label, value, lower, upper, note, compare)
    notes = {i: n for i, (*_, n, _c) in enumerate(rows)}
    fills = [bar_tone(c)[0] if compare else BAR for *_, c in rows]
    legend = []
    if compare:
        used = {bar_tone(c) for *_, c in rows}
        legend = [tone for tone in [t for _, t in BAR_TONES] + [(BAR, "not compared, or neither better nor worse")]
                  if tone in used]
    rows = [(str(lab), _num(v), _num(lo), _num(hi), notes[i] or "not available", fills[i])
            for i, (lab, v, lo, hi, _, _c) in enumerate(rows)]
    known = [r for r in rows if r[1] is not None]
    if not known:
        return None
    if sort:
        rows.sort(key=lambda r: (r[1] is None, -(r[1] or 0.0)))
    bench = _num(benchmark)
    extent = [v for r in rows for v in r[1:4] if v is not None] + [0.0] + ([bench] if bench is not None else [])
    ticks, decimals = nice_ticks(min(extent), max(extent))
    tick_unit, axis_label = _tick_unit(unit)
    left = min(230, 16 + 7 * max(len(r[0]) for r in rows))
    right, top, bar = WIDTH - 28, 30, 22
    bottom = top + bar * len(rows) + 6
    height = bottom + 44
    sx = _scale(ticks[0], ticks[-1], left, right)
    zero = _f(sx(0.0))
    out = ['<g class="axis">']
    for t in ticks:
        tx = _f(sx(t))
        out.append(f'<line x1="{tx}" x2="{tx}" y1="{top - 4}" y2="{bottom - 6}" stroke="{GRID}" stroke-width="1"/>'
                   f'<text x="{tx}" y="{bottom + 10}" text-anchor="middle">'
                   f'{escape(format_value(t, tick_unit, decimals))}</text>')
    out.append(f'<line x1="{zero}" x2="{zero}" y1="{top - 4}" y2="{bottom - 6}" stroke="{INK}" stroke-width="1"/>')
    if axis_label:
        out.append(f'<text x="{right}" y="{bottom + 30}" text-anchor="end">{escape(axis_label)}</text>')
    out.append("</g>")
    whiskers, figure = False, figure_formatter(unit, html=True)
    for i, (text, v, lo, hi, missing, fill) in enumerate(rows):
        cy = top + bar * i + bar / 2
        label = _escaped(text)
        short = label if len(text) <= 32 else _escaped(text[:31] + "…")
        out.append(f'<g class="bar"><text x="{left - 8}" y="{_f(cy + 4)}" text-anchor="end">{short}</text>')
        if v is None:
            out.append(f'<text x="{zero}" y="{_f(cy + 4)}" dx="6">{_shown(missing)}</text>')
        else:
            a, b = sorted((sx(0.0), sx(v)))
            out.append(f'<rect x="{_f(a)}" y="{_f(cy - 7)}" width="{_f(max(b - a, 0.5))}" height="14" fill="{fill}">'
                       f'<title>{label}: {figure(v)}</title></rect>')
        if lo is not None and hi is not None:
            whiskers = True
            x0, x1, yy = _f(sx(lo)), _f(sx(hi)), _f(cy)
            out.append(f'<path d="M{x0} {yy}H{x1}M{x0} {_f(cy - 5)}V{_f(cy + 5)}M{x1} {_f(cy - 5)}V{_f(cy + 5)}" '
                       f'stroke="{INK}" stroke-width="1.5" fill="none"/>')
        out.append("</g>")
    bench_text = None
    if bench is not None:
        bx, bench_text = _f(sx(bench)), format_value(bench, unit)
        out.append(f'<g class="benchmark"><line x1="{bx}" x2="{bx}" y1="{top - 10}" y2="{bottom - 6}" '
                   f'stroke="{BENCHMARK}" stroke-width="2" stroke-dasharray="6 3"/>'
                   f'<text x="{bx}" y="{top - 14}" text-anchor="middle" fill="{INK}">'
                   f'{escape(benchmark_label)}: {escape(bench_text)}</text></g>')
    hi_row = max(known, key=lambda r: r[1])
    lo_row = min(known, key=lambda r: r[1])
    narrow, narrow_height = _bars_stacked(rows, ticks, decimals, tick_unit, axis_label, unit, bench, benchmark_label)
    return {
        "width": WIDTH, "height": height, "body": Markup("\n".join(out)),
        "narrow_width": NARROW, "narrow_height": narrow_height, "narrow_body": narrow,
        "summary": (f"{len(known)} bars. Highest: {hi_row[0]}, {format_value(hi_row[1], unit)}. "
                    f"Lowest: {lo_row[0]}, {format_value(lo_row[1], unit)}."),
        "whiskers": whiskers, "benchmark": bench_text, "legend": legend,
    }


NARROW = 300  # the phone layout of a bar chart: each label on its own line above its bar


def _bars_stacked(rows, ticks, decimals, tick_unit, axis_label, unit, bench, benchmark_label) -> tuple[Markup, int]:
    """Bars for a phone: label and value on one line, the bar under it, full width; text never
    shrinks below 12 CSS px at 288 px wide."""
    left, right, row_h = 6, NARROW - 10, 40
    top = 24 + (18 if axis_label else 0)
    bottom = top + row_h * len(rows)
    sx = _scale(ticks[0], ticks[-1], left, right)
    out = ['<g class="axis">']
    if axis_label:
        out.append(f'<text x="4" y="14">{escape(unit_words(axis_label))}</text>')
    for t in (ticks[0], ticks[-1]):
        tx = _f(sx(t))
        out.append(f'<line x1="{tx}" x2="{tx}" y1="{top - 6}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>'
                   f'<text x="{tx}" y="{bottom + 16}" text-anchor="{"start" if t == ticks[0] else "end"}">'
                   f'{escape(format_value(t, tick_unit, decimals))}</text>')
    out.append("</g>")
    figure = figure_formatter(unit)
    for i, (text, v, lo, hi, missing, fill) in enumerate(rows):
        y = top + row_h * i
        shown = figure(v) if v is not None else missing
        room = 40 - len(shown) - 2
        label = f"{text if len(text) <= room else text[:room - 1] + '…'}: {shown}"
        out.append(f'<g class="bar"><text x="{left}" y="{_f(y + 12)}">{_escaped(label)}</text>')
        if v is not None:
            a, b = sorted((sx(0.0), sx(v)))
            out.append(f'<rect x="{_f(a)}" y="{_f(y + 18)}" width="{_f(max(b - a, 0.5))}" height="12" fill="{fill}"/>')
        if lo is not None and hi is not None:
            x0, x1, yy = _f(sx(lo)), _f(sx(hi)), _f(y + 24)
            out.append(f'<path d="M{x0} {yy}H{x1}M{x0} {_f(y + 20)}V{_f(y + 28)}M{x1} {_f(y + 20)}V{_f(y + 28)}" '
                       f'stroke="{INK}" stroke-width="1.5" fill="none"/>')
        out.append("</g>")
    if bench is not None:
        bx = sx(bench)
        out.append(f'<g class="benchmark"><line x1="{_f(bx)}" x2="{_f(bx)}" y1="{top - 4}" y2="{bottom}" '
                   f'stroke="{BENCHMARK}" stroke-width="2" stroke-dasharray="6 3"/>'
                   f'<text x="{_f(min(max(bx, 70), NARROW - 70))}" y="{top - 8}" text-anchor="middle">'
                   f'{escape(benchmark_label)}: {escape(format_value(bench, unit))}</text></g>')
    return Markup("\n".join(out)), bottom + 24


def sparkline_svg(data, x, y, width: int = 120, height: int = 32) -> dict | None:
    """A tiny trend line (no axes); its component adds a table of the same figures."""
    _, rows = _columns(data, x, y)
    pts = [(xv, _num(v)) for xv, v in rows if _num(v) is not None]
    if len(pts) < 2:
        return None
    lo, hi = min(p[1] for p in pts), max(p[1] for p in pts)
    sy = _scale(lo, hi if hi > lo else lo + 1, height - 4, 4)
    step = (width - 8) / (len(pts) - 1)
    coords = [(4 + i * step, sy(v) if hi > lo else height / 2) for i, (_, v) in enumerate(pts)]
    line = " ".join(f"{_f(a)},{_f(b)}" for a, b in coords)
    body = (f'<polyline points="{line}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>'
            f'<circle cx="{_f(coords[-1][0])}" cy="{_f(coords[-1][1])}" r="3" fill="{COLOURS[0]}"/>')
    return {"width": width, "height": height, "body": Markup(body)}


# The components drawn with these charts (called from pages as macros are; see site/COMPONENTS.md).
# Each writes what its Jinja macro wrote, byte for byte: `_shown` is `{{ value }}`, `markup_join` is `~`.

def _default_columns(first: list, x_or_label: dict, value: dict, lower, upper, unit) -> list[dict]:
    columns = first + [x_or_label, value]
    if lower and upper:
        columns += [{"id": lower, "title": "Lower 95% limit", "unit": unit}, {"id": upper, "title": "Upper 95% limit", "unit": unit}]
    return columns


def _figures(state, result, columns, title, caption, csv_data, csv_label) -> str:
    """The collapsed table under a chart."""
    return (f'<details class="figures"><summary>Show figures<span class="visually-hidden">: {_shown(title)}</span></summary>\n'
            f'{data_table_html(state, result, columns=columns, caption=caption, csv_data=csv_data, csv_label=csv_label)}\n'
            '</details>\n')


def _described(description) -> str:
    return _shown(markup_join((description, " "))) if description else ""


def line_chart_html(state, data, x="period", y="value", lower=None, upper=None, series=None, title="", description="",
                    unit=None, x_title="Period", y_title="Value", table_columns=None, caption=None, csv_data=None,
                    csv_label=None, table_data=None, missing_reason=None, segment=None) -> Markup:
    """The `line_chart` component: a trend over periods, one line per series, shaded 95% confidence
    bands, then its table."""
    result = as_result(data)
    if unit is None and "unit" in result.columns and len(result):
        unit = result[0].unit
    g = line_chart_svg(result, x, y, lower, upper, series, unit, segment=segment)
    if g is None:
        if not missing_reason:
            missing_reason = (markup_join(("every figure in this series is ", result[0].value_note))
                              if len(result) and "value_note" in result.columns and result[0].value_note
                              else "the warehouse holds no figures for this series")
        return Markup(f'<p class="no-data">{_shown(title)}: no figures to show, because {_shown(missing_reason)}.</p>\n')
    table = table_data if table_data is not None else result
    caption_text = markup_join((title, ": figures"))
    first = [series] if series else []
    y_column = {"id": y, "title": y_title, "unit": unit}
    if g["single"]:
        columns = table_columns or _default_columns(first, {"id": x, "title": x_title}, y_column, None, None, unit)
        return Markup(f'<p class="single-value"><strong>{_shown(title)}</strong>: {_shown(g["summary"])} Only one period '
                      'is published so far, so there is no trend to draw.</p>\n'
                      f'{data_table_html(state, table, columns=columns, caption=caption_text, csv_data=csv_data, csv_label=csv_label)}\n')
    cid = _shown(state.next_id("c"))
    banded = " Shaded bands show 95% confidence intervals." if g["banded"] else ""
    title_text = _shown(title)
    columns = table_columns or _default_columns(first, {"id": x, "title": x_title}, y_column, lower, upper, unit)
    return Markup(
        '<figure class="chart line-chart">\n'
        f'<svg class="chart-svg" viewBox="0 0 {_shown(g["width"])} {_shown(g["height"])}" role="img" '
        f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" focusable="false">\n'
        f'<title id="{cid}-title">{title_text}</title>\n'
        f'<desc id="{cid}-desc">{_described(description)}{_shown(g["summary"])}{banded}'
        f'{" The value axis does not start at zero." if g["cut"] else ""} The same figures are in the table below.</desc>\n'
        f'{g["body"]}\n</svg>\n'
        f'<figcaption>{_shown(caption or title)}.{banded}{" Periods are spaced by date." if g["time_axis"] else ""}'
        f'{" The value axis does not start at zero (marked by a break)." if g["cut"] else ""}'
        f'{" The line breaks where the comparable series changes (see the table)." if g["broken"] else ""}</figcaption>\n'
        '</figure>\n'
        + _figures(state, table, columns, title, caption_text, csv_data, csv_label))


def bar_chart_html(state, data, label="ward_name", value="value", lower=None, upper=None, benchmark=None,
                   benchmark_label="Benchmark", title="", description="", unit=None, sort=True, value_title="Value",
                   table_columns=None, link=None, caption=None, csv_data=None, csv_label=None, note=None,
                   compare=None) -> Markup:
    """The `bar_chart` component: ranked horizontal bars with 95% interval whiskers and a benchmark
    line (a wide and a phone layout), then its table."""
    result = as_result(data)
    if unit is None and "unit" in result.columns and len(result):
        unit = result[0].unit
    g = bar_chart_svg(result, label, value, lower, upper, benchmark, benchmark_label, unit, sort, note, compare)
    title_text, caption_text = _shown(title), markup_join((title, ": figures"))
    label_column = {"id": label, "title": humanise(label), "link": link}
    value_column = {"id": value, "title": value_title, "unit": unit, "missing": note}
    if g is None:
        if not len(result):
            return Markup(f'<p class="no-data">{title_text}: no bar can be drawn, because the warehouse holds no figures '
                          'for it.</p>\n')
        return Markup(f'<p class="no-data">{title_text}: no bar can be drawn, because every figure for this period is '
                      'suppressed, withheld or not available; the table gives the reason for each.</p>\n'
                      + _figures(state, result, table_columns or [label_column, value_column], title, caption_text,
                                 csv_data, csv_label))
    cid = _shown(state.next_id("c"))
    benchmark_text = _shown(benchmark_label)
    whiskers = " Lines across each bar show the 95% confidence interval." if g["whiskers"] else ""
    bench = _shown(g["benchmark"])
    dashed = f" Dashed line: {benchmark_text}, {bench}." if g["benchmark"] else ""
    out = ['<figure class="chart">\n']
    for layout, w, h, body in (("bar-wide", g["width"], g["height"], g["body"]),
                               ("bar-narrow", g["narrow_width"], g["narrow_height"], g["narrow_body"])):
        out.append(f'<svg class="chart-svg {layout}" viewBox="0 0 {_shown(w)} {_shown(h)}" role="img" '
                   f'aria-labelledby="{cid}-{layout}-title" aria-describedby="{cid}-{layout}-desc" focusable="false">\n'
                   f'<title id="{cid}-{layout}-title">{title_text}</title>\n'
                   f'<desc id="{cid}-{layout}-desc">{_described(description)}{_shown(g["summary"])}{whiskers}{dashed} '
                   f'The same figures are in the table below.</desc>\n{body}\n</svg>\n')
    if g["legend"]:
        out.append('<ul class="map-legend" aria-label="Bar colours">\n')
        for fill, words in g["legend"]:
            against = (markup_join((" than " if words in ("better", "worse") else " to ", benchmark_label))
                       if words in ("better", "worse", "similar") else "")
            out.append('<li><svg class="swatch" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
                       f'focusable="false"><rect x="0.5" y="0.5" width="15" height="15" fill="{_shown(fill)}" '
                       f'stroke="#0b0c0c"/></svg> {_shown(words)}{_shown(against)}</li>\n')
        out.append("</ul>\n")
    out.append(f'<figcaption>{_shown(caption or title)}.'
               f'{" Black lines show 95% confidence intervals." if g["whiskers"] else ""}'
               f'{f" Dashed line: {benchmark_text} ({bench})." if g["benchmark"] else ""}'
               '</figcaption>\n</figure>\n')
    columns = table_columns or _default_columns([], label_column, value_column, lower, upper, unit)
    out.append(_figures(state, result, columns, title, caption_text, csv_data, csv_label))
    return Markup("".join(out))


def big_value_html(state, data, value="value", title="", unit=None, decimals=None, comparison=None,
                   comparison_title="Compared with", comparison_text=None, sparkline=None, sparkline_data=None,
                   sparkline_value=None) -> Markup:
    """The `big_value` component: a headline number with its unit, a comparison line and an optional
    sparkline (plus its table)."""
    result = as_result(data)
    result.require(value, comparison, comparison_text)
    row = result[0] if len(result) else None
    if unit is None and row is not None and "unit" in row:
        unit = row.unit
    if row is not None and row[value] is None and "value_lower_bound" in row and row.value_lower_bound is not None:
        # a range (suppressed inputs) shows as a range
        number = format_figure(None, row.value_lower_bound, row.value_upper_bound, unit, decimals)
    else:
        number = format_value(row[value] if row is not None else None, unit, decimals)
    out = [f'<div class="big-value">\n<p class="big-value-title">{_shown(title)}</p><p class="big-value-number">'
           f'{_shown(number)}</p>\n']
    if comparison and row is not None:
        out.append(f'<p class="big-value-comparison">{_shown(comparison_title)} '
                   f'{_shown(format_value(row[comparison], unit, decimals))}</p>\n')
    if comparison_text and row is not None and row[comparison_text]:
        out.append(f'<p class="big-value-text">{_shown(row[comparison_text])}</p>\n')
    if sparkline:
        trend = as_result(sparkline_data if sparkline_data is not None else result)
        yname = sparkline_value or value
        g = sparkline_svg(trend, sparkline, yname)
        if g is not None:
            cid = _shown(state.next_id("c"))
            desc = "; ".join(f"{_shown(r[sparkline])}: {_shown(format_value(r[yname], unit, decimals))}" for r in trend)
            columns = [{"id": sparkline, "title": "Period"},
                       {"id": yname, "title": title or "Value", "unit": unit, "decimals": decimals}]
            out.append(f'<svg class="sparkline" viewBox="0 0 {_shown(g["width"])} {_shown(g["height"])}" role="img" '
                       f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" focusable="false">\n'
                       f'<title id="{cid}-title">Trend: {_shown(title)}</title>\n'
                       f'<desc id="{cid}-desc">{desc}{"." if len(trend) else ""}</desc>\n{g["body"]}\n</svg>\n'
                       '<details class="sparkline-table">\n'
                       f'<summary>Trend figures<span class="visually-hidden">: {_shown(title)}</span></summary>\n'
                       f'{data_table_html(state, trend, columns=columns, caption=markup_join(("Trend: ", title)))}\n'
                       '</details>\n')
    out.append("</div>\n")
    return Markup("".join(out))
