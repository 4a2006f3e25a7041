"""Tests for geo.measure against independent oracles."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.catalog import load_places
from geo.countries import NO_COUNTRY, OUTSIDE
from geo.measure import measure_routes
from tests.conftest import CATALOG_IDS, EQUATOR_1DEG, MERIDIAN_106_2E, ORACLE_ROUTES, PLACES_PATH, meridian_arc_m, routes_frame

GEOD = Geod(ellps="WGS84")


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
