"""Tests for geo.measure against independent oracles."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.ops import substring

from geo.catalog import load_places
from geo.countries import NO_COUNTRY, OUTSIDE, build_country_index
from geo.measure import measure_routes
from tests.conftest import (
    CATALOG_IDS,
    EQUATOR_1DEG,
    MERIDIAN_106_2E,
    ORACLE_ROUTES,
    PLACES_PATH,
    WGS84_A_M,
    meridian_arc_m,
    routes_frame,
)

GEOD = Geod(ellps="WGS84")


def equator_arc_m(dlon_deg: float) -> float:
    """Length of an arc of the equator: the equator is a circle of radius a (hand calculation)."""
    return WGS84_A_M * math.radians(dlon_deg)


@pytest.fixture(scope="module")
def by_id(catalog, measured_catalog):
    return measured_catalog.set_index(catalog["id"])


@pytest.mark.parametrize("oracle", ORACLE_ROUTES, ids=[r["id"] for r in ORACLE_ROUTES])
def test_country_m__matches_independent_measurement(country_index, oracle):
    routes = routes_frame({oracle["id"]: shapely.LineString(oracle["waypoints"])})
    measured = measure_routes(routes, country_index, max_segment_m=2_000)
    country_km = {iso: m / 1000 for iso, m in measured["country_m"].iloc[0].items()}
    assert set(country_km) == set(oracle["expected_km"])
    for iso, km in oracle["expected_km"].items():
        assert country_km[iso] == pytest.approx(km, abs=0.15), iso  # oracle is rounded to 0.1 km


@pytest.mark.parametrize("route_id", CATALOG_IDS)
def test_measure_routes__catalog_invariants(catalog, by_id, route_id):
    m = by_id.loc[route_id]
    waypoints = catalog.set_index("id").loc[route_id].geometry
    # Undensified geodesic length (pyproj's own geometry_length) within 1 m.
    assert m["length_m"] == pytest.approx(GEOD.geometry_length(waypoints), abs=1.0)
    # km per country plus "none" equals the total within 1 m.
    assert sum(m["country_m"].values()) == pytest.approx(m["length_m"], abs=1.0)
    # Densified: no segment longer than 10 km, and the waypoints are kept.
    coords = shapely.get_coordinates(m.geometry)
    _, _, seg = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    assert seg.max() <= 10_000 + 1e-6
    assert np.isin(shapely.get_coordinates(waypoints), coords).all()
    # Crossings in order along the route, between different countries.
    along = [c["m"] for c in m["crossings"]]
    assert along == sorted(along) and all(0 < a < m["length_m"] for a in along)
    assert all(c["from"] != c["to"] and NO_COUNTRY not in (c["from"], c["to"]) for c in m["crossings"])
    # Kilometre posts every 100 km, on the geodesic: within metres of the
    # straight lon/lat chord between densified vertices.
    posts = m["km_posts"]
    assert posts[:, 0].tolist() == [100_000.0 * (i + 1) for i in range(int(m["length_m"] // 100_000))]
    post_points = shapely.points(posts[:, 1:])
    assert (shapely.distance(m.geometry, post_points) < 1e-4).all()
    # Chord and detour.
    _, _, chord = GEOD.inv(*coords[0], *coords[-1])
    assert m["chord_m"] == pytest.approx(chord, abs=1e-3)
    assert m["detour_ratio"] >= 1.0


@pytest.mark.parametrize("route_id", CATALOG_IDS)
def test_country_m__equals_plain_overlay(countries, by_id, route_id):
    """Same split as intersecting the densified line with each polygon."""
    m = by_id.loc[route_id]
    for iso, geometry in zip(countries["iso3"], countries.geometry, strict=True):
        pieces = shapely.intersection(m.geometry, geometry)
        expected = GEOD.geometry_length(pieces) if not pieces.is_empty else 0.0
        assert m["country_m"].get(iso, 0.0) == pytest.approx(expected, abs=1.0), iso


def test_measure_routes__reversed_route_mirrors(country_index, catalog):
    route = catalog.set_index("id").loc["pos2-mongolia"].geometry
    both = routes_frame({"forward": route, "reverse": route.reverse()})
    forward, reverse = (row for _, row in measure_routes(both, country_index).iterrows())
    assert reverse["length_m"] == pytest.approx(forward["length_m"], abs=1.0)
    for iso, metres in forward["country_m"].items():
        assert reverse["country_m"][iso] == pytest.approx(metres, abs=1.0)
    mirrored = [
        {"from": c["to"], "to": c["from"], "lon": c["lon"], "lat": c["lat"], "m": forward["length_m"] - c["m"]}
        for c in reversed(forward["crossings"])
    ]
    assert len(reverse["crossings"]) == len(mirrored) == 2
    for got, want in zip(reverse["crossings"], mirrored, strict=True):
        assert (got["from"], got["to"]) == (want["from"], want["to"])
        assert got["m"] == pytest.approx(want["m"], abs=1.0)
        assert (got["lon"], got["lat"]) == pytest.approx((want["lon"], want["lat"]), abs=1e-6)


def _ring_crossings_at_lon(polygon, lon, lat_min, lat_max):
    """Latitudes where the polygon outline crosses a meridian, by hand."""
    found = []
    for ring in (polygon.exterior, *polygon.interiors):
        xy = np.asarray(ring.coords)
        for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
            if (x0 - lon) * (x1 - lon) < 0:
                lat = y0 + (y1 - y0) * (lon - x0) / (x1 - x0)
                if lat_min < lat < lat_max:
                    found.append(lat)
    return found


def test_crossings__hand_checked_meridian_through_naushki(countries, country_index):
    measured = measure_routes(routes_frame({"meridian": MERIDIAN_106_2E}), country_index).iloc[0]
    (crossing,) = measured["crossings"]
    mongolia = countries.set_index("iso3").loc["MNG"].geometry
    (border_lat,) = _ring_crossings_at_lon(mongolia, 106.2, 49.5, 51.0)
    # Naushki (50.39 N) is in Russia and Sukhbaatar (50.23 N) in Mongolia.
    assert 50.23 < border_lat < 50.39
    assert (crossing["from"], crossing["to"]) == ("RUS", "MNG")
    assert crossing["lon"] == pytest.approx(106.2, abs=1e-9)
    assert crossing["lat"] == pytest.approx(border_lat, abs=1e-6)
    assert crossing["m"] == pytest.approx(meridian_arc_m(border_lat, 51.0), abs=1.0)
    assert measured["country_m"]["RUS"] == pytest.approx(meridian_arc_m(border_lat, 51.0), abs=1.0)
    assert measured["country_m"]["MNG"] == pytest.approx(meridian_arc_m(49.5, border_lat), abs=1.0)


@pytest.mark.parametrize(
    ("route_id", "frm", "to", "near", "within_km"),
    [
        ("pos2-mongolia", "RUS", "MNG", ("Naushki", "Sukhbaatar"), 15),
        ("pos2-mongolia", "MNG", "CHN", ("Zamyn-Uud", "Erenhot (Erlian)"), 10),
        ("altai", "RUS", "CHN", ("Kanas pass - approx",), 10),
        ("pos1", "RUS", "CHN", ("Blagoveshchensk", "Heihe"), 5),
        ("central-asia-china", "KAZ", "CHN", ("Khorgos",), 10),
        ("all-russian-zabaikalsk", "RUS", "CHN", ("Zabaikalsk", "Manzhouli"), 5),
    ],
)
def test_crossings__at_the_known_border_posts(by_id, route_id, frm, to, near, within_km):
    places = load_places(PLACES_PATH).set_index("name")
    anchor = np.mean([shapely.get_coordinates(places.loc[name].geometry)[0] for name in near], axis=0)
    crossings = [c for c in by_id.loc[route_id]["crossings"] if (c["from"], c["to"]) == (frm, to)]
    _, _, dist = GEOD.inv(crossings[-1]["lon"], crossings[-1]["lat"], *anchor)
    assert dist < within_km * 1000


def test_measure_routes__multilinestring_parts_end_to_end(country_index):
    gap = shapely.MultiLineString([[(100, 50), (101, 50)], [(102, 50), (103, 50)]])
    measured = measure_routes(routes_frame({"gap": gap}), country_index).iloc[0]
    expected = sum(GEOD.inv(a, 50, b, 50)[2] for a, b in ((100, 101), (102, 103)))
    assert measured["length_m"] == pytest.approx(expected, abs=1e-3)
    assert measured.geometry.geom_type == "MultiLineString"


def test_measure_routes__equator_is_outside_the_extract_not_water(country_index):
    measured = measure_routes(routes_frame({"eq": EQUATOR_1DEG}), country_index).iloc[0]
    assert measured["country_m"] == {OUTSIDE: pytest.approx(111_319.4908, abs=1e-3)}
    assert measured["detour_ratio"] == pytest.approx(1.0)
    # 100 km along the equator is 100,000 / 111,319.4908 degrees of longitude.
    np.testing.assert_allclose(measured["km_posts"], [[100_000.0, 100_000 / 111_319.4908, 0.0]], atol=1e-9)


def test_measure_routes__rejects_projected_input(country_index):
    with pytest.raises(ValueError, match="must be in EPSG:4326"):
        measure_routes(routes_frame({"eq": EQUATOR_1DEG}).to_crs(3857), country_index)


def _coast_lats(countries, iso, lon, lat_min, lat_max):
    shape = countries.set_index("iso3").loc[iso].geometry
    return sorted(lat for polygon in shapely.get_parts(shape) for lat in _ring_crossings_at_lon(polygon, lon, lat_min, lat_max))


def test_crossings__after_a_stretch_of_sea_placed_where_the_next_country_begins(countries, country_index):
    """Due south along 142 E from Sakhalin across La Perouse Strait into Hokkaido, by hand."""
    line = shapely.LineString([(142.0, 46.9), (142.0, 44.5)])
    measured = measure_routes(routes_frame({"strait": line}), country_index).iloc[0]
    (sakhalin_coast,) = _coast_lats(countries, "RUS", 142.0, 44.5, 46.9)  # southern tip of Sakhalin
    (hokkaido_coast,) = _coast_lats(countries, "JPN", 142.0, 44.5, 46.9)  # north coast of Hokkaido
    assert 45.3 < hokkaido_coast < sakhalin_coast < 46.2  # the strait is ~40 km wide here
    (crossing,) = measured["crossings"]
    assert (crossing["from"], crossing["to"]) == ("RUS", "JPN")
    assert crossing["lat"] == pytest.approx(hokkaido_coast, abs=1e-6)
    assert crossing["m"] == pytest.approx(meridian_arc_m(hokkaido_coast, 46.9), abs=1.0)
    assert measured["country_m"]["RUS"] == pytest.approx(meridian_arc_m(sakhalin_coast, 46.9), abs=1.0)
    assert measured["country_m"][NO_COUNTRY] == pytest.approx(meridian_arc_m(hokkaido_coast, sakhalin_coast), abs=1.0)
    assert measured["country_m"]["JPN"] == pytest.approx(meridian_arc_m(44.5, hokkaido_coast), abs=1.0)


def test_crossings__a_line_that_doubles_back_crosses_on_each_leg(countries, country_index):
    """Into Mongolia along 106.2 E and back the same way: two crossings, each where its own leg meets
    the border (both legs lie in one queried piece, where the return crossing used to be lost)."""
    there_and_back = shapely.LineString([(106.2, 50.5), (106.2, 50.0), (106.2, 50.5)])
    measured = measure_routes(routes_frame({"spur": there_and_back}), country_index).iloc[0]
    (border_lat,) = _ring_crossings_at_lon(countries.set_index("iso3").loc["MNG"].geometry, 106.2, 50.0, 50.5)
    leg_m = meridian_arc_m(50.0, 50.5)
    going, coming = measured["crossings"]
    assert (going["from"], going["to"], coming["from"], coming["to"]) == ("RUS", "MNG", "MNG", "RUS")
    assert going["m"] == pytest.approx(meridian_arc_m(border_lat, 50.5), abs=1.0)
    assert coming["m"] == pytest.approx(2 * leg_m - meridian_arc_m(border_lat, 50.5), abs=1.0)
    assert measured["country_m"]["MNG"] == pytest.approx(2 * meridian_arc_m(50.0, border_lat), abs=1.0)
    assert measured["country_m"]["RUS"] == pytest.approx(2 * meridian_arc_m(border_lat, 50.5), abs=1.0)


@pytest.mark.parametrize("leg", [[(127.0, 57.0), (139.0, 57.0)], [(106.2, 50.5), (106.2, 50.0)]], ids=["okhotsk-coast", "naushki"])
def test_country_m__there_and_back_is_twice_one_way(country_index, leg):
    """A spur measured out and back holds each country's km twice (found by hypothesis on 57 N)."""
    one_way = measure_routes(routes_frame({"r": shapely.LineString(leg)}), country_index).iloc[0]
    both = measure_routes(routes_frame({"r": shapely.LineString([*leg, leg[0]])}), country_index).iloc[0]
    assert set(both["country_m"]) == set(one_way["country_m"])
    for iso, metres in one_way["country_m"].items():
        assert both["country_m"][iso] == pytest.approx(2 * metres, abs=1.0), iso


def test_measure_routes__leaving_the_extract_is_outside_not_water(country_index):
    """North along 100 E: Russia up to the extract's edge at 74 N (Taymyr is land there), then unknown."""
    measured = measure_routes(routes_frame({"north": shapely.LineString([(100.0, 60.0), (100.0, 80.0)])}), country_index).iloc[0]
    assert measured["country_m"]["RUS"] == pytest.approx(meridian_arc_m(60.0, 74.0), abs=1.0)
    assert measured["country_m"][OUTSIDE] == pytest.approx(meridian_arc_m(74.0, 80.0), abs=1.0)
    assert NO_COUNTRY not in measured["country_m"]


@pytest.mark.parametrize(
    "points",
    [[(179.0, 50.0), (-179.0, 50.0)], [(-179.0, 50.0), (179.0, 50.0)], [(170.0, 60.0), (-170.0, 60.0), (175.0, 61.0)]],
    ids=["east-to-west", "west-to-east", "there-and-back"],
)
def test_measure_routes__across_the_antimeridian(country_index, points):
    """Oracle: the ellipsoid is symmetric about its axis, so the line turned by 180 degrees of
    longitude (now across the Greenwich meridian, nowhere near 180) has the same length."""
    measured = measure_routes(routes_frame({"r": shapely.LineString(points)}), country_index).iloc[0]
    turned = [((lon + 360.0) % 360.0 - 180.0, lat) for lon, lat in points]
    expected_m = measure_routes(routes_frame({"r": shapely.LineString(turned)}), country_index).iloc[0]["length_m"]
    assert measured["length_m"] == pytest.approx(expected_m, abs=1e-3)
    assert measured["country_m"] == {OUTSIDE: pytest.approx(expected_m, abs=1e-3)}  # beyond the extract's 146 E
    # Drawn as pieces that each stay on one side of 180 degrees, meeting there.
    lons = [shapely.get_coordinates(part)[:, 0] for part in shapely.get_parts(measured.geometry)]
    assert all(np.all(lon >= 0) or np.all(lon <= 0) for lon in lons)
    assert len(lons) == len(points)  # one cut per crossing of 180


# --- Property: km per country and crossings over random lines equal a plain polygon overlay ---


def _random_lines(n: int, seed: int) -> dict[str, shapely.LineString]:
    """Seeded random lines of 2-5 vertices over the extract and a little beyond it."""
    rng = np.random.default_rng(seed)
    lines = {}
    for i in range(n):
        start = rng.uniform([40.0, 26.0], [152.0, 78.0])
        steps = rng.uniform([-8.0, -5.0], [8.0, 5.0], size=(int(rng.integers(1, 5)), 2))
        xy = np.vstack([start, start + np.cumsum(steps, axis=0)])
        xy[:, 1] = np.clip(xy[:, 1], 20.0, 85.0)
        lines[f"r{i}"] = shapely.LineString(xy)
    return lines


def _plain_overlay(line, countries, box_lonlat):
    """Km per country and crossings of one drawn (densified) line by a brute-force overlay.

    A second implementation that shares nothing with geo.measure but the line: shapely's
    intersection of the whole line with each country polygon and with the extract's box,
    pyproj's geodesic length of each piece, the land pieces put in order along the line
    (each located by its midpoint, which is unambiguous even where the line crosses itself)
    and a crossing wherever the next land piece belongs to another country; its place is
    the start of that piece, its distance the geodesic length of the line up to there.
    """
    total = GEOD.geometry_length(line)
    lengths: dict[str, float] = {}
    pieces = []
    for iso, polygon in zip(countries["iso3"], countries.geometry, strict=True):
        if not shapely.intersects(line, polygon):
            continue
        for part in shapely.get_parts(shapely.intersection(line, polygon)):
            if part.geom_type != "LineString" or part.length == 0:
                continue
            lengths[iso] = lengths.get(iso, 0.0) + GEOD.geometry_length(part)
            mid = shapely.line_locate_point(line, shapely.line_interpolate_point(part, 0.5, normalized=True))
            pieces.append((mid - part.length / 2, iso))
    inside = shapely.intersection(line, shapely.box(*box_lonlat))
    inside_m = 0.0 if inside.is_empty else GEOD.geometry_length(inside)
    lengths[OUTSIDE] = total - inside_m
    lengths[NO_COUNTRY] = inside_m - sum(v for k, v in lengths.items() if k not in (OUTSIDE, NO_COUNTRY))
    pieces.sort()
    crossings = []
    for (_, before), (at, after) in zip(pieces[:-1], pieces[1:], strict=True):
        if before != after:
            lon, lat = shapely.get_coordinates(shapely.line_interpolate_point(line, at))[0]
            crossings.append((before, after, lon, lat, GEOD.geometry_length(substring(line, 0, at))))
    return lengths, crossings


def test_country_m_and_crossings__random_lines_equal_a_plain_overlay(countries, country_index):
    """300 seeded random lines: km per country (with "none" and "outside") within 1 m and every
    crossing (countries, place within 1e-7 degrees, distance within 1 m) as the brute-force
    overlay in _plain_overlay finds them. Boundary pieces that no longer share their ends, a
    hit placed on the wrong segment or a stretch given to the wrong country move these by
    kilometres (issue 14: 899 km over 3,000 lines)."""
    lines = _random_lines(300, seed=14)
    measured = measure_routes(routes_frame(lines), country_index)
    n_crossings = 0
    for name, row in measured.iterrows():
        lengths, crossings = _plain_overlay(row.geometry, countries, country_index.box_lonlat)
        got = row["country_m"]
        assert all(metres > 0 for metres in got.values()), (name, got)
        for iso in set(got) | set(lengths):
            assert got.get(iso, 0.0) == pytest.approx(lengths.get(iso, 0.0), abs=1.0), (name, iso)
        assert [(c["from"], c["to"]) for c in row["crossings"]] == [c[:2] for c in crossings], name
        for c, (_, _, lon, lat, m) in zip(row["crossings"], crossings, strict=True):
            assert (c["lon"], c["lat"]) == pytest.approx((lon, lat), abs=1e-7), name
            assert c["m"] == pytest.approx(m, abs=1.0), name
        n_crossings += len(crossings)
    assert n_crossings > 150  # the lines do cross borders, coasts and seas


# --- waypoint_m, km posts, detour, planar length, frame: independent expected values ---


@pytest.mark.parametrize("route_id", CATALOG_IDS)
def test_waypoint_m__geodesic_length_of_each_input_prefix(catalog, by_id, route_id):
    """Oracle: pyproj's Geod.line_length of the waypoints up to each one (no densification);
    a waypoint one densified vertex early or late is ~10 km off."""
    xy = shapely.get_coordinates(catalog.set_index("id").loc[route_id].geometry)
    expected = [GEOD.line_length(xy[: i + 1, 0], xy[: i + 1, 1]) for i in range(len(xy))]
    np.testing.assert_allclose(by_id.loc[route_id]["waypoint_m"], expected, rtol=0, atol=1e-3)


def test_waypoint_m_and_km_posts__each_route_from_its_own_start(country_index):
    """Three routes in one frame (a MultiLineString among them): every waypoint's distance and
    every post by hand. Oracle: the meridian-arc integral and the equator arc (a * dlon)."""
    routes = {
        "meridian": shapely.LineString([(106.2, 51.0), (106.2, 50.0), (106.2, 49.5)]),
        "equator": shapely.LineString([(10.0, 0.0), (11.0, 0.0), (12.5, 0.0)]),
        "parts": shapely.MultiLineString([[(20.0, 0.0), (20.5, 0.0)], [(30.0, 10.0), (30.0, 11.0)]]),
    }
    measured = measure_routes(routes_frame(routes), country_index, post_spacing_m=50_000.0).set_index(
        routes_frame(routes)["id"]
    )
    expected_waypoints = {
        "meridian": [0.0, meridian_arc_m(50.0, 51.0), meridian_arc_m(49.5, 51.0)],
        "equator": [0.0, equator_arc_m(1.0), equator_arc_m(2.5)],
        # Parts end to end: the gap between them is not part of the route.
        "parts": [0.0, equator_arc_m(0.5), equator_arc_m(0.5), equator_arc_m(0.5) + meridian_arc_m(10.0, 11.0)],
    }
    for name, expected in expected_waypoints.items():
        np.testing.assert_allclose(measured.loc[name, "waypoint_m"], expected, rtol=0, atol=1e-3, err_msg=name)
        assert measured.loc[name, "length_m"] == pytest.approx(expected[-1], abs=1e-3)
    # Posts every 50 km along the equator route: lon = 10 + 50 km / (a * pi / 180).
    posts = measured.loc["equator", "km_posts"]
    n = int(equator_arc_m(2.5) // 50_000)
    np.testing.assert_allclose(posts[:, 0], 50_000.0 * np.arange(1, n + 1))
    np.testing.assert_allclose(posts[:, 1], 10.0 + np.degrees(50_000.0 * np.arange(1, n + 1) / WGS84_A_M), atol=1e-9)
    np.testing.assert_allclose(posts[:, 2], 0.0, atol=1e-9)
    # Along the meridian route, post k lies where the meridian arc from 51 N is k * 50 km.
    for along, lon, lat in measured.loc["meridian", "km_posts"]:
        assert lon == pytest.approx(106.2, abs=1e-9)
        assert meridian_arc_m(lat, 51.0) == pytest.approx(along, abs=1e-3)
    # Second part of the MultiLineString: its posts continue from the first part's length.
    # 55.7 km of the equator, then 110.6 km north along 30 E: posts at 50, 100 and 150 km.
    parts_posts = measured.loc["parts", "km_posts"]
    assert parts_posts[:, 0].tolist() == [50_000.0, 100_000.0, 150_000.0]
    assert tuple(parts_posts[0, 1:]) == pytest.approx((20.0 + math.degrees(50_000.0 / WGS84_A_M), 0.0), abs=1e-9)
    for along, lon, lat in parts_posts[1:]:
        assert lon == pytest.approx(30.0, abs=1e-9)
        assert meridian_arc_m(10.0, lat) == pytest.approx(along - equator_arc_m(0.5), abs=1e-3)


def test_km_posts__none_on_the_very_end_nor_beyond_it(country_index):
    """Hand: one degree of the equator with posts every quarter of it has posts at 1/4, 1/2
    and 3/4 degree, none on the end; a route shorter than the spacing has none."""
    length = equator_arc_m(1.0)
    routes = routes_frame({"eq": EQUATOR_1DEG, "short": shapely.LineString([(0.0, 0.0), (0.6, 0.0)])})
    eq, short = (row for _, row in measure_routes(routes, country_index, post_spacing_m=length / 4).iterrows())
    np.testing.assert_allclose(
        eq["km_posts"], [[length / 4, 0.25, 0.0], [length / 2, 0.5, 0.0], [3 * length / 4, 0.75, 0.0]], atol=1e-9
    )
    np.testing.assert_allclose(short["km_posts"], [[length / 4, 0.25, 0.0], [length / 2, 0.5, 0.0]], atol=1e-9)
    half_degree = routes_frame({"short": shapely.LineString([(0.0, 0.0), (0.5, 0.0)])})
    default = measure_routes(half_degree, country_index).iloc[0]
    assert default["km_posts"].shape == (0, 3)  # 55.7 km, spacing 100 km


def test_measure_routes__post_spacing_must_be_positive(country_index):
    routes = routes_frame({"eq": EQUATOR_1DEG})
    for bad in (0.0, -100.0, float("nan")):
        with pytest.raises(ValueError, match=r"^post_spacing_m must be a positive number of metres, got "):
            measure_routes(routes, country_index, post_spacing_m=bad)
    # Any positive spacing is fine, even one metre: 4.5 m of the equator has posts at 1, 2, 3, 4 m.
    tiny = routes_frame({"tiny": shapely.LineString([(0.0, 0.0), (math.degrees(4.5 / WGS84_A_M), 0.0)])})
    posts = measure_routes(tiny, country_index, post_spacing_m=1.0).iloc[0]["km_posts"]
    np.testing.assert_allclose(posts[:, 0], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(posts[:, 1], np.degrees(np.array([1.0, 2.0, 3.0, 4.0]) / WGS84_A_M), rtol=1e-9)


def test_measure_routes__max_segment_m_sets_the_drawn_vertices(country_index):
    """Hand: one degree of the equator (111.3 km) cut into pieces of at most 20 km is six equal
    pieces, so the drawn line has vertices at every sixth of a degree."""
    measured = measure_routes(routes_frame({"eq": EQUATOR_1DEG}), country_index, max_segment_m=20_000.0).iloc[0]
    sixths = np.column_stack([np.arange(7) / 6, np.zeros(7)])
    np.testing.assert_allclose(shapely.get_coordinates(measured.geometry), sixths, atol=1e-12)


def test_measure_routes__index_crs_and_geometry_type_of_the_input(country_index):
    multi = shapely.MultiLineString([[(100, 50), (101, 50)], [(102, 50), (103, 50)]])
    routes = routes_frame({"line": EQUATOR_1DEG, "multi": multi})
    routes.index = ["first", "second"]
    measured = measure_routes(routes, country_index)
    assert list(measured.index) == ["first", "second"]
    assert measured.crs.to_epsg() == 4326
    assert list(measured.geometry.geom_type) == ["LineString", "MultiLineString"]
    assert list(measured.columns[:-1]) == ["length_m", "planar_length_m", "chord_m", "detour_ratio", "country_m",
                                           "crossings", "km_posts", "waypoint_m"]


def test_detour_ratio__closed_and_degenerate_routes(country_index):
    """A loop has no chord: its detour ratio is NaN (not infinite), and so is a route of one
    repeated point, without a RuntimeWarning. A route whose ends are 0.36 m apart still has a
    ratio, length / chord. Oracle: pyproj's inv for the chord, line_length for the length."""
    end = (100.000005, 50.0)
    routes = routes_frame(
        {
            "loop": shapely.LineString([(100, 50), (101, 50), (100, 50)]),
            "point": shapely.LineString([(100, 50), (100, 50)]),
            "almost": shapely.LineString([(100, 50), (100.01, 50), end]),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loop, point, almost = (row for _, row in measure_routes(routes, country_index).iterrows())
    assert math.isnan(loop["detour_ratio"]) and loop["chord_m"] == 0.0
    assert math.isnan(point["detour_ratio"]) and point["length_m"] == 0.0
    chord = GEOD.inv(100, 50, *end)[2]
    assert 0.3 < chord < 0.4
    assert almost["chord_m"] == pytest.approx(chord, abs=1e-9)
    length = GEOD.line_length([100, 100.01, end[0]], [50, 50, 50])
    assert almost["detour_ratio"] == pytest.approx(length / chord, rel=1e-9)


STUDY_PROJ = "+proj=eqdc +lat_0=50 +lon_0=95 +lat_1=44 +lat_2=56 +ellps=WGS84 +units=m"
"""The study projection as the README writes it (not imported from geo.projection)."""


def test_planar_length_m__true_along_meridians_and_the_projected_drawn_line(country_index):
    """An equidistant conic is true to scale along every meridian: the planar length of a
    meridian route is its meridian arc (hand oracle). For any route it is the sum of the
    straight projected pieces of the drawn line, parts apart (pyproj Transformer, written
    here from the README's definition)."""
    routes = routes_frame(
        {
            "meridian": MERIDIAN_106_2E,
            "oblique": shapely.LineString([(68.4, 70.4), (104.28, 52.29), (116.4, 39.9)]),
            "parts": shapely.MultiLineString([[(90, 45), (95, 47)], [(120, 40), (125, 42)]]),
        }
    )
    measured = measure_routes(routes, country_index)
    assert measured.iloc[0]["planar_length_m"] == pytest.approx(meridian_arc_m(49.5, 51.0), abs=0.01)
    to_plane = Transformer.from_crs("EPSG:4326", STUDY_PROJ, always_xy=True)
    for geometry, planar in zip(measured.geometry, measured["planar_length_m"], strict=True):
        expected = 0.0
        for part in shapely.get_parts(geometry):
            x, y = to_plane.transform(*shapely.get_coordinates(part).T)
            expected += np.hypot(np.diff(x), np.diff(y)).sum()
        assert planar == pytest.approx(expected, abs=0.01)


# --- Stretches on bent lines: synthetic countries, expected km and crossings by hand ---


def _toy_index(boxes: dict[str, tuple[float, float, float, float]]):
    frame = gpd.GeoDataFrame(
        {"iso3": list(boxes), "name": list(boxes)}, geometry=[shapely.box(*b) for b in boxes.values()], crs="EPSG:4326"
    )
    return build_country_index(frame)


TOY_WORLD = {"BBB": (2.0, -0.2, 4.0, 1.0), "AAA": (0.0, -0.2, 2.0, 1.0), "CCC": (0.0, 1.0, 4.0, 2.0)}
"""Three boxes: AAA west of 2 E, BBB east of it, CCC north of 1 N; (2 E, 1 N) is a tripoint."""


def test_country_m__stretches_on_bent_lines_by_hand():
    """Routes along the equator and along meridians (geodesics, so a vertex-to-vertex piece is
    the drawn segment itself), not densified, each bent where a stretch's middle lies next to
    the bend: a middle looked up on the wrong segment, or at the wrong place on its segment,
    falls outside its country. Oracle: the equator arc a * dlon and the meridian-arc integral."""
    index = _toy_index(TOY_WORLD)
    routes = {
        "east-then-north": [(1.5, 0.0), (3.5, 0.0), (3.5, 0.8)],
        "south-then-west": [(3.5, 0.9), (3.5, 0.0), (1.0, 0.0)],
        "just-across": [(3.9, 0.9), (3.9, 0.0), (1.9, 0.0)],
        "north-across": [(1.0, 0.5), (1.0, 1.5)],
        "tripoint": [(1.0, 0.5), (3.0, 1.5)],
    }
    frame = routes_frame({k: shapely.LineString(v) for k, v in routes.items()})
    measured = measure_routes(frame, index, max_segment_m=1e7).set_index(frame["id"])
    expected_km = {
        "east-then-north": {"AAA": equator_arc_m(0.5), "BBB": equator_arc_m(1.5) + meridian_arc_m(0.0, 0.8)},
        "south-then-west": {"BBB": meridian_arc_m(0.0, 0.9) + equator_arc_m(1.5), "AAA": equator_arc_m(1.0)},
        "just-across": {"BBB": meridian_arc_m(0.0, 0.9) + equator_arc_m(1.9), "AAA": equator_arc_m(0.1)},
        "north-across": {"AAA": meridian_arc_m(0.5, 1.0), "CCC": meridian_arc_m(1.0, 1.5)},
    }
    expected_crossings = {
        "east-then-north": [("AAA", "BBB", 2.0, 0.0, equator_arc_m(0.5))],
        "south-then-west": [("BBB", "AAA", 2.0, 0.0, meridian_arc_m(0.0, 0.9) + equator_arc_m(1.5))],
        "just-across": [("BBB", "AAA", 2.0, 0.0, meridian_arc_m(0.0, 0.9) + equator_arc_m(1.9))],
        "north-across": [("AAA", "CCC", 1.0, 1.0, meridian_arc_m(0.5, 1.0))],
    }
    for name, km in expected_km.items():
        got = measured.loc[name, "country_m"]
        assert set(got) == set(km), name
        for iso, metres in km.items():
            assert got[iso] == pytest.approx(metres, abs=1e-3), (name, iso)
        crossings = [(c["from"], c["to"], c["lon"], c["lat"], c["m"]) for c in measured.loc[name, "crossings"]]
        assert len(crossings) == len(expected_crossings[name]), name
        for got_c, want_c in zip(crossings, expected_crossings[name], strict=True):
            assert got_c[:2] == want_c[:2], name
            assert got_c[2:] == pytest.approx(want_c[2:], abs=1e-6), name
    # Through the tripoint, from AAA straight into CCC: BBB, which only touches the line
    # there, gets no length and no crossing (the repeated hits make empty stretches).
    tripoint = measured.loc["tripoint"]
    first_m = GEOD.inv(1.0, 0.5, 2.0, 1.0)[2]
    assert tripoint["country_m"] == {
        "AAA": pytest.approx(first_m, abs=1e-3),
        "CCC": pytest.approx(tripoint["length_m"] - first_m, abs=1e-3),
    }
    assert [(c["from"], c["to"]) for c in tripoint["crossings"]] == [("AAA", "CCC")]


def test_measure_routes__a_wider_box_splits_at_its_edge(countries):
    """With an extract box wider than the land, a route from the sea inside the box to beyond it
    is split at the box's edge: along 60 N from 148 E to 152 E the geodesic is symmetric about
    150 E, so "none" and "outside" are half its length each (oracle: pyproj inv, symmetry)."""
    index = build_country_index(countries, box_lonlat=(40.0, 25.0, 150.0, 80.0))
    measured = measure_routes(routes_frame({"r": shapely.LineString([(148.0, 60.0), (152.0, 60.0)])}), index).iloc[0]
    half = GEOD.inv(148.0, 60.0, 152.0, 60.0)[2] / 2
    assert measured["country_m"] == {NO_COUNTRY: pytest.approx(half, abs=0.01), OUTSIDE: pytest.approx(half, abs=0.01)}


def test_crossings__on_the_first_segment_of_a_route(countries, country_index):
    """A short route (one undensified segment, 4.4 km) across the border on 106.2 E, alone and
    after another route: the crossing is on the very first segment of its part. Oracle: the
    border latitude from the polygon vertices by hand and the meridian-arc integral."""
    (border_lat,) = _ring_crossings_at_lon(countries.set_index("iso3").loc["MNG"].geometry, 106.2, 49.5, 51.0)
    north, south = border_lat + 0.02, border_lat - 0.02
    short = shapely.LineString([(106.2, north), (106.2, south)])
    for frame in (routes_frame({"short": short}), routes_frame({"eq": EQUATOR_1DEG, "short": short})):
        measured = measure_routes(frame, country_index).iloc[-1]
        assert measured["country_m"] == {
            "RUS": pytest.approx(meridian_arc_m(border_lat, north), abs=1e-3),
            "MNG": pytest.approx(meridian_arc_m(south, border_lat), abs=1e-3),
        }
        (crossing,) = measured["crossings"]
        assert crossing["m"] == pytest.approx(meridian_arc_m(border_lat, north), abs=1e-3)


# --- The antimeridian: cut latitude, lengths, posts and waypoints of each route ---


def _geodesic_lat_at_180(start, end):
    """Latitude where the geodesic start -> end crosses 180 degrees, by bisection on the distance
    along it (pyproj's direct problem; no densification, no interpolation)."""
    az, _, length = GEOD.inv(*start, *end)
    east = start[0] > 0  # leaves from the eastern hemisphere, across +180

    def past(s):
        lon = GEOD.fwd(*start, az, s)[0]
        return (lon < 0) if east else (lon > 0)

    lo, hi = 0.0, length
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if past(mid) else (mid, hi)
    return GEOD.fwd(*start, az, lo)[1]


def _interpolated_lat_at_180(start, end, max_segment_m=10_000.0):
    """The documented cut: the geodesic start -> end in equal pieces of at most 10 km (its points
    from pyproj's direct problem), and the latitude interpolated in unwrapped longitude on the
    piece that crosses 180. Returns that latitude and the piece's distances from start."""
    az, _, length = GEOD.inv(*start, *end)
    n = math.ceil(length / max_segment_m)
    along = length * np.arange(n + 1) / n
    lon, lat, _ = GEOD.fwd(np.full(n + 1, start[0]), np.full(n + 1, start[1]), np.full(n + 1, az), along)
    k = int(np.flatnonzero(np.abs(np.diff(lon)) > 180)[0])
    lon0, lon1 = lon[k], lon[k + 1] + (360.0 if start[0] > 0 else -360.0)
    edge = 180.0 if start[0] > 0 else -180.0
    return lat[k] + (edge - lon0) / (lon1 - lon0) * (lat[k + 1] - lat[k]), (along[k], along[k + 1])


def _geodesic_point(vertices, along_m):
    """Point at a distance along a polyline of geodesics (pyproj inv + fwd on the input vertices)."""
    for (lon0, lat0), (lon1, lat1) in zip(vertices[:-1], vertices[1:], strict=True):
        az, _, leg = GEOD.inv(lon0, lat0, lon1, lat1)
        if along_m <= leg:
            return GEOD.fwd(lon0, lat0, az, along_m)[:2]
        along_m -= leg
    raise AssertionError("beyond the end")


def test_measure_routes__antimeridian_cut_in_a_frame_of_routes(countries, country_index):
    """A route across 180 degrees and back, between two other routes. Oracles: the geodesic's
    own crossing of 180 (bisection), pyproj line_length for lengths and waypoints, pyproj fwd
    along the input geodesics for the posts, and the hand-checked border on 106.2 E."""
    zigzag = [(179.3, 50.0), (-179.9, 51.0), (179.6, 52.0)]
    frame = routes_frame(
        {
            "before": shapely.LineString([(100, 50), (101, 50)]),
            "zigzag": shapely.LineString(zigzag),
            "after": MERIDIAN_106_2E,
        }
    )
    rows = measure_routes(frame, country_index, post_spacing_m=7_000.0).iterrows()
    before, measured, after = (row for _, row in rows)
    lon, lat = np.array(zigzag).T
    assert measured["length_m"] == pytest.approx(GEOD.line_length(lon, lat), abs=1e-3)
    expected_waypoints = [0.0, GEOD.line_length(lon[:2], lat[:2]), GEOD.line_length(lon, lat)]
    np.testing.assert_allclose(measured["waypoint_m"], expected_waypoints, atol=1e-3)
    # Three parts meeting at +-180 at the latitude where the geodesic crosses it.
    parts = [shapely.get_coordinates(p) for p in shapely.get_parts(measured.geometry)]
    assert len(parts) == 3
    assert (parts[0][-1, 0], parts[1][0, 0], parts[1][-1, 0], parts[2][0, 0]) == (180.0, -180.0, -180.0, 180.0)
    leg_m = GEOD.line_length(lon[:2], lat[:2])
    cut_pieces = []
    for leg, (end, start) in enumerate(((parts[0][-1], parts[1][0]), (parts[1][-1], parts[2][0]))):
        cut_lat, (piece_from, piece_to) = _interpolated_lat_at_180(zigzag[leg], zigzag[leg + 1])
        cut_pieces.append((piece_from + leg * leg_m, piece_to + leg * leg_m))
        assert end[1] == start[1] == pytest.approx(cut_lat, abs=1e-9)
        # Interpolating on a 10 km piece is metres off the geodesic's own crossing, not more.
        assert GEOD.inv(180.0, end[1], 180.0, _geodesic_lat_at_180(zigzag[leg], zigzag[leg + 1]))[2] < 5.0
    # Posts every 7 km on the input geodesics; on the two pieces cut at 180 (whose cut vertex
    # is interpolated, so their straight halves are a metre off the geodesic) within 1.5 m.
    posts = measured["km_posts"]
    assert len(posts) == int(measured["length_m"] // 7_000)
    for along, post_lon, post_lat in posts:
        off_m = GEOD.inv(post_lon, post_lat, *_geodesic_point(zigzag, along))[2]
        on_cut_piece = any(a <= along <= b for a, b in cut_pieces)
        assert off_m < (1.5 if on_cut_piece else 1e-3), along
    assert measured["country_m"] == {OUTSIDE: pytest.approx(measured["length_m"], abs=1e-3)}
    # The routes around it keep their own numbers.
    assert before["length_m"] == pytest.approx(GEOD.inv(100, 50, 101, 50)[2], abs=1e-3)
    (border_lat,) = _ring_crossings_at_lon(countries.set_index("iso3").loc["MNG"].geometry, 106.2, 49.5, 51.0)
    assert after["country_m"]["RUS"] == pytest.approx(meridian_arc_m(border_lat, 51.0), abs=1.0)
    assert after["country_m"]["MNG"] == pytest.approx(meridian_arc_m(49.5, border_lat), abs=1.0)
    (crossing,) = after["crossings"]
    assert crossing["m"] == pytest.approx(meridian_arc_m(border_lat, 51.0), abs=1.0)
    np.testing.assert_allclose(after["waypoint_m"], [0.0, meridian_arc_m(49.5, 51.0)], atol=1e-3)


@pytest.mark.parametrize(
    ("points", "n_parts"),
    [
        ([(0.0, 89.99), (180.0, 89.99)], 1),  # over the pole: 180 degrees apart is not "more than 180"
        ([(0.5, 89.99), (-179.9, 89.99)], 2),  # 180.4 degrees apart: across 180, near the pole
        ([(179.5, 89.95), (-179.5, 89.96)], 2),  # one degree of longitude across 180, 100 m long
        ([(179.0, 50.0), (180.0, 50.0), (-180.0, 50.0), (-179.0, 50.0)], 2),  # a vertex on 180, written twice
    ],
    ids=["over-the-pole", "near-the-pole", "short-polar", "vertex-on-180"],
)
def test_measure_routes__antimeridian_edge_cases(country_index, points, n_parts):
    """Every drawn part is valid, stays on one side of 180 (its lons within -180..180) and the
    parts meet at +-180 at one latitude; the length is the input's geodesic length (pyproj
    line_length; over the pole also twice the meridian arc from 89.99 N to the pole)."""
    measured = measure_routes(routes_frame({"r": shapely.LineString(points)}), country_index).iloc[0]
    lon, lat = np.array(points).T
    assert measured["length_m"] == pytest.approx(GEOD.line_length(lon, lat), abs=1e-3)
    if n_parts == 1:
        assert measured["length_m"] == pytest.approx(2 * meridian_arc_m(89.99, 90.0), abs=1e-3)
    assert shapely.is_valid(measured.geometry)
    parts = [shapely.get_coordinates(p) for p in shapely.get_parts(measured.geometry)]
    assert len(parts) == n_parts
    for part in parts:
        assert np.all(np.abs(part[:, 0]) <= 180.0)
        assert np.all(part[:, 0] >= 0) or np.all(part[:, 0] <= 0)
    for first, second in zip(parts[:-1], parts[1:], strict=True):
        assert abs(first[-1, 0]) == abs(second[0, 0]) == 180.0 and first[-1, 1] == second[0, 1]
    if points[0] == (179.5, 89.95):
        # Interpolated in longitude (one piece, 180 is half way in longitude): 89.955 N.
        assert parts[0][-1, 1] == pytest.approx(89.955, abs=1e-9)


def test_measure_routes__routes_that_end_just_across_180_one_after_another(country_index):
    """Each route's last segment crosses 180 (1.4 km, one piece), the next route follows in the
    same frame: every route keeps its own parts and length (pyproj inv)."""
    routes = {
        "east": [(179.99, 50.0), (-179.99, 50.0)],
        "west": [(-179.99, 51.0), (179.99, 51.0)],
        "plain": [(100.0, 50.0), (101.0, 50.0)],
    }
    measured = measure_routes(routes_frame({k: shapely.LineString(v) for k, v in routes.items()}), country_index)
    for (name, points), (_, row) in zip(routes.items(), measured.iterrows(), strict=True):
        (lon0, lat0), (lon1, lat1) = points
        assert row["length_m"] == pytest.approx(GEOD.inv(lon0, lat0, lon1, lat1)[2], abs=1e-6), name
        ends = [shapely.get_coordinates(p)[[0, -1]].tolist() for p in shapely.get_parts(row.geometry)]
        if name == "plain":
            assert ends == [[[100.0, 50.0], [101.0, 50.0]]]
        else:
            edge = 180.0 if lon0 > 0 else -180.0
            assert ends == [[[lon0, lat0], [edge, lat0]], [[-edge, lat0], [lon1, lat1]]], name


@pytest.mark.parametrize(
    "points",
    [[(180.0, 50.0), (-179.0, 50.0)], [(179.0, 50.0), (-180.0, 50.0)], [(-180.0, 50.0), (179.0, 50.0)]],
    ids=["starts-on-180", "ends-on-minus-180", "starts-on-minus-180"],
)
def test_measure_routes__a_route_starting_or_ending_on_180_has_no_empty_part(country_index, points):
    """Property: the drawn line is valid and every part of it has length (shapely is_valid)."""
    measured = measure_routes(routes_frame({"r": shapely.LineString(points)}), country_index).iloc[0]
    assert shapely.is_valid(measured.geometry), shapely.is_valid_reason(measured.geometry)
    assert all(part.length > 0 for part in shapely.get_parts(measured.geometry))


def test_waypoint_m__taken_at_waypoint_vertex(country_index):
    # four vertices, two of them waypoints (a traced line has more vertices than waypoints)
    line = shapely.LineString([(100.0, 50.0), (100.5, 50.2), (101.0, 50.0), (102.0, 50.3)])
    plain = routes_frame({"a": line, "b": line})
    plain["waypoint_vertex"] = gpd.pd.Series([[0, 2, 3], None], dtype=object)
    measured = measure_routes(plain, country_index)
    xs, ys = zip(*line.coords, strict=True)
    to_second = GEOD.line_length(xs[:3], ys[:3])
    assert measured.loc[0, "waypoint_m"] == pytest.approx([0.0, to_second, measured.loc[0, "length_m"]], rel=1e-9)
    assert len(measured.loc[1, "waypoint_m"]) == 4  # None: every vertex, as without the column


def test_waypoint_m__untraced_routes_bit_identical_with_the_column(catalog, country_index):
    without = measure_routes(catalog.drop(columns=["waypoint_vertex"]), country_index)
    with_column = measure_routes(catalog, country_index)
    for a, b in zip(without["waypoint_m"], with_column["waypoint_m"], strict=True):
        assert np.array_equal(a, b)
    assert without["length_m"].tolist() == with_column["length_m"].tolist()
