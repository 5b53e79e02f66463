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

from markupsafe import Markup, escape

from .charts import _columns, _num
from .formatting import format_value
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
    labels, phone, counts = [], [], {"suppressed": 0, "missing": 0}
    # Each ward carries a number, keyed to its name below the map (a hexagon also shows its value).
    numbers = {ward: n for n, ward in enumerate(
        sorted(geography.shapes, key=lambda w: (geography.names.get(w, w), w)), start=1)}
    for ward, (d, lx, ly) in sorted(geography.shapes.items()):
        name = geography.names.get(ward, ward)
        v, is_suppressed = by_code.get(ward, (None, False))
        dash = ""
        if is_suppressed:
            fill, text, colour, counts["suppressed"] = f"url(#{hatch})", "suppressed", INK, counts["suppressed"] + 1
        elif v is None:
            fill, text, colour, dash = "#ffffff", "no data", INK, ' stroke-dasharray="3 2"'
            counts["missing"] += 1
        else:
            i = _class_of(v, bounds)
            fill, text, colour = palette[i], format_value(v, unit), text_on[i]
        out.append(f'<path d="{d}" fill="{fill}" stroke="{INK}" stroke-width="0.8"{dash}>'
                   f'<title>{escape(name)}: {escape(text)}</title></path>')
        phone.append((numbers[ward], lx, ly))
        if not hexes:
            labels.append(f'<circle class="num-wide" cx="{lx:.1f}" cy="{ly:.1f}" r="9" fill="#ffffff" stroke="{INK}" stroke-width="0.8"/>'
                          f'<text class="num-wide on-light" x="{lx:.1f}" y="{ly + 4.3:.1f}" text-anchor="middle">{numbers[ward]}</text>')
        else:
            if is_suppressed or v is None:
                labels.append(f'<rect x="{lx - 27:.1f}" y="{ly - 19:.1f}" width="54" height="36" fill="#ffffff"/>')
            tone = ("on-dark" if colour == "#ffffff" else "on-light") + (" small" if is_suppressed else "")
            labels.append(f'<text class="{tone}" x="{lx:.1f}" y="{ly - 5:.1f}" text-anchor="middle" '
                          f'fill="{colour}">{numbers[ward]}</text>')
            labels.append(f'<text class="{tone}" x="{lx:.1f}" y="{ly + 12:.1f}" text-anchor="middle" '
                          f'fill="{colour}">{escape(text)}</text>')
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
        "body": Markup("\n".join(out + labels + _phone_labels(phone, geography.width, geography.height))), "legend": legend, "direction": direction,
        "summary": summary, "kind": geography.kind, "note": geography.note,
        "key": sorted(((n, geography.names.get(w, w)) for w, n in numbers.items())),
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
