"""Tests for layers.countries: encoded outlines decode to the display copy."""

from __future__ import annotations

import json

import folium
import pytest
import shapely

from geo.countries import load_countries
from layers.countries import COUNTRIES_PANE, countries_layer, countries_pane, encode_countries
from layers.page import base_map
from tests.conftest import DATA_DIR, decode_polyline as decode

WEB_MERCATOR_MAX_LAT = 85.0511287798  # atan(sinh(pi)) in degrees: the square world of EPSG:3857


def test_countries_layer__rings_decode_to_the_display_copy():
    display = load_countries(DATA_DIR / "countries_display.geojson")
    layer = countries_layer(encode_countries(display))
    assert [iso for iso, _ in layer.polygons] == list(display["iso3"])
    for (iso, shapes), geometry in zip(layer.polygons, display.geometry, strict=True):
        decoded = shapely.MultiPolygon(
            [shapely.Polygon(decode(rings[0], layer.precision), [decode(r, layer.precision) for r in rings[1:]]) for rings in shapes]
        )
        assert shapely.hausdorff_distance(decoded, geometry) < 1e-9, iso
        assert abs(decoded.area - geometry.area) < 1e-9, iso


def test_countries_layer__in_its_own_pane_below_the_routes():
    display = load_countries(DATA_DIR / "countries_display.geojson")
    m = folium.Map()
    countries_pane().add_to(m)
    countries_layer(encode_countries(display)).add_to(m)
    html = m.get_root().render()
    assert f'map.createPane("{COUNTRIES_PANE}")' in html.replace(m.get_name(), "map") or "createPane" in html
    assert "interactive: false" in html
    assert "L.control.layers" not in html


def _geojson_extent(path) -> tuple[float, float, float, float]:
    """West, south, east, north of every coordinate in a GeoJSON file (read as plain JSON)."""
    lons, lats = [], []

    def walk(value):
        if isinstance(value[0], (int, float)):
            lons.append(value[0])
            lats.append(value[1])
        else:
            for item in value:
                walk(item)

    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        walk(feature["geometry"]["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)


@pytest.mark.parametrize("name", ["countries_display.geojson", "countries_overview.geojson"])
def test_encode_countries__frame_is_the_outlines_extent(name):
    west, south, east, north = _geojson_extent(DATA_DIR / name)
    assert encode_countries(load_countries(DATA_DIR / name)).bounds_latlon == [[south, west], [north, east]]


@pytest.mark.parametrize("name", ["countries_display.geojson", "countries_overview.geojson"])
def test_drawing_copies__extent_covers_every_view_limit(name):
    # The frame must hold every page's first view and the whole Web Mercator width, so the
    # smallest zoom it allows is set by the screen, not by the extract: all longitudes,
    # and from Antarctica (beyond Web Mercator's 85.05 S) to Greenland's north cape (83.6 N).
    west, south, east, north = _geojson_extent(DATA_DIR / name)
    assert (west, east) == (-180.0, 180.0)
    assert south <= -WEB_MERCATOR_MAX_LAT
    assert north > 83.5
    record = json.loads((DATA_DIR / "countries.source.json").read_text(encoding="utf-8"))
    for box in (record["box_lonlat"], record["overview_box_lonlat"]):
        assert west < box[0] and south < box[1] and east > box[2] and north > box[3]


def test_view_frame__limits_pan_and_zoom_before_the_first_view():
    frame = [[-90.0, -180.0], [83.634, 180.0]]
    m = base_map([[40.0, 90.0], [55.0, 120.0]], tiles=False, frame_latlon=frame)
    html = m.get_root().render()
    assert "maxBoundsViscosity = 1" in html
    assert "L.latLngBounds([[-90.0,-180.0],[83.634,180.0]])" in html
    assert "map.on('resize', limitZoom)" in html
    assert html.index("L.latLngBounds([[-90.0,-180.0]") < html.index("map.fitBounds(")
    assert "maxBoundsViscosity = 1" not in base_map([[40.0, 90.0], [55.0, 120.0]], tiles=False).get_root().render()
