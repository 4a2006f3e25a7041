"""Tests for layers.countries: encoded outlines decode to the display copy."""

from __future__ import annotations

import folium
import shapely

from geo.countries import load_countries
from layers.countries import COUNTRIES_PANE, countries_layer, countries_pane, encode_countries
from tests.conftest import DATA_DIR, decode_polyline as decode


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
