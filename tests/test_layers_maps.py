"""Tests for layers.maps: the overview and single-route pages, by fragments."""

from __future__ import annotations

import pytest

from geo.catalog import load_places
from geo.compare import comparison_records
from geo.countries import load_countries
from layers.countries import encode_countries
from layers.maps import INDEX_TITLE, index_map, route_map
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
    assert script_json([[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]]) in html  # FitView's bounds
    assert "Measurements" in html and "L.control.layers(" in html


def test_index_map__titled_with_links_to_every_page(records, measured_catalog, display):
    pages = {r["id"]: f"{r['id']}.html" for r in records}
    m = index_map(records, measured_catalog, countries=display, places=None, method=METHOD, route_pages=pages,
                  trade=None)  # fmt: skip
    html = render_html(m)
    assert f"<title>{INDEX_TITLE}</title>" in html
    assert "trade.html" not in html  # no trade overlay, no trade page to link
    for record in records:
        assert script_json(f'<li><a href="{record["id"]}.html">{text(record["name"])}</a></li>')[1:-1] in html
    assert script_json(f"Built {METHOD['build_date']}.")[1:-1] in html
    for figure in ("overview.png", "comparison.png"):  # the report figures build writes beside the pages
        assert script_json(f'href="{figure}"')[1:-1] in html
    bare = render_html(index_map(records, measured_catalog, countries=display, places=None, method=METHOD))
    assert "Route pages" not in bare and f"<title>{INDEX_TITLE}</title>" in bare
    assert "overview.png" not in bare  # no pages beside it, no figures


def test_route_map__titled_with_its_name_linking_back(records, measured_catalog, display):
    record, row = dict(records[1]), measured_catalog.iloc[1]
    record["name"] = "Route <script>alert(1)</script> & co"
    html = render_html(route_map(record, row.geometry, row["km_posts"], colour="#332288", countries=display, method=METHOD))
    assert "<title>" not in html and "<script>alert" not in html  # a route's name reaches the page as JSON only
    assert "document.title = div.querySelector('h1').textContent;" in html
    assert script_json('<a href="index.html">')[1:-1] in html
    assert script_json(f"<h1>{text(record['name'])}</h1>")[1:-1] in html
