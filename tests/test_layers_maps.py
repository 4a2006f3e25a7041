"""Tests for layers.maps: the overview and single-route pages, by fragments."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from geo.catalog import load_places, read_routes
from geo.compare import comparison_records
from geo.countries import load_countries
from geo.measure import measure_routes
from layers.chooser import RouteChooser
from layers.controls import ComparisonPanel, Legend
from layers.countries import encode_countries
from layers.maps import INDEX_TITLE, index_map, route_map
from layers.encoding import script_json
from layers.page import render_html
from layers.style import GROUP_OPTIONS, GROUP_PLACES, GROUP_REFERENCES, text
from tests.conftest import METHOD_NOTE as METHOD, DATA_DIR, DEFAULT_IDS, PLACES_PATH, ROUTES_PATH



@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


@pytest.fixture(scope="module")
def display():
    return encode_countries(load_countries(DATA_DIR / "countries_display.geojson"))


def test_index_map__groups_every_route(records, measured_catalog, display):
    m = index_map(records, measured_catalog, countries=display, places=load_places(PLACES_PATH), method=METHOD,
                  geojson_file="routes.geojson", csv_file="comparison.csv")  # fmt: skip
    html = render_html(m)
    assert "L.control.groupedLayers(" in html
    for group in (GROUP_OPTIONS, GROUP_REFERENCES, GROUP_PLACES):
        assert f'"{group}": {{' in html
    labels = {json.loads(key): var for key, var in re.findall(r'^\s*("(?:[^"\\]|\\.)*"): (\w+),$', html, re.M)}
    palette = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499", "#000000"]
    for number, record in enumerate(records):
        label = next(key for key in labels if key.endswith(text(record["name"])))
        assert labels[label].startswith("feature_group_")  # layers are feature groups, not lines
        swatch = label[: -len(text(record["name"]))]  # a line sample before the name, drawn as the route is drawn
        assert swatch.startswith('<svg class="pos2-swatch"') and swatch.endswith("</svg>")
        assert f'stroke="{palette[number % 10]}"' in swatch
        assert ('stroke-dasharray="10 7"' in swatch) == (record["kind"] != "option")
    places = [key for key in labels if key.endswith(("Gas fields", "Border crossings"))]
    assert len(places) == 2 and all("<polygon" in key and "<line" not in key for key in places)  # a shape, not a line
    assert html.count("L.polyline(") == sum(len(g.geoms) if hasattr(g, "geoms") else 1 for g in measured_catalog.geometry)
    assert "button.download-geojson'), \"routes.geojson\");" in html
    assert "button.download-csv'), \"comparison.csv\");" in html


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


@pytest.fixture(scope="module")
def default_routes(country_index):
    """The default build's routes: the catalog and the least-cost suggestions (records, measured)."""
    routes = read_routes([ROUTES_PATH, DATA_DIR / "suggested_routes.geojson"])
    measured = measure_routes(routes, country_index)
    return comparison_records(routes, measured), measured


def _child(m, kind):
    [child] = [c for c in m._children.values() if isinstance(c, kind)]
    return child


def test_index_map__suggestions_thin_in_the_colour_of_their_option(default_routes, display):
    """Oracle: each [[suggestion]]'s option in cost.toml, and the palette in the order of the default routes
    (Paul Tol's muted scheme: rose, indigo, sand, ...)."""
    records, measured = default_routes
    palette = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499", "#000000"]
    options = {s["id"]: s["option"] for s in tomllib.loads((DATA_DIR / "cost.toml").read_text("utf-8"))["suggestion"]}
    expected = {sid: palette[DEFAULT_IDS.index(option) % 10] for sid, option in options.items()}
    assert expected == {"suggested-mongolia": "#CC6677", "suggested-altai": "#332288", "suggested-zabaikalsk": "#DDCC77"}
    m = index_map(records, measured, countries=display, places=None, method=METHOD)
    html = render_html(m)
    lines = [json.loads(o) for o in re.findall(r'pos2Decode\("(?:[^"\\]|\\.)*", 5\),\s*(\{.*?\})\s*\)\.addTo', html, re.S)]
    by_route = {o["pos2Route"]: o for o in lines}
    for sid, colour in expected.items():
        assert (by_route[sid]["color"], by_route[sid]["weight"], by_route[sid]["dashArray"]) == (colour, 2, None)
        assert by_route[sid]["opacity"] < by_route[options[sid]]["opacity"]
        assert (by_route[options[sid]]["color"], by_route[options[sid]]["weight"]) == (colour, 4)  # the option itself
    legend_html = _child(m, Legend).inner_html
    panel_html = _child(m, ComparisonPanel).inner_html
    for number, record in enumerate(records, start=1):
        if record["id"] in expected:
            colour = expected[record["id"]]
            sample = re.search(rf'title="{number}\. [^"]*"[^>]*><svg [^>]*><line ([^>]*)/>', legend_html).group(1)
            assert f'stroke="{colour}" stroke-width="2" stroke-opacity=' in sample and "dasharray" not in sample
            assert f'data-route="{record["id"]}"' in panel_html
            row = panel_html.split(f'data-route="{record["id"]}"')[1]
            assert row.split("</td>")[0].count(f'<span class="swatch thin" style="background: {colour}">') == 1
    assert html.count(" lines here:") == 1  # the chooser's script, once


def test_index_map__adds_one_route_chooser(records, measured_catalog, display):
    m = index_map(records, measured_catalog, countries=display, places=None, method=METHOD)
    assert len([c for c in m._children.values() if isinstance(c, RouteChooser)]) == 1
