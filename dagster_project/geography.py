"""Boundaries: read GeoJSON, derive an LSOA -> ward best-fit lookup, ward neighbours, hex layouts.

No official lookup from LSOAs to Wigan's May-2023 wards is published in this project's inputs,
so one is derived from boundaries. Each LSOA goes to the ward containing its representative
interior point (``point_on_surface``); where generalised boundaries leave that point in a sliver
outside every ward, to the ward it overlaps most; where it overlaps none, to the nearest ward.
Areas and distances are compared in the input coordinates (WGS84 degrees for the ONS files):
over one borough that changes no overlap ranking and barely affects the rare "nearest" rule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

POINT_ON_SURFACE = "point on surface"
LARGEST_OVERLAP = "largest overlap"
NEAREST_WARD = "nearest ward"
METHODS = (POINT_ON_SURFACE, LARGEST_OVERLAP, NEAREST_WARD)

NEIGHBOUR_TOLERANCE = 1e-5  # degrees, about 0.7-1.1 m in Wigan: closes generalisation slivers
HEX_ROW_HEIGHT = math.sqrt(3) / 2  # vertical distance between rows of pointy-topped hexes, in hex widths


@dataclass(frozen=True)
class Boundary:
    """One area: its code, name and (Multi)Polygon; ``note`` says if the geometry was repaired."""

    code: str
    name: str
    geometry: BaseGeometry
    note: str = ""


@dataclass(frozen=True)
class BestFit:
    """One LSOA's ward, and which rule (one of ``METHODS``) chose it."""

    lsoa_code: str
    lsoa_name: str
    ward_code: str
    ward_name: str
    method: str


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygon parts of ``geometry`` (make_valid can return collections with lines)."""
    if isinstance(geometry, (Polygon, MultiPolygon)):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    return shapely.union_all(parts) if parts else Polygon()


def read_boundaries(path: Path, code_field: str = "area_code", name_field: str = "area_name") -> list[Boundary]:
    """Read a GeoJSON FeatureCollection of (Multi)Polygons into ``Boundary`` records, in file order.

    Invalid polygons are repaired with ``shapely.make_valid`` and the repair is recorded in
    ``Boundary.note``. Raises ValueError naming the file and feature (1-based, with its
    ``features[i]`` index) for a missing or duplicated code, a missing, unreadable,
    non-polygonal or empty geometry. A missing name falls back to the code.
    """
    path = Path(path)
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a readable GeoJSON FeatureCollection ({error})") from error
    boundaries: list[Boundary] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        where = f"{path}: feature {index + 1} (features[{index}])"
        properties = (feature or {}).get("properties") or {}
        code = str(properties.get(code_field) or "").strip()
        if not code:
            raise ValueError(f"{where} has no {code_field!r}")
        where = f"{where}, {code_field} {code}"
        if code in seen:
            raise ValueError(f"{where} repeats the code of feature {seen[code] + 1}")
        seen[code] = index
        name = str(properties.get(name_field) or "").strip() or code
        boundaries.append(boundary(code, name, feature.get("geometry"), where))
    return boundaries


def boundary(code: str, name: str, geometry: dict | None, where: str) -> Boundary:
    """One area from a GeoJSON geometry object, repairing invalid polygons (noted in ``note``).

    Raises ValueError starting with ``where`` for a missing, unreadable, non-polygonal or
    empty geometry.
    """
    if not geometry:
        raise ValueError(f"{where} has no geometry")
    try:
        shaped = shape(geometry)
    except Exception as error:  # shapely raises several types for malformed coordinates
        raise ValueError(f"{where} has an unreadable geometry ({error})") from error
    if not isinstance(shaped, (Polygon, MultiPolygon)):
        raise ValueError(f"{where} is a {shaped.geom_type}; expected Polygon or MultiPolygon")
    note = ""
    if not shaped.is_empty and not shaped.is_valid:
        note = f"repaired invalid geometry ({shapely.is_valid_reason(shaped)})"
        shaped = _polygonal(shapely.make_valid(shaped, method="structure", keep_collapsed=False))
    if shaped.is_empty or shaped.area == 0:
        raise ValueError(f"{where} has an empty geometry" + (f" after it was {note}" if note else ""))
    return Boundary(code, name, shaped, note)


def _unique(areas: list[Boundary], what: str) -> None:
    codes = [a.code for a in areas]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"{what}: duplicated codes {', '.join(duplicates)}")


def derive_bestfit(lsoas: list[Boundary], wards: list[Boundary]) -> list[BestFit]:
    """Assign each LSOA to one ward; one ``BestFit`` per LSOA, sorted by LSOA code.

    Rules, in order: the ward containing the LSOA's ``point_on_surface`` ("point on surface";
    a point on a shared edge goes to the candidate the LSOA overlaps most); else the ward with
    the largest positive intersection area ("largest overlap"); else the nearest ward
    ("nearest ward"). Remaining ties go to the lowest ward code, so the result is deterministic.
    """
    if not wards:
        raise ValueError("derive_bestfit: no wards given")
    _unique(lsoas, "derive_bestfit LSOAs")
    _unique(wards, "derive_bestfit wards")
    lsoas = sorted(lsoas, key=lambda a: a.code)
    wards = sorted(wards, key=lambda a: a.code)
    tree = shapely.STRtree([w.geometry for w in wards])
    points = shapely.point_on_surface([a.geometry for a in lsoas])
    containing: dict[int, list[int]] = {}
    for lsoa_index, ward_index in tree.query(points, predicate="intersects").T.tolist():
        containing.setdefault(lsoa_index, []).append(ward_index)

    def largest_overlap(geometry: BaseGeometry, candidates) -> int | None:
        areas = [(geometry.intersection(wards[i].geometry).area, -int(i)) for i in candidates]
        best_area, best = max(areas, default=(0.0, 0))
        return -best if best_area > 0 else None

    result = []
    for index, lsoa in enumerate(lsoas):
        if index in containing:
            hits = sorted(containing[index])
            ward = hits[0] if len(hits) == 1 else largest_overlap(lsoa.geometry, hits)
            method = POINT_ON_SURFACE
            if ward is None:  # the point lies on edges of wards the LSOA only touches
                ward = hits[0]
        else:
            ward = largest_overlap(lsoa.geometry, tree.query(lsoa.geometry, predicate="intersects"))
            method = LARGEST_OVERLAP
            if ward is None:
                ward = int(min(tree.query_nearest(lsoa.geometry, all_matches=True)))
                method = NEAREST_WARD
        result.append(BestFit(lsoa.code, lsoa.name, wards[ward].code, wards[ward].name, method))
    return result


BESTFIT_COLUMNS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name", "method"]


def bestfit_frame(lsoas: pd.DataFrame, wards: pd.DataFrame, method: str) -> pd.DataFrame:
    """``derive_bestfit`` on staged boundaries (lsoa_code, lsoa_name, geometry_geojson; ward_code,
    ward_name, la_code, la_name, geometry_geojson), as a table of BESTFIT_COLUMNS. ``method`` words
    each row's method, with ``{rule}`` for the rule that placed it (e.g. "point on surface")."""
    if lsoas.empty or wards.empty:
        return pd.DataFrame({column: pd.Series(dtype="string") for column in BESTFIT_COLUMNS})
    fits = derive_bestfit(
        [boundary(r.lsoa_code, r.lsoa_name, json.loads(r.geometry_geojson), f"LSOA {r.lsoa_code}") for r in lsoas.itertuples()],
        [boundary(r.ward_code, r.ward_name, json.loads(r.geometry_geojson), f"ward {r.ward_code}") for r in wards.itertuples()],
    )
    la = wards.set_index("ward_code")[["la_code", "la_name"]]
    return pd.DataFrame(
        {
            "lsoa_code": [f.lsoa_code for f in fits],
            "lsoa_name": [f.lsoa_name for f in fits],
            "ward_code": [f.ward_code for f in fits],
            "ward_name": [f.ward_name for f in fits],
            "la_code": [la.at[f.ward_code, "la_code"] for f in fits],
            "la_name": [la.at[f.ward_code, "la_name"] for f in fits],
            "method": [method.format(rule=f.method) for f in fits],
        }
    ).astype("string")


def agreement(derived: dict[str, str], official: dict[str, str]) -> float:
    """Share of the LSOAs in ``official`` (LSOA code -> ward code) that ``derived`` puts in the same ward.

    An LSOA missing from ``derived`` counts as a disagreement.
    """
    if not official:
        raise ValueError("agreement: the official lookup is empty")
    return sum(derived.get(lsoa) == ward for lsoa, ward in official.items()) / len(official)


def ward_neighbours(
    wards: list[Boundary], tolerance: float = NEIGHBOUR_TOLERANCE, min_shared: float | None = None
) -> dict[str, list[str]]:
    """Wards sharing a stretch of boundary: ``{ward code: sorted neighbour codes}``, every ward a key.

    Two wards are neighbours when the part of one's boundary lying within ``tolerance`` of the
    other (in either direction) is longer than ``min_shared`` (default ``10 * tolerance``), so
    generalisation gaps and overlaps still count while wards meeting only at a corner do not.
    """
    _unique(wards, "ward_neighbours")
    min_shared = 10 * tolerance if min_shared is None else min_shared
    wards = sorted(wards, key=lambda a: a.code)
    geometries = [w.geometry for w in wards]
    grown = shapely.buffer(geometries, tolerance)
    tree = shapely.STRtree(geometries)
    neighbours: dict[str, set[str]] = {w.code: set() for w in wards}
    for i, j in tree.query(grown, predicate="intersects").T.tolist():
        if i >= j:
            continue
        shared = max(
            geometries[i].boundary.intersection(grown[j]).length,
            geometries[j].boundary.intersection(grown[i]).length,
        )
        if shared > min_shared:
            neighbours[wards[i].code].add(wards[j].code)
            neighbours[wards[j].code].add(wards[i].code)
    return {code: sorted(found) for code, found in neighbours.items()}


def _hex_centre(q: int, r: int) -> tuple[float, float]:
    """Centre of hex (q, r) in hex widths, odd-r: rows with odd r sit half a hex to the right."""
    return q + 0.5 * (r % 2), r * HEX_ROW_HEIGHT


def _nearest_free_hex(x: float, y: float, taken: set[tuple[int, int]]) -> tuple[int, int]:
    """The free (q, r) whose centre is nearest (x, y); ties to the lower r, then q."""
    row = round(y / HEX_ROW_HEIGHT)
    column = math.floor(x)
    reach = 1
    while True:
        candidates = [
            (math.dist((x, y), _hex_centre(q, r)), r, q)
            for r in range(row - reach - 1, row + reach + 2)
            for q in range(column - reach - 1, column + reach + 2)
            if (q, r) not in taken
        ]
        # Every hex within reach * HEX_ROW_HEIGHT of (x, y) is in the window, so a winner that
        # close is the nearest free hex overall; otherwise widen the window.
        if candidates:
            distance, r, q = min((round(d, 9), r, q) for d, r, q in candidates)
            if distance <= reach * HEX_ROW_HEIGHT:
                return q, r
        reach += 1


def hexjson_layout(
    ward_codes_and_names: list[tuple[str, str]],
    centroids: dict[str, tuple[float, float]] | None = None,
) -> dict:
    """A HexJSON document for a ward hex cartogram: ``{"layout": "odd-r", "hexes": {code: {q, r, n}}}``.

    Conventions (as drawn by d3-hexjson): q grows eastwards, r grows northwards, rows with odd r
    are shifted half a hex right; q and r start at 0 (r at 0 or 1, keeping row parity).
    With ``centroids`` ({code: (lon, lat)}), each ward takes the free hex nearest its position
    on a grid scaled to about 1.5 hexes per ward, wards nearest the middle placing first
    (ties by code). Without, wards fill rows of 5 from the top left, in the order given.
    """
    codes = [code for code, _ in ward_codes_and_names]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"hexjson_layout: duplicated ward codes {', '.join(duplicates)}")
    names = dict(ward_codes_and_names)
    if not codes:
        return {"layout": "odd-r", "hexes": {}}
    if centroids is None:
        rows = math.ceil(len(codes) / 5)
        places = {code: (i % 5, rows - 1 - i // 5) for i, code in enumerate(codes)}
    else:
        missing = [code for code in codes if code not in centroids]
        if missing:
            raise ValueError(f"hexjson_layout: no centroid for {', '.join(missing)}")
        places = _geographic_places(codes, centroids)
    q0 = min(q for q, _ in places.values())
    r0 = min(r for _, r in places.values())
    r0 -= r0 % 2  # shift rows by an even number so each row keeps its odd/even offset
    return {
        "layout": "odd-r",
        "hexes": {code: {"q": q - q0, "r": r - r0, "n": names[code]} for code, (q, r) in places.items()},
    }


def _geographic_places(codes: list[str], centroids: dict[str, tuple[float, float]]) -> dict[str, tuple[int, int]]:
    """Greedy placement of each code on the free hex nearest its scaled (lon, lat)."""
    mean_lat = sum(centroids[c][1] for c in codes) / len(codes)
    xy = {c: (centroids[c][0] * math.cos(math.radians(mean_lat)), centroids[c][1]) for c in codes}
    xs, ys = [p[0] for p in xy.values()], [p[1] for p in xy.values()]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    span = max(width, height)
    if span == 0:
        size = 1.0
    else:  # floor each side so a line of wards still gets a two-dimensional grid
        width, height = max(width, span / len(codes)), max(height, span / len(codes))
        size = math.sqrt(width * height / (1.5 * len(codes) * HEX_ROW_HEIGHT))
    grid = {c: ((x - min(xs)) / size, (y - min(ys)) / size) for c, (x, y) in xy.items()}
    middle = (sum(x for x, _ in grid.values()) / len(codes), sum(y for _, y in grid.values()) / len(codes))
    order = sorted(codes, key=lambda c: (round(math.dist(grid[c], middle), 9), c))
    places: dict[str, tuple[int, int]] = {}
    for code in order:
        places[code] = _nearest_free_hex(*grid[code], set(places.values()))
    return places
