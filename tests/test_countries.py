"""Tests for geo.countries and the shipped Natural Earth extract."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import shapely
from pyproj import Geod

import make_maps
from geo.countries import NO_COUNTRY, OUTSIDE, _chunk_lines, build_country_index, load_countries, load_source_record
from geo.errors import RouteDataError
from tests.conftest import DATA_DIR, REPO_DIR

MONGOLIA_AREA_KM2 = 1_564_116  # official area of Mongolia


def test_source_record_matches_shipped_files():
    record = load_source_record(DATA_DIR / "countries.source.json")
    assert record["version"].startswith("5.")
    assert "Natural Earth" in record["attribution"]
    for name, digest in record["output_sha256"].items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name


def test_mongolia_area_within_0_1_percent(countries):
    mongolia = countries.set_index("iso3").loc["MNG"].geometry
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(mongolia))
    assert abs(area_m2 / 1e6 / MONGOLIA_AREA_KM2 - 1) < 0.001


def test_baikonur_is_folded_into_kazakhstan(countries):
    assert "KAB" not in set(countries["iso3"])
    baikonur = shapely.Point(63.32, 45.62)
    assert countries.set_index("iso3").loc["KAZ"].geometry.contains(baikonur)


@pytest.mark.parametrize("name", ["countries.geojson", "countries_display.geojson", "countries_overview.geojson"])
def test_boundaries_form_a_valid_coverage(name):
    frame = load_countries(DATA_DIR / name)
    assert frame.geometry.is_valid.all()
    assert frame["iso3"].is_unique
    assert bool(shapely.coverage_is_valid(frame.geometry.values))


def test_display_copy_is_lighter_but_close(countries):
    # Compared inside the measuring copy's box: beyond it the display copy is the map's frame.
    record = load_source_record(DATA_DIR / "countries.source.json")
    display = load_countries(DATA_DIR / "countries_display.geojson").clip(record["box_lonlat"])
    full_vertices = shapely.get_num_coordinates(countries.geometry.values).sum()
    display_vertices = shapely.get_num_coordinates(display.geometry.values).sum()
    assert display_vertices < 0.5 * full_vertices
    full_mng = countries.set_index("iso3").loc["MNG"].geometry
    display_mng = display.set_index("iso3").loc["MNG"].geometry
    assert shapely.hausdorff_distance(full_mng, display_mng) < 0.05  # degrees, about 3-5 km


@pytest.mark.parametrize("name", ["countries_display.geojson", "countries_overview.geojson"])
def test_drawing_copies__no_clip_edge_and_no_seam(countries, name):
    # The old extracts ended on the box's sides (a visible rectangle); the drawing copies
    # go on beyond them, simplified apart inside and outside but dissolved again:
    # no outline runs along any side of either box (clip edge or seam), and inside the
    # box every country of the measuring copy is drawn with its area within 1 %.
    drawing = load_countries(DATA_DIR / name)
    record = load_source_record(DATA_DIR / "countries.source.json")
    outlines = shapely.union_all(shapely.boundary(drawing.geometry.values))
    geod = Geod(ellps="WGS84")
    for west, south, east, north in (record["box_lonlat"], record["overview_box_lonlat"], record["display_band_lonlat"]):
        sides = [((west, -90), (west, 90)), ((east, -90), (east, 90)), ((-180, south), (180, south)), ((-180, north), (180, north))]
        for side in sides:
            runs = shapely.get_parts(shapely.line_merge(outlines.intersection(shapely.LineString(side).buffer(1e-6))))
            # Where the frame's 0.4 deg (under 45 km) simplification cuts a small cape off between
            # two nodes on a side, about that (it bounds areas, not lengths); the old clip edge ran
            # along the sides for thousands of km.
            longest_km = max((geod.geometry_length(run) / 1000 for run in runs), default=0.0)
            assert longest_km < 60, (name, side, longest_km)
    if name == "countries_display.geojson":  # the overview's box starts at 30 N: Kuwait is half frame there
        clipped = drawing.clip(record["box_lonlat"])
        drawn = dict(zip(clipped["iso3"], shapely.area(clipped.geometry.values), strict=True))
        for iso3, geometry in zip(countries["iso3"], countries.geometry.values, strict=True):
            assert drawn[iso3] == pytest.approx(geometry.area, rel=0.01), iso3  # square degrees, both


def test_geojson_has_no_crs_member_and_5_decimals():
    text = (DATA_DIR / "countries.geojson").read_text()
    assert "crs" not in json.loads(text)
    decimals = {len(m) for m in re.findall(r"\d\.(\d+)", text)}
    assert max(decimals) <= 5


def test_country_of__known_cities(country_index):
    # town centres far (>20 km) from any border
    cities = {"RUS": (104.28, 52.29), "MNG": (106.92, 47.92), "CHN": (116.41, 39.90), "KAZ": (76.90, 43.35)}
    found = country_index.country_of(np.array([shapely.Point(*p) for p in cities.values()]))
    assert list(found) == list(cities)
    assert country_index.country_of(np.array([shapely.Point(73.2, 68.0)]))[0] == NO_COUNTRY  # Gulf of Ob


def test_build_country_index__rejects_projected(countries):
    with pytest.raises(RouteDataError, match="must be in EPSG:4326"):
        build_country_index(countries.to_crs(3857))


def test_load_countries__bad_file(write):
    with pytest.raises(RouteDataError, match=r"bad\.geojson: cannot read country boundaries"):
        load_countries(write("bad.geojson", "{"))


def test_country_index__box_is_the_build_record(countries):
    # Oracle: the box tools/build_countries.py clipped to, as its build record says.
    # Built as make_maps builds it (no box given: the bounds of the shipped extract).
    record = json.loads((DATA_DIR / "countries.source.json").read_text(encoding="utf-8"))
    index = build_country_index(load_countries(make_maps.COUNTRIES_PATH))
    assert index.box_lonlat == tuple(record["box_lonlat"]) == (46.0, 30.0, 146.0, 74.0)
    assert build_country_index(countries, box_lonlat=record["box_lonlat"]).box_lonlat == index.box_lonlat


@pytest.mark.parametrize(
    ("lonlat", "expected"),
    [
        ((150.0, 60.0), OUTSIDE),  # Sea of Okhotsk east of 146 E
        ((100.0, 77.0), OUTSIDE),  # Taymyr, north of 74 N: land, but not in the extract
        ((45.0, 50.0), OUTSIDE),  # west of 46 E (Volga, Russia)
        ((100.0, 25.0), OUTSIDE),  # south of 30 N (Yunnan, China)
        ((123.0, 35.5), NO_COUNTRY),  # Yellow Sea, inside the box
        ((137.0, 40.0), NO_COUNTRY),  # Sea of Japan
        ((51.0, 42.0), NO_COUNTRY),  # Caspian Sea, not part of any admin-0 polygon
        ((102.83, 47.20), "MNG"),  # Kharkhorin, central Mongolia
        ((114.53, 48.07), "MNG"),  # Choibalsan, eastern Mongolia
        ((108.0, 53.5), "RUS"),  # Lake Baikal: admin-0 polygons do not cut lakes out (only the Caspian)
    ],
)
def test_country_of__outside_sea_and_land(country_index, lonlat, expected):
    assert country_index.country_of(np.array([shapely.Point(*lonlat)]))[0] == expected


def test_country_of__box_edges_are_inside(country_index):
    # The box is closed: points on its edges are known (a country or water), just beyond it not.
    west, south, east, north = country_index.box_lonlat
    on_edges = [(west, 50.0), (east, 60.0), (100.0, south), (100.0, north)]
    beyond = [(west - 1e-9, 50.0), (east + 1e-9, 60.0), (100.0, south - 1e-9), (100.0, north + 1e-9)]
    found = country_index.country_of(np.array([shapely.Point(p) for p in on_edges + beyond]))
    assert OUTSIDE not in found[:4]
    assert list(found[4:]) == [OUTSIDE] * 4


def test_country_of__a_wider_box(countries):
    # A box wider than the polygons: beyond the land, inside the box, is water ("none").
    index = build_country_index(countries, box_lonlat=(40.0, 25.0, 150.0, 80.0))
    found = index.country_of(np.array([shapely.Point(148.0, 60.0), shapely.Point(151.0, 60.0), shapely.Point(102.83, 47.20)]))
    assert list(found) == [NO_COUNTRY, OUTSIDE, "MNG"]


def test_country_of__a_narrower_box(countries):
    # Docstring of country_of: OUTSIDE "for points outside box_lonlat". With an
    # explicit box, a point in Mongolia east of it is outside, not Mongolian.
    index = build_country_index(countries, box_lonlat=(46.0, 30.0, 110.0, 74.0))
    found = index.country_of(np.array([shapely.Point(102.83, 47.20), shapely.Point(114.53, 48.07)]))
    assert list(found) == ["MNG", OUTSIDE]


def test_country_of__a_point_inside_every_polygon(countries, country_index):
    """Oracle: shapely's point_on_surface of each country lies inside that country alone (the
    boundaries are a valid coverage), so it must be found there, the first polygon included."""
    inside = shapely.point_on_surface(countries.geometry.values)
    for iso, polygon, point in zip(countries["iso3"], countries.geometry, inside, strict=True):
        assert polygon.contains(point) and sum(countries.geometry.contains(point)) == 1, iso
    assert list(country_index.country_of(inside)) == list(countries["iso3"])


def _first_holder(polygons, xy):
    """Brute force: index of the first polygon that holds (or touches) each point, -1 if none."""
    found = np.full(len(xy), -1)
    for i in reversed(range(len(polygons))):
        found[shapely.intersects_xy(polygons[i], xy[:, 0], xy[:, 1])] = i
    return found


def test_polygon_of__border_and_extreme_vertices_by_brute_force(countries, country_index):
    """Points on the boundaries, where a bounding-box shortcut or the "first polygon wins" rule
    can go wrong: vertices shared by two countries (docstring: the first one gets them) and
    each polygon's westernmost, easternmost, southernmost and northernmost vertex (on its
    bounding box). Oracle: every polygon tested against every point (_first_holder)."""
    polygons = countries.geometry.values
    vertex_sets = [set(map(tuple, shapely.get_coordinates(p))) for p in polygons]
    rng = np.random.default_rng(14)
    points = []
    for i, polygon in enumerate(polygons):
        xy = shapely.get_coordinates(polygon)
        points += [xy[xy[:, 0].argmin()], xy[xy[:, 0].argmax()], xy[xy[:, 1].argmin()], xy[xy[:, 1].argmax()]]
        for j in range(i + 1, len(polygons)):
            shared = sorted(vertex_sets[i] & vertex_sets[j])
            if shared:
                points += [shared[k] for k in rng.choice(len(shared), size=min(20, len(shared)), replace=False)]
    xy = np.array(points)
    expected = _first_holder(polygons, xy)
    assert (expected >= 0).all()
    assert len(xy) > 300 and 0 in expected  # shared borders exist, the first polygon among them
    np.testing.assert_array_equal(country_index.polygon_of(xy[:, 0], xy[:, 1]), expected)
    # In no polygon: -1 (the Sea of Japan, the Caspian).
    assert country_index.polygon_of(np.array([137.0, 51.0]), np.array([40.0, 42.0])).tolist() == [-1, -1]


@pytest.mark.parametrize("max_vertices", [2, 4, 64])
def test_chunk_lines__pieces_share_their_ends_and_rebuild_every_line(max_vertices):
    """Property: cut into pieces of at most max_vertices vertices, every line is its pieces laid
    end to end (each piece starting on the last vertex of the one before), and the number of
    pieces is ceil((n - 1) / (max_vertices - 1)) for a line of n vertices."""
    sizes = [2, 3, 4, 5, 7, 62, 63, 64, 65, 66, 126, 127, 128, 129, 200]
    rng = np.random.default_rng(max_vertices)
    lines = [shapely.LineString(np.cumsum(rng.uniform(0.1, 1.0, size=(n, 2)), axis=0)) for n in sizes]
    chunks = list(_chunk_lines(np.array(lines, dtype=object), max_vertices))
    for line, n in zip(lines, sizes, strict=True):
        count = math.ceil((n - 1) / (max_vertices - 1))
        mine, chunks = chunks[:count], chunks[count:]
        assert all(2 <= shapely.get_num_coordinates(c) <= max_vertices for c in mine), n
        rebuilt = shapely.get_coordinates(mine[0]).tolist()
        for chunk in mine[1:]:
            xy = shapely.get_coordinates(chunk).tolist()
            assert xy[0] == rebuilt[-1], n
            rebuilt += xy[1:]
        assert rebuilt == shapely.get_coordinates(line).tolist(), n
    assert chunks == []


def test_country_index__boundaries_are_every_ring_and_the_box(countries, country_index):
    """Oracle: shapely's own boundary lines. The chunks cover every ring of every polygon and
    the outline of the box, and nothing else."""
    chunks = shapely.union_all(country_index.boundary_chunks)
    box = shapely.box(*country_index.box_lonlat)
    rings = shapely.union_all([*shapely.boundary(countries.geometry.values), box.boundary])
    assert shapely.equals(chunks, rings)


def test_load_countries__missing_property(write):
    text = json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"iso3": "AAA"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}
    )
    path = write("noname.geojson", text)
    with pytest.raises(RouteDataError) as info:
        load_countries(path)
    assert (info.value.path, info.value.field) == (str(path), "name")
    assert str(info.value) == f"{path}: name: missing property 'name'; rebuild the file with tools/build_countries.py"


def test_load_countries__coordinates_are_lon_lat_whatever_a_legacy_crs_says(write):
    """RFC 7946: GeoJSON coordinates are WGS84 lon/lat; a pre-2016 "crs" member naming
    another CRS does not change them, and the frame comes back in EPSG:4326."""
    text = json.dumps(
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4269"}},
         "features": [{"type": "Feature", "properties": {"iso3": "AAA", "name": "A"},
         "geometry": {"type": "Polygon", "coordinates": [[[100, 50], [101, 50], [101, 51], [100, 50]]]}}]}
    )
    frame = load_countries(write("legacy.geojson", text))
    assert frame.crs.to_epsg() == 4326
    assert shapely.get_coordinates(frame.geometry.iloc[0]).tolist()[:2] == [[100.0, 50.0], [101.0, 50.0]]


def test_load_source_record__utf8_whatever_the_locale(tmp_path):
    """The record is UTF-8 (JSON); read under a locale whose encoding is ASCII (PEP 538/540
    coercion turned off), a non-ASCII attribution still comes back intact."""
    path = tmp_path / "source.json"
    path.write_text(json.dumps({"attribution": "Natural Earth \u2014 \u00e9"}, ensure_ascii=False), encoding="utf-8")
    assert load_source_record(path) == {"attribution": "Natural Earth \u2014 \u00e9"}
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    env["PYTHONIOENCODING"] = "utf-8"
    code = "import sys; from geo.countries import load_source_record as r; print(r(sys.argv[1])['attribution'])"
    argv = [sys.executable, "-c", code, str(path)]
    done = subprocess.run(argv, cwd=REPO_DIR, env=env, capture_output=True, encoding="utf-8", check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Natural Earth \u2014 \u00e9"


@pytest.mark.parametrize("name", ["countries.geojson", "countries_display.geojson", "countries_overview.geojson"])
def test_load_countries__same_as_gdal_reads_them(name):
    """Oracle: GDAL (pyogrio, a second reader) reads the same polygons, vertex for vertex, in the same order."""
    import pyogrio

    ours = load_countries(DATA_DIR / name)
    gdal = pyogrio.read_dataframe(DATA_DIR / name)
    assert list(ours["iso3"]) == list(gdal["iso3"]) and list(ours["name"]) == list(gdal["name"])
    assert all(a.equals_exact(b, 0) for a, b in zip(ours.geometry, gdal.geometry, strict=True))
    assert ours.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"type": "Feature"}', "not a FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "not a FeatureCollection with features"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}',
         "record '#1': cannot read country boundaries (a feature without a geometry)"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
         ' "geometry": {"type": "Polygon", "coordinates": "x"}}]}', "a geometry GEOS cannot read"),
    ],
    ids=["a-feature", "no-features", "null-geometry", "bad-coordinates"],
)  # fmt: skip
def test_load_countries__not_a_collection_is_one_line(write, text, fragment):
    with pytest.raises(RouteDataError) as info:
        load_countries(write("bad.geojson", text))
    message = str(info.value)
    assert fragment in message and "bad.geojson" in message and "tools/build_countries.py" in message
    assert "\n" not in message
