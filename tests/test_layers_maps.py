"""Tests for layers.maps: the overview and single-route pages, by fragments."""

from __future__ import annotations

import pytest

from geo.catalog import load_places
from geo.compare import comparison_records
from geo.countries import load_countries
from layers.countries import encode_countries
from layers.maps import index_map, route_map
from layers.encoding import script_json
from layers.page import render_html
from layers.style import GROUP_OPTIONS, GROUP_PLACES, GROUP_REFERENCES, text
from tests.conftest import METHOD_NOTE as METHOD, DATA_DIR, PLACES_PATH



@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


@pytest.fixture(scope="module")
def display():
    return encode_countries(load_countries(DATA_DIR / "countries_display.geojson"))


def test_index_map__groups_every_route(records, measured_catalog, display):
    m = index_map(records, measured_catalog, countries=display, places=load_places(PLACES_PATH), method=METHOD, geojson="{}")
    html = render_html(m)
    assert "L.control.groupedLayers(" in html
    for group in (GROUP_OPTIONS, GROUP_REFERENCES, GROUP_PLACES):
        assert f'"{group}": {{' in html
    for record in records:
        label = script_json(text(record["name"]))
        assert f"{label}: poly_line" not in html  # layers are feature groups, not lines
        assert f"{label}: feature_group_" in html
    assert html.count("L.polyline(") == sum(len(g.geoms) if hasattr(g, "geoms") else 1 for g in measured_catalog.geometry)
    assert "download-geojson" in html


def test_route_map__fitted_with_measurement_panel(records, measured_catalog, display):
    record, row = records[1], measured_catalog.iloc[1]
    html = render_html(route_map(record, row.geometry, row["km_posts"], colour="#332288", countries=display, method=METHOD))
    west, south, east, north = row.geometry.bounds
    assert f"[[{round(south, 5)}, {round(west, 5)}], [{round(north, 5)}, {round(east, 5)}]]" in html
    assert "Measurements" in html and "L.control.layers(" in html
