"""trend_chart: one area against a benchmark over time, as a compact SVG and a table, in Python.

Ward pages draw one per indicator for thousands of wards, so this component is written for
speed (one pass over the rows, no axis machinery; what charts share, such as the axes of the
same periods or scale, is drawn once; a column of positive floats is printed by str.format
templates: its line or band through each run of comparable figures, and its cells of the table)
while keeping the rules of every chart:
<title> and <desc>, a direct label on each line, a dash pattern as well as a colour, a shaded
95% band, and a table of the same figures after it (Period, area, its interval, benchmark).
"""

from __future__ import annotations

import functools
import math
from itertools import chain

from markupsafe import Markup, escape

from .charts import COLOURS, GRID, cut_mark, honest_range, nice_ticks, time_positions
from .data import as_result
from .details import details_html
from .formatting import figure_formatter, format_value, formatter, heading_unit, period_words, unit_words

# Drawn for a phone: 300 units wide with 12.6-unit text, so at 288 CSS px (a 320 px screen)
# no text is under 12 px; the key sits above the plot, not beside it.
WIDTH, LEFT, RIGHT, KEY_ROW = 300, 52, 290, 18


@functools.lru_cache(maxsize=4096)  # a site has few period labels
def _period_html(period) -> str:
    return str(escape(period_words(period)))


def _f(v: float) -> str:
    return f"{v:.1f}"


@functools.lru_cache(maxsize=1024)  # every ward's chart of an indicator has the same periods
def _x_axis(periods: tuple, bottom: int) -> tuple[list[str], str, bool]:
    """The periods' x positions as printed, the axis's first and last period labels, and whether
    the periods are spaced by date."""
    n = len(periods)
    when = time_positions(periods)
    if when:
        first, span = min(when.values()), (max(when.values()) - min(when.values())) or 1.0
        xs = [LEFT + (when[p] - first) / span * (RIGHT - LEFT) for p in periods]
    else:
        step = (RIGHT - LEFT) / max(n - 1, 1)
        xs = [LEFT + i * step if n > 1 else (LEFT + RIGHT) / 2 for i in range(n)]
    labels = f'<text x="{_f(xs[0])}" y="{bottom + 18}" text-anchor="start">{_period_html(periods[0])}</text>'
    if n > 1:
        labels += f'\n<text x="{_f(xs[-1])}" y="{bottom + 18}" text-anchor="end">{_period_html(periods[-1])}</text>'
    return [_f(v) for v in xs], labels, bool(when)


@functools.lru_cache(maxsize=2048)  # and mostly the same breaks in the series
def _run_templates(periods: tuple, bottom: int, runs: tuple) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """For each run of periods (first and last index), str.format templates of a line through its
    periods and of a band (forwards along its upper edge, back along its lower), given y positions."""
    points = [f"{x},{{:.1f}}" for x in _x_axis(periods, bottom)[0]]
    return (tuple(" ".join(points[a:b + 1]) for a, b in runs),
            tuple(" ".join(points[a:b + 1] + points[b::-1][:b + 1 - a]) for a, b in runs))


@functools.lru_cache(maxsize=4096, typed=True)  # charts on the same scale share their value axis
def _y_axis(ticks: tuple, decimals: int, unit, top: int, cut: bool) -> str:
    """The value axis: its unit, a grid line and label per tick, and the cut mark."""
    bottom = top + 104
    lo_t, k = ticks[0], (bottom - top) / ((ticks[-1] - ticks[0]) or 1.0)
    tick_unit = "%" if unit == "%" else None
    out = ['<g class="axis">']
    if unit and unit != "%":
        out.append(f'<text x="4" y="{top - 10}">{escape(unit_words(unit))}</text>')
    for t in ticks:
        ty = _f(bottom - (t - lo_t) * k)
        out.append(f'<line x1="{LEFT}" x2="{RIGHT}" y1="{ty}" y2="{ty}" stroke="{GRID}"/>'
                   f'<text x="{LEFT - 6}" y="{ty}" dy="4" text-anchor="end">{escape(format_value(t, tick_unit, decimals))}</text>')
    if cut:
        out.append(cut_mark(LEFT, bottom))
    return "\n".join(out)


def _plain(column: list) -> bool:
    """Every figure a finite float > 0: printed alike by a formatter and its str.format field."""
    return set(map(type, column)) == {float} and math.isfinite(sum(column)) and min(column) > 0.0


@functools.lru_cache(maxsize=1024)
def _table_template(periods: tuple, field: str, plain_y: bool, interval: int, plain_b: bool) -> str:
    """The table's rows, latest first (period, value, interval, benchmark), as one str.format
    template of their cells: a column of positive floats (`plain_`) is printed by `field`, any other
    comes printed ('{}'); the interval is two fields (`interval` 2), comes printed (1) or is n/a (0)."""
    ci = ("n/a", "{}", f"{field} to {field}")[interval]
    cells = (f'</th><td class="num">{field if plain_y else "{}"}</td><td class="num">{ci}</td>'
             f'<td class="num">{field if plain_b else "{}"}</td></tr>\n')
    return "".join(f'<tr><th scope="row">{_period_html(p).replace("{", "{{").replace("}", "}}")}' + cells
                   for p in reversed(periods))


@functools.lru_cache(maxsize=256)
def _table_units(unit) -> tuple:
    """A table's formatter of figures (HTML) and the words of its unit for the caption (escaped,
    stated once there, not after every number)."""
    words = heading_unit(unit)
    return formatter(unit, html=True, bare=bool(words)), escape(f" ({words})" if words else "")


@functools.lru_cache(maxsize=1024, typed=True)  # typed: Markup and str names escape differently
def _table_head(area_label, benchmark_label) -> str:
    return (f'<thead>\n<tr><th scope="col">Period</th><th scope="col" class="num">{escape(area_label)}</th>'
            f'<th scope="col" class="num">95% interval</th><th scope="col" class="num">{escape(benchmark_label)}</th></tr>\n'
            f'</thead>\n<tbody>\n')


@functools.lru_cache(maxsize=1024, typed=True)  # typed: Markup and str names escape differently
def _key(name, colour: str, dash: str, key_y: int) -> str:
    """A series' entry in the key: its line and its name."""
    text = str(name)
    return (f'<line x1="4" x2="30" y1="{key_y - 4}" y2="{key_y - 4}" stroke="{colour}" stroke-width="2.5"{dash}/>'
            f'<text class="series-label" x="36" y="{key_y}">{escape(text if len(text) <= 34 else text[:33] + "…")}</text>')


def trend_chart_html(state, data, x="period", y="value", lower=None, upper=None, benchmark=None,
                     note=None, area_label="Area", benchmark_label="Benchmark", title="", unit=None,
                     csv=True, csv_data=None, csv_label=None, segment=None, break_reason=None) -> Markup:
    """`segment` names the column of comparable series (the marts' segment_id): lines and bands
    break where it changes, and the caption says so, with `break_reason` where given."""
    result = as_result(data)
    result.require(x, y, lower, upper, benchmark, note, segment, break_reason)
    link = None
    if csv:
        def link() -> str:
            download = as_result(csv_data) if csv_data is not None else result
            return (f'<p class="download"><a href="{escape(state.csv_file(download))}" download>'
                    f'{escape(csv_label or "Download this data as CSV")}<span class="visually-hidden"> '
                    f'({escape(title)})</span></a></p>\n')
    return Markup(_chart(state, [r._vals for r in result], _Columns(result.columns, x, y, lower, upper, benchmark,
                                                                    note, segment, break_reason),
                         area_label, benchmark_label, title, unit, link))


class _Columns:
    """Where a chart's columns are in its rows (None: not given)."""

    __slots__ = ("ix", "iy", "il", "iu", "ib", "inote", "iseg", "ibreak")

    def __init__(self, cols: list, x, y, lower, upper, benchmark, note, segment, break_reason):
        at = cols.index
        self.ix, self.iy = at(x), at(y)
        self.il, self.iu = (at(lower), at(upper)) if lower and upper else (None, None)
        self.ib = at(benchmark) if benchmark else None
        self.inote = at(note) if note else None
        self.iseg = at(segment) if segment else None
        self.ibreak = at(break_reason) if segment and break_reason else None


def _chart(state, rows: list, c: _Columns, area_label, benchmark_label, title, unit, link) -> str:
    """The chart of `rows` (tuples; columns at `c`) as HTML; `link()` gives the download's link."""
    title_html = escape(title)
    ix, iy, il, iu, ib, inote = c.ix, c.iy, c.il, c.iu, c.ib, c.inote
    num = (int, float)
    n = len(rows)
    columns = list(zip(*rows)) if rows else []
    used = [i for i in (iy, il, iu, ib) if i is not None]
    plain = {i: bool(rows) and _plain(columns[i]) for i in used}  # every figure a float > 0
    values = (list(chain.from_iterable(columns[i] for i in used)) if all(plain.values()) else  # no NaN: any order
              [v for r in rows for i in used if type(v := r[i]) in num])
    if not values:
        notes = {r[inote] for r in rows if inote is not None and r[inote]}
        why = (f"every figure is {sorted(notes)[0]}" if len(notes) == 1 else
               "the warehouse holds no figures for this series")
        return f'<p class="no-data">{title_html}: no figures to show, because {escape(why)}.</p>\n'
    periods, ys_in = columns[ix], columns[iy]
    with_values = [i for i in range(n) if type(ys_in[i]) in num]
    if len({periods[i] for i in with_values}) == 1:
        r = rows[with_values[0]]
        figure = figure_formatter(unit)
        text = f"{area_label}: {figure(r[iy])} in {period_words(r[ix])}."
        if ib is not None and type(r[ib]) in num:
            text += f" {benchmark_label}: {figure(r[ib])}."
        return (f'<p class="single-value"><strong>{title_html}</strong>: {escape(text)} Only one period '
                f'is published so far, so there is no trend to draw.</p>\n')
    # runs of comparable figures (the marts' segment_id): lines and bands break between them
    starts, breaks = [0], []
    if c.iseg is not None:
        segments = columns[c.iseg]
        for i in range(1, n):
            if segments[i] != segments[i - 1]:
                why = rows[i][c.ibreak] if c.ibreak is not None else None
                breaks.append(f"between {period_words(periods[i - 1])} and {period_words(periods[i])}"
                              + (f" ({why})" if why else ""))
                starts.append(i)
    runs = tuple(zip(starts, [s - 1 for s in starts[1:]] + [n - 1]))
    lo_v, hi_v, cut = honest_range(values, unit)
    ticks, decimals = nice_ticks(lo_v, hi_v, 3)
    cut = cut and ticks[0] > 0
    lo_t, hi_t = ticks[0], ticks[-1]
    has_b = ib is not None and (plain[ib] or any(type(v) in num for v in columns[ib]))
    top = 14 + KEY_ROW * ((1 if with_values else 0) + has_b) + (KEY_ROW if unit and unit != "%" else 0) + 8
    bottom = top + 104
    height = bottom + 28
    k = (bottom - top) / ((hi_t - lo_t) or 1.0)
    periods = tuple(periods)
    xs, x_labels, when = _x_axis(periods, bottom)
    lines, bands = _run_templates(periods, bottom, runs)
    # a column whose figures are all floats > 0 (most are) is printed with str.format templates: its
    # line (or band) through each run, and its cells of the table
    plain_y, plain_b = plain[iy], ib is not None and plain[ib]
    plain_ci = il is not None and plain[il] and plain[iu]
    no_ci = il is None or not {int, float} & set(map(type, columns[il]))
    out = [_y_axis(tuple(ticks), decimals, unit, top, cut), x_labels, "</g>"]
    drawn_band = drawn_benchmark = False
    if plain_ci:
        highs = [bottom - (v - lo_t) * k for v in columns[iu]]
        lows = [bottom - (v - lo_t) * k for v in columns[il]]
        for (a, b), template in zip(runs, bands):
            if b > a:
                out.append(f'<polygon points="{template.format(*highs[a:b + 1], *lows[b::-1][:b + 1 - a])}" '
                           f'fill="{COLOURS[0]}" fill-opacity="0.18"/>')
                drawn_band = True
    elif not no_ci:
        lows, highs = columns[il], columns[iu]
        for a, b in runs:
            band = [i for i in range(a, b + 1) if type(lows[i]) in num and type(highs[i]) in num]
            if len(band) > 1:
                pts = ([f"{xs[i]},{bottom - (highs[i] - lo_t) * k:.1f}" for i in band]
                       + [f"{xs[i]},{bottom - (lows[i] - lo_t) * k:.1f}" for i in reversed(band)])
                out.append(f'<polygon points="{" ".join(pts)}" fill="{COLOURS[0]}" fill-opacity="0.18"/>')
                drawn_band = True
    key_y = 14
    for i_col, colour, dash, name in ((iy, COLOURS[0], "", area_label),
                                      (ib, COLOURS[1], ' stroke-dasharray="7 4"', benchmark_label)):
        if i_col is None:
            continue
        if plain[i_col]:
            ys = [bottom - (v - lo_t) * k for v in columns[i_col]]
            for (a, b), template in zip(runs, lines):
                if b > a:
                    out.append(f'<polyline points="{template.format(*ys[a:b + 1])}" fill="none" stroke="{colour}" '
                               f'stroke-width="2.5"{dash}/>')
                elif len(runs) > 1:
                    out.append(f'<circle cx="{xs[a]}" cy="{ys[a]:.1f}" r="3.5" fill="{colour}"/>')
            out.append(f'<circle cx="{xs[-1]}" cy="{ys[-1]:.1f}" r="3.5" fill="{colour}"/>')
        else:
            ys = [f"{bottom - (v - lo_t) * k:.1f}" if type(v) in num else None for v in columns[i_col]]
            last = next((i for i in range(n - 1, -1, -1) if ys[i] is not None), None)
            if last is None:
                continue
            for a, b in runs:
                seg = [i for i in range(a, b + 1) if ys[i] is not None]
                if len(seg) > 1:
                    out.append(f'<polyline points="{" ".join([f"{xs[i]},{ys[i]}" for i in seg])}" fill="none" '
                               f'stroke="{colour}" stroke-width="2.5"{dash}/>')
                elif seg and len(runs) > 1:
                    out.append(f'<circle cx="{xs[seg[0]]}" cy="{ys[seg[0]]}" r="3.5" fill="{colour}"/>')
            out.append(f'<circle cx="{xs[last]}" cy="{ys[last]}" r="3.5" fill="{colour}"/>')
        drawn_benchmark |= i_col == ib
        out.append(_key(name, colour, dash, key_y))
        key_y += KEY_ROW

    figure = figure_formatter(unit)
    first, last = (rows[with_values[0]], rows[with_values[-1]]) if with_values else (None, None)
    summary = f"{area_label}: " + (
        f"{figure(first[iy])} in {period_words(first[ix])} to {figure(last[iy])} in {period_words(last[ix])}."
        if first is not None and last is not first else
        (f"{figure(first[iy])} in {period_words(first[ix])}." if first is not None else "no figures."))
    if ib is not None:
        bl = next((r for r in reversed(rows) if type(r[ib]) in num), None)
        if bl is not None:
            summary += f" {benchmark_label}: {figure(bl[ib])} in {period_words(bl[ix])}."
    drawn_text = "".join(text + " " for text in (
        f"Solid line: {area_label}." if len(with_values) > 1 else f"Dot: {area_label}.",
        f"Dashed line: {benchmark_label}." if drawn_benchmark else "",
        "Shaded band: 95% confidence interval." if drawn_band else "",
        "Periods are spaced by date." if when else "",
        "The value axis does not start at zero (marked by a break)." if cut else "",
        ("The line breaks where the comparable series changes, " + "; ".join(breaks) + ".") if breaks else "")
        if text)
    drawn_html = escape(drawn_text)
    cid = state.next_id("c")
    tid = state.next_id("t")
    head = (f'<figure class="chart trend-chart">\n'
            f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{cid}-title" '
            f'aria-describedby="{cid}-desc" focusable="false">\n<title id="{cid}-title">{title_html}</title>\n'
            f'<desc id="{cid}-desc">{escape(summary)} {drawn_html}The same figures are in the table below.</desc>\n')
    fmt, words = _table_units(unit)
    # the table's rows, latest first; its cells are labelled from the column headings on phones by
    # static/cards.js (keeps pages light)
    shown = [ys_in[::-1] if plain_y else
             [fmt(v) if type(v := r[iy]) in num else escape(r[inote] if inote is not None and r[inote] else "n/a")
              for r in reversed(rows)]]
    if plain_ci:
        shown += [columns[il][::-1], columns[iu][::-1]]
    elif not no_ci:
        shown.append([f"{fmt(r[il])} to {fmt(r[iu])}" if type(r[il]) in num and type(r[iu]) in num else "n/a"
                      for r in reversed(rows)])
    shown.append(columns[ib][::-1] if plain_b else
                 [fmt(v) if type(v) in num else "n/a" for v in columns[ib][::-1]] if ib is not None else ["n/a"] * n)
    template = _table_template(periods, fmt.field, plain_y, 2 if plain_ci else 0 if no_ci else 1, plain_b)
    table = (f'<details class="figures"><summary>Show figures<span class="visually-hidden">: {title_html}</span></summary>\n'
             f'<div class="table-wrap" role="region" aria-labelledby="{tid}-caption" tabindex="0">\n'
             f'<table class="data-table" id="{tid}">\n<caption id="{tid}-caption">{title_html}: figures{words}, latest first</caption>\n'
             f'{_table_head(area_label, benchmark_label)}{template.format(*chain.from_iterable(zip(*shown)))}</tbody>\n</table>\n</div>\n</details>\n'
             + (link() if link else ""))
    return (head + "\n".join(out) + "\n</svg>\n"
            f"<figcaption>{title_html}. {drawn_html.strip()}</figcaption>\n</figure>\n" + table)


def trend_list(state, items, series, area_label="Area", benchmark_label="Benchmark", key="indicator_id",
               x="period", y="value", lower=None, upper=None, benchmark=None, note=None, segment=None,
               break_reason=None, empty="There are no figures yet.") -> Markup:
    """For each row of `items` (columns `key`, title, unit, period), in order, the rows of `series`
    with the same `key`: where there are two or more, a collapsed `details` ("<title>: N periods,
    to <period>") holding their trend chart ("<title>: <area_label> and <benchmark_label> over
    time", no CSV); `empty` is the paragraph when `items` has no rows. One call draws a ward
    page's "Over time" section (a Jinja loop of details and charts cost as much as the charts)."""
    items, series = as_result(items), as_result(series)
    items.require(key, "title", "unit", "period")
    series.require(key, x, y, lower, upper, benchmark, note, segment, break_reason)
    if not items:
        return Markup(f"<p>{escape(empty)}</p>\n")
    columns = _Columns(series.columns, x, y, lower, upper, benchmark, note, segment, break_reason)
    at = series.columns.index(key)
    by_key: dict = {}
    for r in series:
        by_key.setdefault(r._vals[at], []).append(r._vals)
    at, title, unit, period = (items.columns.index(c) for c in (key, "title", "unit", "period"))
    out = []
    for item in items:
        r = item._vals
        rows = by_key.get(r[at], ())
        if len(rows) > 1:
            chart = _chart(state, rows, columns, area_label, benchmark_label,
                           f"{r[title]}: {area_label} and {benchmark_label} over time", r[unit], None)
            out.append(details_html(escape(f"{r[title]}: {len(rows)} periods, to {period_words(r[period])}"),
                                    chart + "\n\n"))  # a trend_chart's line and the one after it, as in a page
    return Markup("".join(out))
