"""Ward geography for the site: map shapes, neighbouring wards and the HexJSON download.

With May-2023 ward boundaries in ``raw.boundaries_ward23`` (GeoJSON text in ``geometry``) for
every ward, maps are choropleths of the real shapes and neighbours come from shared
boundaries (``dagster_project.geography.ward_neighbours``). Otherwise maps are a hex
cartogram from ``dagster_project.geography.hexjson_layout`` and there are no neighbours.
Results are temporary tables every page can query:

- ``site_map_frame(kind, width, height, note)``: one row; kind is 'boundaries' or 'hex';
- ``site_ward_neighbours(ward_code, neighbour_code)``: empty without boundaries.

The shapes themselves (one SVG path per ward) go to the ``ward_map`` component.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import shapely

from dagster_project.geography import HEX_ROW_HEIGHT, Boundary, boundary, hexjson_layout, ward_neighbours

MAP_WIDTH = 640
HEX_MAX_WIDTH = 72.0
BOUNDARY_NOTE = "Ward boundaries: Office for National Statistics, May 2023 (generalised)."
HEX_NOTE = ("Each hexagon is one ward, placed roughly where it is but all the same size "
            "(a hex cartogram): no boundary files were loaded.")
HEX_NOTE_BECAUSE = ("Each hexagon is one ward, placed roughly where it is but all the same size "
                    "(a hex cartogram): {reason}.")


@dataclass
class WardGeography:
    """What maps are drawn on: ``shapes`` maps ward code to (SVG path, label x, label y)."""

    kind: str = "hex"
    width: float = float(MAP_WIDTH)
    height: float = 40.0
    note: str = HEX_NOTE
    names: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    hexjson: bytes = b""

    def digest_parts(self) -> tuple:
        return (self.kind, self.width, self.height, self.note, sorted(self.names.items()), sorted(self.shapes.items()))


def _f(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def _table_exists(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table]).fetchone()[0])


def _boundaries(con, wards: list[tuple[str, str]]) -> tuple[list[Boundary], str]:
    """Boundaries for every ward, or [] and why not when any is missing or unreadable (then the
    hex map is used, and its note gives the reason)."""
    if not wards or not _table_exists(con, "raw", "boundaries_ward23"):
        return [], "no boundary files were loaded"
    rows = dict(con.execute("select area_code, any_value(geometry) from raw.boundaries_ward23 "
                            "where geometry is not null group by area_code").fetchall())
    if not rows:
        return [], "no boundary files were loaded"
    missing = [name for code, name in wards if code not in rows]
    if missing:
        return [], (f"the ward boundaries loaded lack {len(missing)} of the {len(wards)} wards "
                    f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''})")
    out = []
    for code, name in wards:
        try:
            out.append(boundary(code, name, json.loads(rows[code]), f"raw.boundaries_ward23 {code}"))
        except ValueError:
            return [], f"the boundary loaded for {name} could not be drawn"
    return out, ""


def _ring(coords) -> str:
    pts = [f"{_f(x)} {_f(y)}" for x, y in coords[:-1]]
    return "M" + "L".join(pts) + "Z" if len(pts) > 2 else ""


def _path(geometry) -> str:
    polys = getattr(geometry, "geoms", [geometry])
    return "".join(_ring(list(p.exterior.coords)) + "".join(_ring(list(r.coords)) for r in p.interiors)
                   for p in polys if not p.is_empty)


def _projected(boundaries: list[Boundary]) -> tuple[list[tuple], float, float]:
    """Equirectangular projection scaled by cos(latitude), fitted to MAP_WIDTH, north up."""
    minx, miny, maxx, maxy = shapely.total_bounds([b.geometry for b in boundaries])
    k_lon = math.cos(math.radians((miny + maxy) / 2))
    pad = 8.0
    span_x, span_y = max((maxx - minx) * k_lon, 1e-9), max(maxy - miny, 1e-9)
    scale = (MAP_WIDTH - 2 * pad) / span_x
    height = span_y * scale + 2 * pad

    def project(coords):
        out = coords.copy()
        out[:, 0] = pad + (coords[:, 0] - minx) * k_lon * scale
        out[:, 1] = pad + (maxy - coords[:, 1]) * scale
        return out

    rows = []
    for b in boundaries:
        g = shapely.transform(b.geometry, project).simplify(0.4, preserve_topology=True)
        point = g.representative_point()
        rows.append((b.code, _path(g), round(point.x, 1), round(point.y, 1)))
    return rows, float(MAP_WIDTH), round(height, 1)


def _hexes(layout: dict) -> tuple[list[tuple], float, float]:
    """Pointy-topped hexes for an odd-r HexJSON layout (r grows northwards), fitted to MAP_WIDTH."""
    hexes = layout["hexes"]
    if not hexes:
        return [], float(MAP_WIDTH), 40.0
    max_q = max(h["q"] + 0.5 * (h["r"] % 2) for h in hexes.values())
    max_r = max(h["r"] for h in hexes.values())
    pad = 4.0
    w = min(HEX_MAX_WIDTH, (MAP_WIDTH - 2 * pad) / (max_q + 1))
    radius = w / math.sqrt(3)
    height = max_r * HEX_ROW_HEIGHT * w + 2 * radius + 2 * pad
    corners = [(math.cos(math.radians(a)), math.sin(math.radians(a))) for a in (-90, -30, 30, 90, 150, 210)]
    rows = []
    for code, h in hexes.items():
        cx = pad + w / 2 + (h["q"] + 0.5 * (h["r"] % 2)) * w
        cy = pad + radius + (max_r - h["r"]) * HEX_ROW_HEIGHT * w
        d = "M" + "L".join(f"{_f(cx + 0.97 * radius * dx)} {_f(cy + 0.97 * radius * dy)}" for dx, dy in corners) + "Z"
        rows.append((code, d, round(cx, 1), round(cy, 1)))
    return rows, float(MAP_WIDTH), round(height, 1)


def _geography(con, wards: list[tuple[str, str]]) -> tuple[WardGeography, list[tuple[str, str]]]:
    """The map of these wards (boundaries when every one has a shape, else hexes) and, with
    boundaries, the pairs of neighbouring wards."""
    found, why_not = _boundaries(con, wards)
    neighbours: list[tuple[str, str]] = []
    if found:
        kind, note = "boundaries", BOUNDARY_NOTE
        shapes, width, height = _projected(found)
        neighbours = [(code, other) for code, others in ward_neighbours(found).items() for other in others]
        centres = {b.code: (b.geometry.centroid.x, b.geometry.centroid.y) for b in found}
        layout = hexjson_layout(wards, centres)
    else:
        kind, note = "hex", HEX_NOTE if why_not == "no boundary files were loaded" else HEX_NOTE_BECAUSE.format(reason=why_not)
        layout = hexjson_layout(wards)
        shapes, width, height = _hexes(layout)
    geography = WardGeography(
        kind=kind, width=width, height=height, note=note, names=dict(wards),
        shapes={code: (d, x, y) for code, d, x, y in shapes},
        hexjson=(json.dumps(layout, indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
    )
    return geography, neighbours


def _wards(con, la_code: str | None = None) -> list[tuple[str, str]]:
    where, args = ("where la_code = ?", [la_code]) if la_code else ("", [])
    return [(str(c), str(n)) for c, n in con.execute(
        f"select ward_code, ward_name from marts.dim_ward {where} order by ward_code", args).fetchall()]


def for_council(con, la_code: str) -> WardGeography:
    """The map of one council's wards alone (a council's section of a multi-council site)."""
    return _geography(con, _wards(con, la_code))[0]


def prepare(con) -> WardGeography:
    """Create the site_map_frame and site_ward_neighbours temp tables; return the geography."""
    geography, neighbours = _geography(con, _wards(con))
    con.execute("create or replace temp table site_map_frame as select ? as kind, ? as width, ? as height, ? as note",
                [geography.kind, geography.width, geography.height, geography.note])
    con.execute("create or replace temp table site_ward_neighbours (ward_code varchar, neighbour_code varchar)")
    if neighbours:
        a, b = zip(*neighbours)
        con.execute("insert into site_ward_neighbours select unnest($1), unnest($2)", [list(a), list(b)])
    return geography
