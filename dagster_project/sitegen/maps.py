"""Static SVG ward maps: a choropleth of the ward boundaries, or a hex cartogram.

Values fall into up to five classes of (about) equal numbers of wards, shaded from light to
dark blue: darker always means a higher value, and the legend says whether higher is better.
Suppressed wards are hatched and missing ones are white with a dashed edge, so neither is
confused with a value or with each other. Colour never carries meaning alone: every ward's
value is in the table the component puts beside the map, each shape has a <title>, and
hexes are labelled with their values. Label colours meet 4.5:1 against their fill.
"""

from __future__ import annotations

import math

from jinja2.runtime import markup_join
from markupsafe import Markup, escape

from .charts import _columns, _described, _num
from .data import as_result
from .tables import _shown, data_table_html
from .formatting import figure_formatter, format_value
from .geo import WardGeography

# Light to dark; text on the first three is near-black, on the last two white (>= 4.5:1 both).
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b")
TEXT_ON = ("#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff", "#ffffff")
INK = "#0b0c0c"
MAX_WARDS = 400  # beyond this a map is unreadable: the table carries the figures
# On the narrowest phone (320 px less the page margins) a map is PHONE_MAP_PX wide; its phone
# numbers are drawn PHONE_TEXT_PX high there (at least 12 px on any screen): site.css sets
# `.map-svg text.num-phone` to PHONE_TEXT_PX * MAP_WIDTH / PHONE_MAP_PX (27.8 units for 640).
PHONE_MAP_PX, PHONE_TEXT_PX = 288, 12.5
BETTER = {
    "high_is_good": "Higher values are better.",
    "low_is_good": "Lower values are better.",
}
NEITHER = "Neither higher nor lower values are better or worse."


def _classes(values: list[float]) -> list[tuple[float, float]]:
    """Up to five classes with about equal numbers of wards: [(lowest, highest), ...]."""
    ordered = sorted(values)
    k = min(5, len(set(ordered)))
    if k == 0:
        return []
    bounds, start = [], 0
    for i in range(1, k + 1):
        end = round(i * len(ordered) / k)
        while end < len(ordered) and end > 0 and ordered[end] == ordered[end - 1]:
            end += 1  # equal values stay in one class
        if end > start:
            bounds.append((ordered[start], ordered[end - 1]))
        start = end
        if start >= len(ordered):
            break
    return bounds


def _phone_labels(points: list[tuple[int, float, float]], width: float, height: float) -> list[str]:
    """Ward numbers big enough to read on a 320 px phone (the map is then PHONE_MAP_PX wide), each
    in a circle that overlaps no other: a number whose place is taken moves to the nearest free
    spot, joined to its ward's point by a line. Shown only on phones (site.css)."""
    font = PHONE_TEXT_PX * width / PHONE_MAP_PX
    r = font * 0.75
    placed: list[tuple[float, float]] = []
    out = []
    for n, x, y in sorted(points, key=lambda p: (p[2], p[1])):
        spot = (x, y)
        for k in range(0, 40):
            ring = k * r * 0.6
            steps = 1 if k == 0 else 16
            candidates = [(x + ring * math.cos(2 * math.pi * i / steps), y + ring * math.sin(2 * math.pi * i / steps))
                          for i in range(steps)]
            free = [c for c in candidates if r <= c[0] <= width - r and r <= c[1] <= height - r
                    and all(math.hypot(c[0] - px, c[1] - py) >= 2 * r + 1 for px, py in placed)]
            if free:
                spot = free[0]
                break
        placed.append(spot)
        cx, cy = spot
        if math.hypot(cx - x, cy - y) > r * 0.5:
            out.append(f'<line class="num-phone" x1="{x:.1f}" y1="{y:.1f}" x2="{cx:.1f}" y2="{cy:.1f}" '
                       f'stroke="{INK}" stroke-width="{font / 10:.1f}"/>'
                       f'<circle class="num-phone" cx="{x:.1f}" cy="{y:.1f}" r="{font / 7:.1f}" fill="{INK}"/>')
        out.append(f'<circle class="num-phone" cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#ffffff" stroke="{INK}" '
                   f'stroke-width="{font / 12:.1f}"/><text class="num-phone on-light" x="{cx:.1f}" y="{cy + font * 0.36:.1f}" '
                   f'text-anchor="middle">{n}</text>')
    return out


def _class_of(value: float, bounds: list[tuple[float, float]]) -> int:
    for i, (_, hi) in enumerate(bounds):
        if value <= hi:
            return i
    return len(bounds) - 1


class _Drawn:
    """What every map of one council's wards draws alike, whatever the values: each ward's number
    (keyed to its name below the map), the phone labels and the key."""

    def __init__(self, geography: WardGeography):
        self.numbers = {ward: n for n, ward in enumerate(
            sorted(geography.shapes, key=lambda w: (geography.names.get(w, w), w)), start=1)}
        shapes = sorted(geography.shapes.items())
        self.phone = _phone_labels([(self.numbers[ward], lx, ly) for ward, (_, lx, ly) in shapes],
                                   geography.width, geography.height)
        # each ward: its code, the start of its shape and of its title, and its number's label (boundaries) or
        # the places of its two labels and of the white box behind them (hexes)
        self.wards = [(ward, f'<path d="{d}" fill="', f'<title>{escape(geography.names.get(ward, ward))}: ',
                       f'<circle class="num-wide" cx="{lx:.1f}" cy="{ly:.1f}" r="9" fill="#ffffff" stroke="{INK}" '
                       f'stroke-width="0.8"/><text class="num-wide on-light" x="{lx:.1f}" y="{ly + 4.3:.1f}" '
                       f'text-anchor="middle">{self.numbers[ward]}</text>',
                       (f'x="{lx:.1f}" y="{ly - 5:.1f}" text-anchor="middle" fill="',
                        f'">{self.numbers[ward]}</text>', f'x="{lx:.1f}" y="{ly + 12:.1f}" text-anchor="middle" fill="',
                        f'<rect x="{lx - 27:.1f}" y="{ly - 19:.1f}" width="54" height="36" fill="#ffffff"/>'))
                      for ward, (d, lx, ly) in shapes]
        self.key = sorted((n, geography.names.get(w, w)) for w, n in self.numbers.items())
        self.key_html = ('<details class="map-key-wrap"><summary>Which ward is which number</summary>\n'
                         '<ol class="map-key" aria-label="The wards numbered on the map">\n'
                         + "".join(f'<li value="{n}">{escape(name)}</li>\n' for n, name in self.key)
                         + '</ol>\n</details>\n')


_LAST_DRAWN: list = [None, None]  # (geography, its _Drawn): pages come a council at a time


def _drawn(geography: WardGeography) -> _Drawn:
    if _LAST_DRAWN[0] is not geography:
        _LAST_DRAWN[:] = [geography, _Drawn(geography)]
    return _LAST_DRAWN[1]


def map_svg(data, geography: WardGeography, code: str, value: str, suppressed: str | None = None,
            unit=None, polarity=None, uid: str = "m") -> dict | None:
    """The map's inner SVG, its legend entries and a one-sentence summary (None: nothing to draw)."""
    if not geography.shapes or len(geography.shapes) > MAX_WARDS:
        return None
    _, rows = _columns(data, code, value, suppressed)
    by_code = {str(c): (_num(v), bool(s)) for c, v, s in rows}
    values = [v for v, s in by_code.values() if v is not None and not s]
    bounds = _classes(values)
    steps = [round(i * 4 / (len(bounds) - 1)) for i in range(len(bounds))] if len(bounds) > 1 else [2]
    palette, text_on = [PALETTE[i] for i in steps], [TEXT_ON[i] for i in steps]
    hatch, hexes = f"{uid}-suppressed", geography.kind == "hex"
    out = [f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6" '
           f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
           f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2.5"/></pattern></defs>']
    labels, counts = [], {"suppressed": 0, "missing": 0}
    drawn = _drawn(geography)
    figure = figure_formatter(unit, html=True)
    for ward, path, title, wide, (number_at, number, figure_at, box) in drawn.wards:
        v, is_suppressed = by_code.get(ward, (None, False))
        dash = ""
        if is_suppressed:
            fill, text, colour, counts["suppressed"] = f"url(#{hatch})", "suppressed", INK, counts["suppressed"] + 1
        elif v is None:
            fill, text, colour, dash = "#ffffff", "no data", INK, ' stroke-dasharray="3 2"'
            counts["missing"] += 1
        else:
            i = _class_of(v, bounds)
            fill, text, colour = palette[i], figure(v), text_on[i]  # escaped by the formatter
        out.append(f'{path}{fill}" stroke="{INK}" stroke-width="0.8"{dash}>{title}{text}</title></path>')
        if not hexes:
            labels.append(wide)
        else:
            if is_suppressed or v is None:
                labels.append(box)
            tone = ("on-dark" if colour == "#ffffff" else "on-light") + (" small" if is_suppressed else "")
            labels.append(f'<text class="{tone}" {number_at}{colour}{number}')
            labels.append(f'<text class="{tone}" {figure_at}{colour}">{text}</text>')
    # Classes never overlap in words: the first runs from its lowest value, each later one from
    # just over the one before ("over 2.2% to 2.9%"), as rounded figures would otherwise repeat.
    legend = [(palette[i], format_value(lo, unit) if lo == hi else
               f"{format_value(lo, unit)} to {format_value(hi, unit)}" if i == 0 else
               f"over {format_value(bounds[i - 1][1], unit)} to {format_value(hi, unit)}")
              for i, (lo, hi) in enumerate(bounds)]
    if counts["suppressed"]:
        legend.append((f"url(#{hatch})", "suppressed (too few to publish)"))
    if counts["missing"]:
        legend.append(("#ffffff", "no data"))
    direction = BETTER.get(polarity or "", NEITHER)
    shape = "hexagon" if hexes else "ward"
    summary = (f"Map of {len(geography.shapes)} wards, each {shape} shaded by its value: darker means higher. "
               f"{direction} Each ward is numbered; the key below the map names them.")
    if counts["suppressed"]:
        summary += f" {counts['suppressed']} suppressed (hatched)."
    if counts["missing"]:
        summary += f" {counts['missing']} with no data (white, dashed edge)."
    return {
        "width": geography.width, "height": geography.height,
        "body": Markup("\n".join(out + labels + drawn.phone)), "legend": legend, "direction": direction,
        "summary": summary, "kind": geography.kind, "note": geography.note,
        "key": drawn.key,
    }


def locator_svg(geography: WardGeography, ward: str, label: str) -> Markup | None:
    """A small map of the council's wards with `ward` filled dark and outlined, for its own page:
    a resident sees where the ward is on any screen (no numbers to read). Decorative for screen
    readers (the caption says what it shows; the ward's neighbours are listed in words)."""
    if ward not in geography.shapes or len(geography.shapes) > MAX_WARDS:
        return None
    paths = [f'<path d="{d}" fill="{"#1d70b8" if code == ward else "#f3f2f1"}" stroke="{INK}" '
             f'stroke-width="{3 if code == ward else 0.6}"/>'
             for code, (d, _, _) in sorted(geography.shapes.items(), key=lambda kv: kv[0] == ward)]
    return Markup(f'<svg class="locator-svg" viewBox="0 0 {geography.width} {geography.height}" aria-hidden="true" '
                  f'data-label="{escape(label)}" focusable="false">' + "".join(paths) + "</svg>")


_DASHED = ' stroke-dasharray="3 2"'


def ward_map_html(state, data, code="ward_code", value="value", suppressed=None, unit=None, polarity=None, title="",
                  description="", table_columns=None, caption=None, csv_data=None, csv_label=None) -> Markup:
    """The `ward_map` component: wards shaded by a value (choropleth of the boundaries, or a hex
    cartogram), a legend saying which way is better, then a table of every ward's figure."""
    result = as_result(data)
    cid = state.next_id("m")
    g = map_svg(result, state.geography, code, value, suppressed, unit, polarity, cid)
    if g is None:
        return Markup(f'<p class="no-data">{_shown(title)}: no map for this many wards; every figure is in the tables '
                      'on this page.</p>\n')
    cid = _shown(cid)
    out = ['<figure class="chart map">\n'
           f'<svg class="chart-svg map-svg" viewBox="0 0 {_shown(g["width"])} {_shown(g["height"])}" role="img" '
           f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" focusable="false">\n'
           f'<title id="{cid}-title">{_shown(title)}</title>\n'
           f'<desc id="{cid}-desc">{_described(description)}{_shown(g["summary"])} The same figures are in the table '
           f'below.</desc>\n{g["body"]}\n</svg>\n<figcaption>\n'
           f'<p class="map-caption">{_shown(caption or title)}. Darker shading means a higher value. '
           f'<strong>{_shown(g["direction"])}</strong></p>\n<ul class="map-legend" aria-label="Map key">\n']
    out += [f'<li><svg class="swatch" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
            f'<rect x="0.5" y="0.5" width="15" height="15" fill="{_shown(fill)}" stroke="#0b0c0c"'
            f'{_DASHED if text == "no data" else ""}/></svg> {_shown(text)}</li>\n'
            for fill, text in g["legend"]]
    out.append("</ul>\n")
    if g["key"]:
        out.append(_drawn(state.geography).key_html)
    out.append(f'<p class="map-note">{_shown(g["note"])}</p>\n</figcaption>\n</figure>\n'
               f'<details class="figures"><summary>Show figures<span class="visually-hidden">: {_shown(title or "map")}'
               '</span></summary>\n'
               f'{data_table_html(state, result, columns=table_columns, caption=markup_join((title, ": figures")) if title else "Map figures", csv_data=csv_data, csv_label=csv_label)}\n'
               '</details>\n')
    return Markup("".join(out))
