"""The ward profile: a one-sentence summary and a spine chart, rendered from the marts' statuses.

Nothing here judges a value. The comparison with the borough (`comparison_status`: Better,
Similar, Worse, Higher, Lower or Cannot be assessed), its reason and the ward's rank come from
the warehouse; this module only counts them and draws them. Each spine row is a table row:
the indicator with its unit and period, the ward's and the borough's figures, the comparison
as a shape and in words (never colour alone), and a small SVG without text marking the ward's
value against the range of the borough's wards (lowest to highest, the middle half darker) and
the borough's figure. Being a table, it reflows on phones (see site.css) and reads without
JavaScript or images.
"""

from __future__ import annotations

import functools
import math

from markupsafe import Markup, escape

from .data import as_result
from .formatting import WHOLE_NUMBERS, _number, decimals_for, figure_formatter, format_interval, period_words

WIDTH, HEIGHT, PAD = 240, 28, 8
COLUMNS = ("title", "indicator_page", "unit", "unit_label", "period", "value", "value_note", "la_value",
           "ward_min", "ward_q1", "ward_q3", "ward_max", "comparison_status", "comparison_reason",
           "rank_in_la", "n_wards_in_la", "trend")
UNKNOWN_TREND = {None, "", "Cannot be calculated", "Cannot be assessed"}
# status -> (shape, fill); every marker has a dark outline so light fills still show (WCAG 1.4.11)
MARKERS = {
    "Better": ("circle", "#00703c"),
    "Similar": ("square", "#ffdd00"),
    "Worse": ("diamond", "#d4351c"),
    "Higher": ("up", "#1d70b8"),
    "Lower": ("down", "#1d70b8"),
    "Cannot be assessed": ("ring", "#ffffff"),
}
JUDGED = ("Worse", "Better", "Similar")
ENGLAND = "#1d70b8"
COUNT_UNITS = {"people", "count"}


NUMBERS = (int, float)


def _num(v) -> bool:
    return type(v) in NUMBERS


def _shape(status: str, x: float, y: float, r: float = 6.5) -> str:
    shape, fill = MARKERS.get(status, MARKERS["Cannot be assessed"])
    edge = 'stroke="#0b0c0c" stroke-width="1.5"'
    if shape in ("circle", "ring"):
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r - 0.5:.1f}" fill="{fill}" {edge}/>'
    if shape == "square":
        s = r * 0.85
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="{fill}" {edge}/>'
    if shape == "diamond":
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    elif shape == "up":
        pts = [(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)]
    else:
        pts = [(x, y + r), (x + r, y - r * 0.8), (x - r, y - r * 0.8)]
    return f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}" fill="{fill}" {edge}/>'


@functools.lru_cache(maxsize=64)  # drawn on every row
def marker_svg(status: str) -> str:
    """The status's shape alone, as a decorative icon beside its words."""
    return (f'<svg class="spine-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
            f'focusable="false">{_shape(status, 8, 8, 6.5)}</svg>')


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def status_words(status, la_name: str, capital: bool = True) -> str:
    status = str(status or "Cannot be assessed")
    word = status if capital else status.lower()
    if status in ("Better", "Worse", "Higher", "Lower"):
        return f"{word} than {la_name}"
    if status == "Similar":
        return f"{word} to {la_name}"
    return word


def rank_words(rank, n, tied=None) -> str:
    """'3rd highest of 25 wards', or 'joint 3rd highest (with 1 other ward) of 25 wards' for a tie."""
    if not _num(rank) or not _num(n) or not n:
        return ""
    if _num(tied) and tied > 1:
        others = int(tied) - 1
        return (f"joint {ordinal(int(rank))} highest (with {others} other ward{'' if others == 1 else 's'}) "
                f"of {int(n)} wards")
    return f"{ordinal(int(rank))} highest of {int(n)} wards"


def ward_summary_html(data, ward_name: str, la_name: str) -> Markup:
    first, *rest = summary_sentences(data, ward_name, la_name)
    more = f' <span class="ward-summary-more">{escape(" ".join(rest))}</span>' if rest else ""
    return Markup(f'<p class="ward-summary"><strong>{escape(first)}</strong>{more}</p>\n')


def ward_summary(data, ward_name: str, la_name: str) -> str:
    """The summary as plain text."""
    return " ".join(summary_sentences(data, ward_name, la_name))


def summary_sentences(data, ward_name: str, la_name: str) -> list[str]:
    """From the statuses: how many indicators are worse, better and similar than the borough."""
    result = as_result(data)
    if result:
        result.require("value", "comparison_status")
    at_value, at_status = (result.columns.index(c) if result else 0 for c in ("value", "comparison_status"))
    counts = {s: 0 for s in (*JUDGED, "Higher", "Lower")}
    unassessed = 0
    for r in result:
        if type(r._vals[at_value]) not in NUMBERS:
            continue
        status = r._vals[at_status]
        if status in counts:
            counts[status] += 1
        else:
            unassessed += 1
    judged = sum(counts[s] for s in JUDGED)
    with_values = judged + counts["Higher"] + counts["Lower"] + unassessed
    if not with_values:
        return [f"There are no figures for {ward_name} yet."]
    parts = []
    if judged:
        order = sorted(JUDGED, key=lambda s: -counts[s])  # stable: worse, better, similar on ties
        lead, rest = order[0], [s for s in order[1:] if counts[s]]
        of = ("the one indicator" if judged == 1 else f"all {judged} indicators" if counts[lead] == judged
              else f"{counts[lead]} of the {judged} indicators")
        parts.append(f"{ward_name} is {status_words(lead, la_name, capital=False)} on {of} "
                     f"that can be judged against {la_name}"
                     + "".join(f"; {s.lower()} on {counts[s]}" for s in rest) + ".")
    else:
        parts.append(f"None of {ward_name}'s figures can be judged better or worse than {la_name}.")
    neutral = [f"{s.lower()} on {counts[s]}" for s in ("Higher", "Lower") if counts[s]]
    if neutral:
        parts.append(f"Where higher is neither better nor worse, it is {' and '.join(neutral)}.")
    if unassessed:
        parts.append(f"{unassessed} more cannot be assessed (the table says why); "
                     f"for those, the ward's rank among {la_name}'s wards is shown.")
    return parts


def _decimals(r) -> int:
    """Decimals for every figure of a row: whole numbers for counts, else enough that the ward,
    the council, England and the wards' range do not print alike when they differ."""
    if _whole(r["unit"]):
        return 0
    return _decimals_with(r["value"], (r["la_value"], r["ward_min"], r["ward_q1"], r["ward_q3"], r["ward_max"],
                                       r.get("england_value")))


@functools.lru_cache(maxsize=256)
def _whole(unit) -> bool:
    return (unit or "").strip().lower() in WHOLE_NUMBERS


def _decimals_with(value, council: tuple) -> int:
    """`decimals_for([value, *council]) or 1`, with the council's figures (the same for every ward)
    sorted and rounded once (`_council_figures`); only the ward's own figure is tested here."""
    numbers, rounded, alone = _council_figures(council)
    x = _number(value)
    if x is None or (x := float(x)) in rounded[0]:
        return alone
    if not numbers:
        return 1
    wanted = max(1, min(math.ceil(-math.log10(max(numbers[-1], x) - min(numbers[0], x))) + 1, 4))
    while wanted < 4 and (len(rounded[wanted]) < len(numbers) or round(x, wanted) in rounded[wanted]):
        wanted += 1
    return wanted


@functools.lru_cache(maxsize=4096, typed=True)  # a council's figures for an indicator: every ward's row
def _council_figures(council: tuple) -> tuple[list[float], list[set], int]:
    """The distinct figures sorted, their sets rounded to 1-3 decimals (index 0: as they are), and
    `decimals_for` of them alone (or 1)."""
    numbers = sorted({float(v) for v in council if _number(v) is not None})
    return numbers, [set(numbers)] + [{round(n, w) for n in numbers} for w in (1, 2, 3)], decimals_for(numbers) or 1


@functools.lru_cache(maxsize=4096, typed=True)  # the same in every ward's row
def _council_cell(la_value, lower, upper, unit, dp: int) -> str:
    """The council's figure, or its range where neighbourhood counts are suppressed at source
    (`dp`: the row's `_decimals`), as HTML."""
    if _num(la_value):
        return str(escape(figure_formatter(unit, dp)(la_value)))
    if _num(lower) and _num(upper):
        while dp < 4 and lower != upper and round(lower, dp) == round(upper, dp):  # a narrow range reads as one
            dp += 1
        return str(escape(format_interval(lower, upper, unit, dp)))
    return "not available"


@functools.lru_cache(maxsize=4096, typed=True)
def _england_cell(england, unit, dp: int) -> str:
    return (f'<td class="num" data-label="England">'
            f'{escape(figure_formatter(unit, dp)(england) if _num(england) else "not available")}</td>')


@functools.lru_cache(maxsize=4096, typed=True)
def _row_head(link: str, title, unit_label, period) -> str:
    """The row's heading: the indicator linked, its unit and latest period."""
    latest = f"latest data: {period_words(period)}" if period not in (None, "") else ""
    unit_bits = ", ".join(str(x) for x in (unit_label, latest) if x not in (None, ""))
    return (f'<th scope="row"><a href="{escape(link)}">{escape(title)}</a>'
            f'<span class="spine-unit">{escape(unit_bits)}</span></th>')


@functools.lru_cache(maxsize=1024, typed=True)
def _status_html(status: str, la_name: str) -> Markup:
    return escape(status_words(status, la_name))


def _row_svg(r, ward_name: str, la_name: str, dp: int) -> tuple[str, str]:
    """The row's spine (worse on the left, better on the right; lowest to highest where neither is
    better) and its axis words under it (`dp`: the row's `_decimals`)."""
    lo, hi, v, la = r["ward_min"], r["ward_max"], r["value"], r["la_value"]
    england, polarity, unit = r.get("england_value"), r.get("polarity"), r["unit"]
    if unit in COUNT_UNITS:  # a council's or England's total is not on a ward's scale
        la = england = None
    if type(lo) not in NUMBERS or type(hi) not in NUMBERS:
        return "", ""
    points = [p for p in (lo, hi, v, la, england) if type(p) in NUMBERS]
    a, b = min(points), max(points)
    reverse = polarity == "low_is_good"  # worse on the left: high values left when low is good
    scale, described, axis = _scale(a, b, lo, r["ward_q1"], r["ward_q3"], hi, la, england, polarity, unit, la_name, dp)
    if type(v) in NUMBERS:
        label = f"{ward_name}: {figure_formatter(unit, dp)(v)}. "
        marker = _shape(r["comparison_status"] or "Cannot be assessed", _x(v, a, b, reverse), HEIGHT / 2)
    else:
        label, marker = f"{ward_name}: {r['value_note'] or 'no figure'}. ", ""
    return (f'<svg class="spine-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}{described}" '
            f'focusable="false">{scale}{marker}</svg>'), axis


def _x(x: float, a: float, b: float, reverse: bool) -> float:
    """Where figure `x` sits on a spine running from `a` to `b` (from `b` to `a` when `reverse`)."""
    if b <= a:
        return WIDTH / 2
    t = (x - a) / ((b - a) or 1.0)
    return PAD + (1 - t if reverse else t) * (WIDTH - 2 * PAD)


@functools.lru_cache(maxsize=1024, typed=True)  # the same for every ward of a council, bar the ward's own figure
def _scale(a, b, lo, q1, q3, hi, la, england, polarity, unit, la_name: str, dp: int) -> tuple[str, str, str]:
    """A spine's marks but the ward's (the wards' range and middle half, England's and the council's
    figures), the words of its label after the ward's figure (escaped) and its axis words."""
    reverse = polarity == "low_is_good"
    mid = HEIGHT / 2
    fmt = figure_formatter(unit, dp)
    label = f"{la_name}'s wards range from {fmt(lo)} to {fmt(hi)}"
    if _num(q1) and _num(q3):
        label += f", the middle half from {fmt(q1)} to {fmt(q3)}"
    label += "."
    if _num(la):
        label += f" {la_name}: {fmt(la)}."
    if _num(england):
        label += f" England: {fmt(england)}."
    left_x, right_x = sorted((_x(lo, a, b, reverse), _x(hi, a, b, reverse)))
    out = [f'<rect x="{left_x:.1f}" y="{mid - 6:.1f}" width="{max(right_x - left_x, 1):.1f}" height="12" fill="#dee0e2"/>']
    if _num(q1) and _num(q3):
        x1, x3 = sorted((_x(q1, a, b, reverse), _x(q3, a, b, reverse)))
        out.append(f'<rect x="{x1:.1f}" y="{mid - 6:.1f}" width="{max(x3 - x1, 1):.1f}" height="12" fill="#8f969b"/>')
    if _num(england):
        x = _x(england, a, b, reverse)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="1" y2="{HEIGHT - 1}" stroke="{ENGLAND}" '
                   f'stroke-width="2.5" stroke-dasharray="3 2"/>')
    if _num(la):
        x = _x(la, a, b, reverse)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="2" y2="{HEIGHT - 2}" stroke="#0b0c0c" '
                   f'stroke-width="2.5"/>')
    left_value, right_value = (hi, lo) if reverse else (lo, hi)
    if polarity in ("high_is_good", "low_is_good"):
        words = ("worse", "better")
    else:
        words = ("lower", "higher")
    short = figure_formatter("%" if unit == "%" else None, dp)  # the row gives the unit; the axis gives only numbers
    axis = (f'<span class="spine-axis"><span>&larr; {words[0]}: {escape(short(left_value))}</span>'
            f"<span>{words[1]}: {escape(short(right_value))} &rarr;</span></span>")
    return "".join(out), str(escape(label)), axis


def spine_chart_html(state, data, ward_name: str, la_name: str, title: str = "", key: bool = True) -> Markup:
    """The spine chart as a table: one row per indicator (see the module docstring). With
    `england_value` (and `compared_with_england`) columns, England's figure is shown and marked;
    rows that cannot be tested give their reason once, in numbered notes under the table."""
    result = as_result(data)
    result.require(*COLUMNS)
    if not len(result):
        return Markup("")
    tid = state.next_id("spine")
    records = [dict(zip(result.columns, r._vals)) for r in result]
    has_england = "england_value" in result.columns and any(_num(r["england_value"]) for r in records)
    present = {r["comparison_status"] if r["comparison_status"] in MARKERS else "Cannot be assessed"
               for r in records if _num(r["value"])}
    head = f'<figure class="spine" aria-labelledby="{tid}-caption">\n' + (
            (f'<ul class="spine-key" aria-label="How to read the chart column">\n'
            f'<li><svg viewBox="0 0 24 12" width="24" height="12" aria-hidden="true" focusable="false">'
            f'<rect width="24" height="12" fill="#dee0e2"/></svg> range of {escape(la_name)}\'s wards</li>\n'
            f'<li><svg viewBox="0 0 24 12" width="24" height="12" aria-hidden="true" focusable="false">'
            f'<rect width="24" height="12" fill="#8f969b"/></svg> middle half of wards</li>\n'
            f'<li><svg viewBox="0 0 8 16" width="8" height="16" aria-hidden="true" focusable="false">'
            f'<line x1="4" x2="4" y1="0" y2="16" stroke="#0b0c0c" stroke-width="2.5"/></svg> '
            f'{escape(la_name)} as a whole</li>\n'
            + (f'<li><svg viewBox="0 0 8 16" width="8" height="16" aria-hidden="true" focusable="false">'
               f'<line x1="4" x2="4" y1="0" y2="16" stroke="{ENGLAND}" stroke-width="2.5" stroke-dasharray="3 2"/></svg> '
               f'England</li>\n' if has_england else "")
            + "".join(f"<li>{marker_svg(s)} {escape(ward_name)}: {escape(status_words(s, la_name, False))}</li>\n"
                      for s in MARKERS if s in present)
            + "<li>Worse on the left, better on the right</li>\n</ul>\n") if key else "")
    rows, notes = [], {}
    ward_html, la_html = escape(ward_name), escape(la_name)
    for r in records:
        status = r["comparison_status"] or "Cannot be assessed"
        v, unit = r["value"], r["unit"]
        dp = _decimals(r)
        value_html = figure_formatter(unit, dp, html=True)(v) if _num(v) else escape(r["value_note"] or "not available")
        if status not in MARKERS or status == "Cannot be assessed":
            words = escape("Cannot be assessed")
            reason = r["comparison_reason"] or "no test is possible for this figure"
            n = notes.setdefault(reason, len(notes) + 1)
            words += Markup(f'<sup><a href="#{tid}-note{n}" id="{tid}-ref{n}-{len(rows)}">{n}</a></sup>.')
            rank = rank_words(r["rank_in_la"], r["n_wards_in_la"], r.get("n_tied"))
            if rank:
                words += Markup(f' <span class="spine-rank">Ranked {escape(rank)}.</span>')
        else:
            words = _status_html(status, la_name)
        england_words = r.get("compared_with_england")
        if england_words:
            words += Markup(f' <span class="spine-rank">{escape(england_words)}.</span>')
        if r["trend"] not in UNKNOWN_TREND:
            words += Markup(f' <span class="spine-rank">Recent trend: {escape(r["trend"])}.</span>')
        svg, axis = _row_svg(r, ward_name, la_name, dp)
        rows.append(
            f'<tr>{_row_head(state.url(r["indicator_page"]), r["title"], r["unit_label"], r["period"])}'
            f'<td class="num" data-label="{ward_html}">{value_html}</td>'
            f'<td class="num" data-label="{la_html}">'
            f'{_council_cell(r["la_value"], r.get("la_lower_bound"), r.get("la_upper_bound"), unit, dp)}</td>'
            + (_england_cell(r.get("england_value"), unit, dp) if has_england else "") +
            f'<td data-label="Compared">{marker_svg(status)} {words}</td>'
            f'<td class="spine-cell" data-label="Worse to better">{svg}{axis}</td>'
            f'</tr>\n')
    table = (f'<table class="data-table spine-table">\n<caption id="{tid}-caption">{escape(title)}</caption>\n'
             f'<thead>\n<tr><th scope="col">Indicator</th><th scope="col" class="num">{escape(ward_name)}</th>'
             f'<th scope="col" class="num">{escape(la_name)}</th>'
             + ('<th scope="col" class="num">England</th>' if has_england else "")
             + f'<th scope="col">Compared</th><th scope="col">Worse to better</th></tr>\n</thead>\n<tbody>\n'
             + "".join(rows) + "</tbody>\n</table>\n")
    foot = ""
    if notes:
        foot = ('<ol class="spine-notes">\n' + "".join(
            f'<li id="{tid}-note{n}">Cannot be assessed: {escape(reason)}.</li>\n' for reason, n in notes.items()) + "</ol>\n")
    return Markup(head + table + foot + _england_sources(records) + "</figure>\n")


def _england_sources(records: list[dict]) -> str:
    """Where England's figures come from (`england_source`), once per source, naming the rows."""
    sources: dict[str, list[str]] = {}
    for r in records:
        if _num(r.get("england_value")) and r.get("england_source"):
            sources.setdefault(r["england_source"], []).append(r["title"])
    return "".join(f'<p class="spine-source">England ({escape(", ".join(titles))}): {escape(source)}.</p>\n'
                   for source, titles in sources.items())


def gap_line_html(state, data, la_name) -> Markup:
    """gap_line: "Is the gap closing in <council>?" and, for each indicator in `data` (title,
    gap_trend, tested_from, period, indicator_page), its latest tested verdict on the gap between
    its most and least deprived wards, the periods its test covered, linked; nothing without rows."""
    result = as_result(data)
    if not result:
        return Markup("")
    result.require("title", "gap_trend", "tested_from", "period", "indicator_page")
    items = "; ".join(
        f'<a href="{escape(state.url(g["indicator_page"]))}">{_text(g["title"])}</a>: {_text(g["gap_trend"])} '
        f'(tested from {escape(period_words(g["tested_from"]))} to {escape(period_words(g["period"]))})' for g in result)
    return Markup(f'<p class="gap-line"><strong>Is the gap closing in {_text(la_name)}?</strong> {items}.</p>\n')


def _text(value) -> Markup:
    """A value as Jinja prints it in a page: escaped, None as nothing."""
    return escape("" if value is None else value)
