"""LSOA -> ward best-fit from boundaries, ward neighbours and hex layouts (dagster_project.geography)."""

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box, mapping

from dagster_project.geography import (
    LARGEST_OVERLAP,
    METHODS,
    NEAREST_WARD,
    POINT_ON_SURFACE,
    Boundary,
    agreement,
    derive_bestfit,
    hexjson_layout,
    read_boundaries,
    ward_neighbours,
)

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real"
WARDS_2023 = [f"E0501{n:04d}" for n in range(4989, 5014)]  # E05014989..E05015013


def _real(name: str) -> Path:
    path = REAL_DIR / name
    if not path.exists():
        pytest.skip(f"real extract {name} not found in {REAL_DIR}; these checks need ../shared/real")
    return path


def _official(name: str, lsoa_column: str, ward_column: str) -> dict[str, str]:
    with _real(name).open(newline="", encoding="utf-8") as handle:
        return {row[lsoa_column]: row[ward_column] for row in csv.DictReader(handle)}


def _ward_of(fits) -> dict[str, str]:
    return {fit.lsoa_code: fit.ward_code for fit in fits}


# --- real boundaries (skipped without ../shared/real) ------------------------------------------


@pytest.mark.parametrize(
    "year, lsoa_file, ward_file, lookup, lsoa_column, ward_column",
    [
        ("2022", "lsoa2021", "wards2022", "lookup_lsoa21_to_ward2022_bestfit_wigan.csv", "lsoa21cd", "wd22cd"),
        ("2017", "lsoa2011", "wards2017", "lookup_lsoa11_to_ward2017_bestfit_wigan.csv", "lsoa11cd", "wd17cd"),
    ],
    ids=["2022", "2017"],
)
def test_derived_bestfit_agrees_with_the_official_lookup(year, lsoa_file, ward_file, lookup, lsoa_column, ward_column):
    lsoas = read_boundaries(_real(f"{lsoa_file}_wigan_generalised.geojson"))
    wards = read_boundaries(_real(f"{ward_file}_wigan_generalised.geojson"))
    official = _official(lookup, lsoa_column, ward_column)
    fits = derive_bestfit(lsoas, wards)
    share = agreement(_ward_of(fits), official)
    methods = dict(Counter(f.method for f in fits))
    print(f"\nbest-fit agreement {year}: {share:.1%} of {len(official)} LSOAs; methods {methods}")
    assert len(official) == len(lsoas) == 200
    assert share >= 0.95


def test_derived_2023_lookup_covers_every_lsoa_and_every_new_ward():
    lsoas = read_boundaries(_real("lsoa2021_wigan_generalised.geojson"))
    wards = read_boundaries(_real("wards2023_wigan_generalised.geojson"))
    fits = derive_bestfit(lsoas, wards)
    methods = Counter(fit.method for fit in fits)
    geometry = {a.code: a.geometry for a in lsoas + wards}
    minority = sum(
        geometry[f.lsoa_code].intersection(geometry[f.ward_code]).area < geometry[f.lsoa_code].area / 2 for f in fits
    )
    print(f"\nLSOA 2021 -> ward 2023 methods: {dict(methods)}")
    print(f"LSOAs whose 2023 ward holds under half their area: {minority}")
    assert len(fits) == 200 and {f.lsoa_code for f in fits} == {a.code for a in lsoas}
    assert {f.ward_code for f in fits} == set(WARDS_2023)
    assert set(methods) <= set(METHODS)
    assert derive_bestfit(list(reversed(lsoas)), list(reversed(wards))) == fits


def test_real_2023_wards_have_neighbours_and_a_collision_free_hex_map():
    wards = read_boundaries(_real("wards2023_wigan_generalised.geojson"))
    neighbours = ward_neighbours(wards)
    assert set(neighbours) == set(WARDS_2023)
    assert all(neighbours[code] for code in neighbours)
    assert all(code in neighbours[other] for code, others in neighbours.items() for other in others)
    centroids = {w.code: (w.geometry.centroid.x, w.geometry.centroid.y) for w in wards}
    layout = hexjson_layout([(w.code, w.name) for w in wards], centroids)
    places = [(h["q"], h["r"]) for h in layout["hexes"].values()]
    assert len(layout["hexes"]) == 25 and len(set(places)) == 25


# --- hand-made geometries (always run) ----------------------------------------------------------
# Two square wards with a 0.5-wide sliver between them, as generalised boundaries leave.
WEST = Boundary("W1", "West", box(0, 0, 10, 10))
EAST = Boundary("W2", "East", box(10.5, 0, 20, 10))
INSIDE = Boundary("L1", "Inside west", box(1, 1, 4, 4))
STRADDLING = Boundary("L2", "Straddling", box(9.5, 2, 11.3, 6))  # interior point x=10.4, in the sliver
OUTSIDE = Boundary("L3", "Outside", box(25, 1, 27, 3))


def test_each_rule_assigns_the_expected_ward():
    fits = {f.lsoa_code: f for f in derive_bestfit([OUTSIDE, STRADDLING, INSIDE], [EAST, WEST])}
    assert [(f.ward_code, f.method) for f in fits.values()] == [
        ("W1", POINT_ON_SURFACE),
        ("W2", LARGEST_OVERLAP),  # 3.2 of its area in the east ward, 2.0 in the west
        ("W2", NEAREST_WARD),
    ]
    assert list(fits) == ["L1", "L2", "L3"]  # sorted by LSOA code
    assert fits["L2"].lsoa_name == "Straddling" and fits["L2"].ward_name == "East"
    assert not any(shapely.intersects(ward.geometry, STRADDLING.geometry.point_on_surface()) for ward in (WEST, EAST))


def test_ties_go_to_the_ward_overlapped_most_then_the_lowest_code():
    west, east = Boundary("W1", "West", box(0, 0, 10, 10)), Boundary("W2", "East", box(10, 0, 20, 10))
    on_edge = Boundary("L1", "On the shared edge", box(8, 2, 12, 6))  # interior point (10, 4), half in each
    mostly_east = Boundary("L2", "Mostly east", box(8, 4, 12, 6).union(box(10, 0, 12, 10)))  # point (10, 5)
    fits = derive_bestfit([on_edge, mostly_east], [east, west])
    assert [(f.ward_code, f.method) for f in fits] == [("W1", POINT_ON_SURFACE), ("W2", POINT_ON_SURFACE)]
    assert derive_bestfit([mostly_east, on_edge], [west, east]) == fits


def test_agreement_counts_missing_lsoas_as_disagreeing():
    assert agreement({"L1": "W1", "L2": "W2", "L9": "W9"}, {"L1": "W1", "L2": "W1", "L3": "W1", "L4": "W2"}) == 0.25
    with pytest.raises(ValueError, match="empty"):
        agreement({"L1": "W1"}, {})


def _write(tmp_path: Path, geometries: list[dict | None], codes: list[str | None] | None = None) -> Path:
    codes = codes or [f"E0100000{i}" for i in range(len(geometries))]
    features = [
        {"type": "Feature", "properties": {"area_code": code, "area_name": f"Area {i}"}, "geometry": geometry}
        for i, (code, geometry) in enumerate(zip(codes, geometries))
    ]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_read_boundaries_reads_codes_names_and_repairs_invalid_polygons(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    areas = read_boundaries(_write(tmp_path, [mapping(box(0, 0, 1, 1)), bowtie]))
    assert [(a.code, a.name, a.note) for a in areas][0] == ("E01000000", "Area 0", "")
    assert areas[1].note.startswith("repaired invalid geometry") and areas[1].geometry.is_valid
    assert areas[1].geometry.area == pytest.approx(2.0)


def test_read_boundaries_names_the_file_and_feature_of_an_empty_geometry(tmp_path):
    path = _write(tmp_path, [mapping(box(0, 0, 1, 1)), {"type": "Polygon", "coordinates": []}])
    message = r"areas\.geojson: feature 2 \(features\[1\]\), area_code E01000001 has an empty geometry"
    with pytest.raises(ValueError, match=message):
        read_boundaries(path)


def test_read_boundaries_rejects_a_feature_without_a_code_or_geometry(tmp_path):
    with pytest.raises(ValueError, match=r"areas\.geojson: feature 1 \(features\[0\]\) has no 'area_code'"):
        read_boundaries(_write(tmp_path, [mapping(box(0, 0, 1, 1))], codes=[""]))
    with pytest.raises(ValueError, match=r"feature 1 \(features\[0\]\), area_code E01000000 has no geometry"):
        read_boundaries(_write(tmp_path, [None]))
    with pytest.raises(ValueError, match=r"feature 2 .* repeats the code of feature 1"):
        read_boundaries(_write(tmp_path, [mapping(box(0, 0, 1, 1))] * 2, codes=["E01000009"] * 2))


def test_neighbours_share_a_boundary_within_tolerance_but_not_just_a_corner():
    wards = [
        Boundary("W1", "West", box(0, 0, 10, 10)),
        Boundary("W2", "East", box(10.000005, 0, 20, 10)),  # a generalisation gap narrower than 1e-5
        Boundary("W3", "Corner", box(20, 10, 30, 20)),  # meets W2 only at the point (20, 10)
        Boundary("W4", "Island", box(50, 50, 51, 51)),
    ]
    assert ward_neighbours(wards) == {"W1": ["W2"], "W2": ["W1"], "W3": [], "W4": []}


def test_hexjson_without_centroids_fills_rows_of_five_from_the_top_left():
    wards = [(f"W{i}", f"Ward {i}") for i in range(7)]
    layout = hexjson_layout(wards, None)
    assert layout["layout"] == "odd-r"
    hexes = layout["hexes"]
    assert list(hexes) == [code for code, _ in wards]
    assert hexes["W0"] == {"q": 0, "r": 1, "n": "Ward 0"} and hexes["W6"] == {"q": 1, "r": 0, "n": "Ward 6"}
    assert len({(h["q"], h["r"]) for h in hexes.values()}) == 7
    assert hexjson_layout(wards, None) == layout


def test_hexjson_with_centroids_keeps_geography_and_never_stacks_wards():
    line = hexjson_layout([("A", "a"), ("B", "b"), ("C", "c")], {"A": (0, 0), "B": (1, 0), "C": (2, 0)})["hexes"]
    assert line["A"]["q"] < line["B"]["q"] < line["C"]["q"]
    north_south = hexjson_layout([("N", "n"), ("S", "s")], {"N": (0, 1), "S": (0, 0)})["hexes"]
    assert north_south["N"]["r"] > north_south["S"]["r"]  # r grows northwards
    crowded = [(f"W{i:02d}", f"Ward {i}") for i in range(12)]
    centroids = {code: (-2.6 + 0.01 * (i % 3), 53.5) for i, (code, _) in enumerate(crowded)}  # only 3 positions
    layout = hexjson_layout(crowded, centroids)
    places = [(h["q"], h["r"]) for h in layout["hexes"].values()]
    assert len(set(places)) == 12
    assert min(q for q, _ in places) == 0 and min(r for _, r in places) in (0, 1)
    assert hexjson_layout(list(reversed(crowded)), centroids)["hexes"] == layout["hexes"]
    with pytest.raises(ValueError, match="no centroid for W11"):
        hexjson_layout(crowded, {k: v for k, v in centroids.items() if k != "W11"})
