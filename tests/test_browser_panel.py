"""The comparison panel and the legend in a real browser (Debian's Chromium driven by Playwright).

The page is built here: route layers of the catalog, the comparison panel
with its CSV, the GeoJSON download and the legend, every script and
stylesheet inlined from ``node_modules``; every http(s) request is aborted
and recorded. Checked at 1366x768, 1920x1080 and a 390x844 phone: sorting
by a header click, "-" last, a row click that highlights and zooms, the CSV
download, the panel's size, the bottom sheet, the legend's trade keys.

Without Chromium or node_modules these tests skip with the reason, except
in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

import make_maps
from geo.compare import comparison_csv, comparison_records
from layers.controls import GeoJsonDownload, comparison_panel, legend
from layers.coords import latlon_bounds
from layers.page import base_map, inline_assets, render_html
from layers.routes import route_layer
from layers.style import ROUTE_WEIGHT_PX, line_style, route_colours
from tests.conftest import METHOD_NOTE
from tests.test_browser import browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

WIDE = [(1366, 768), (1920, 1080)]
PHONE = (390, 844)
MAP = "Object.keys(window).map(k => window[k]).find(v => window.L && v instanceof L.Map)"


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


@pytest.fixture(scope="module")
def page_path(records, measured_catalog, tmp_path_factory) -> Path:
    """A self-contained page: the catalog's routes, the panel (with CSV), the downloads and the legend."""
    m = base_map(latlon_bounds(measured_catalog.geometry.values), tiles=False)
    colours = route_colours([r["id"] for r in records])
    for record, geometry, posts in zip(records, measured_catalog.geometry.values, measured_catalog["km_posts"], strict=True):
        route_layer(record, geometry, posts, colour=colours[record["id"]]).add_to(m)
    legend(
        [(r["name"], colours[r["id"]], line_style(r["kind"])) for r in records],
        places=False,
        extra_html='<div class="trade-key">trade: 50 US$ bn</div>',
    ).add_to(m)
    comparison_panel(records, METHOD_NOTE, colours=colours, csv_file="comparison.csv").add_to(m)
    GeoJsonDownload().add_to(m)
    html = inline_assets(render_html(m), make_maps._node_modules_fetch(make_maps.NODE_MODULES))
    folder = tmp_path_factory.mktemp("panel")
    (folder / "comparison.csv").write_text(comparison_csv(records), encoding="utf-8")  # as build writes them
    (folder / "routes.geojson").write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    path = folder / "panel.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture
def open_panel(browser, page_path):  # noqa: F811 (the imported fixture)
    """Open the page at a viewport size; no http(s) request gets through; no page error at the end."""
    opened = []

    def _open(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        errors: list[str] = []
        requests: list[str] = []

        def abort(route):
            requests.append(route.request.url)
            route.abort("internetdisconnected")

        context.route(re.compile(r"^https?://"), abort)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(page_path.as_uri())
        page.wait_for_function("() => document.querySelectorAll('path.route').length > 0", timeout=15_000)
        opened.append((context, page, errors, requests))
        return page

    yield _open
    for context, _, errors, requests in opened:
        context.close()
        assert errors == [], errors
        assert requests == [], requests


def _unfold(page) -> None:
    page.click(".pos2-comparison summary")
    assert page.evaluate("() => document.querySelector('.pos2-comparison details').open")


def _order(page) -> list[str]:
    return page.eval_on_selector_all(".pos2-comparison tr.route-row", "rows => rows.map(r => r.dataset.route)")


def _click_header(page, label: str) -> None:
    page.locator(".pos2-comparison th button", has_text=re.compile(f"^{re.escape(label)}$")).click()


def test_panel__km_header_sorts_ascending_then_descending(open_panel, records):
    page = open_panel(1366, 768)
    _unfold(page)
    assert _order(page) == [r["id"] for r in records]  # the catalog's order at first
    by_km = [r["id"] for r in sorted(records, key=lambda r: r["length_km"])]
    assert by_km != [r["id"] for r in records]
    _click_header(page, "km")
    assert _order(page) == by_km
    assert page.get_attribute(".pos2-comparison th:nth-child(3)", "aria-sort") == "ascending"
    _click_header(page, "km")
    assert _order(page) == by_km[::-1]
    assert page.get_attribute(".pos2-comparison th:nth-child(3)", "aria-sort") == "descending"


def test_panel__missing_values_sort_last_both_ways(open_panel, records):
    page = open_panel(1366, 768)
    _unfold(page)
    known = [r for r in records if r["published_length_km"] is not None]
    missing = [r["id"] for r in records if r["published_length_km"] is None]
    assert known and missing
    _click_header(page, "published km")
    ascending = [r["id"] for r in sorted(known, key=lambda r: r["published_length_km"])]
    assert _order(page) == ascending + missing  # missing rows keep the catalog's order
    _click_header(page, "published km")
    assert _order(page) == ascending[::-1] + missing
    texts = page.eval_on_selector_all(
        ".pos2-comparison tr.route-row td:nth-child(7)", "cells => cells.map(c => c.textContent)"
    )
    assert texts[-len(missing) :] == ["-"] * len(missing)
    # Text columns sort as text.
    _click_header(page, "Route")
    assert _order(page) == [r["id"] for r in sorted(records, key=lambda r: r["name"].lower())]


def _route_bounds(measured_catalog, index: int) -> list[list[float]]:
    west, south, east, north = measured_catalog.geometry.iloc[index].bounds
    return [[south, west], [north, east]]


def _view_contains(page, bounds) -> bool:
    return page.evaluate(f"(b) => {MAP}.getBounds().contains(L.latLngBounds(b))", bounds)


def _stroke_widths(page, route_id: str) -> list[tuple[str, bool]]:
    return page.eval_on_selector_all(
        f"path.route-{route_id}", "ps => ps.map(p => [p.getAttribute('stroke-width'), p.classList.contains('route-highlight')])"
    )


def test_panel__row_click_highlights_and_zooms_to_the_route(open_panel, records, measured_catalog):
    page = open_panel(1366, 768)
    _unfold(page)
    index = next(i for i, r in enumerate(records) if r["id"] == "far-eastern")
    bounds = _route_bounds(measured_catalog, index)
    page.evaluate(f"() => {{ {MAP}.setView([5, 20], 8, {{animate: false}}); }}")  # far from every route
    assert not _view_contains(page, bounds)
    assert _stroke_widths(page, "far-eastern") == [[str(ROUTE_WEIGHT_PX), False]]
    page.click(".pos2-comparison tr.route-row[data-route='far-eastern'] td.ends")
    page.wait_for_function(f"(b) => {MAP}.getBounds().contains(L.latLngBounds(b))", arg=bounds, timeout=5_000)
    assert _stroke_widths(page, "far-eastern") == [[str(2 * ROUTE_WEIGHT_PX), True]]
    zoom = page.evaluate(f"() => {MAP}.getZoom()")
    assert zoom >= 4  # zoomed to the route, not to the world
    # On top: the last path of the overlay pane.
    assert page.evaluate("() => [...document.querySelectorAll('.leaflet-overlay-pane path.route')].pop().getAttribute('class')") == (
        "route route-far-eastern leaflet-interactive route-highlight"
    )
    assert page.get_attribute(".pos2-comparison tr.route-row[data-route='far-eastern']", "aria-selected") == "true"
    # Keyboard: focus another row, Enter; the first route is back to normal.
    other = next(i for i, r in enumerate(records) if r["id"] == "altai")
    page.evaluate(f"() => {{ {MAP}.setView([5, 20], 8, {{animate: false}}); }}")
    page.focus(".pos2-comparison tr.route-row[data-route='altai']")
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"(b) => {MAP}.getBounds().contains(L.latLngBounds(b))", arg=_route_bounds(measured_catalog, other), timeout=5_000
    )
    assert _stroke_widths(page, "altai") == [[str(2 * ROUTE_WEIGHT_PX), True]]
    assert _stroke_widths(page, "far-eastern") == [[str(ROUTE_WEIGHT_PX), False]]


def test_panel__download_csv_saves_the_comparison_csv(open_panel, records):
    page = open_panel(1366, 768)
    _unfold(page)
    with page.expect_download() as info:
        page.click(".pos2-comparison button.download-csv")
    download = info.value
    assert download.suggested_filename == "comparison.csv"
    assert Path(download.path()).read_bytes() == comparison_csv(records).encode("utf-8")


def test_panel__download_geojson_from_a_file_opens_the_file_beside_the_page(open_panel, page_path):
    # From file:// Chromium ignores the download attribute and shows GeoJSON: in a new tab, the map stays.
    page = open_panel(1366, 768)
    _unfold(page)
    with page.context.expect_page() as info:
        page.click(".pos2-comparison button.download-geojson")
    tab = info.value
    tab.wait_for_load_state()
    assert tab.url == (page_path.parent / "routes.geojson").as_uri()
    assert page.url == page_path.as_uri()


@pytest.mark.parametrize(("width", "height"), WIDE)
def test_panel__open_covers_at_most_a_third_of_the_map(open_panel, width, height):
    page = open_panel(width, height)
    assert page.evaluate("() => !document.querySelector('.pos2-comparison details').open")  # folded at load
    _unfold(page)
    box = page.locator(".pos2-comparison").bounding_box()
    assert box["width"] <= width / 3 + 1 and box["height"] <= height / 3 + 1
    assert box["width"] * box["height"] <= width * height / 3
    assert box["width"] > 150 and box["height"] > 100  # open, and still a table
    # It scrolls inside: the table is larger than the box.
    assert page.evaluate("() => { const d = document.querySelector('.pos2-comparison'); return d.scrollWidth > d.clientWidth || d.scrollHeight > d.clientHeight; }")
    # The legend starts open on wide screens, with short names.
    assert page.evaluate("() => document.querySelector('.pos2-legend details').open")
    assert "Altai route" in page.eval_on_selector_all(".pos2-legend .name", "els => els.map(e => e.textContent)")


def test_panel__bottom_sheet_on_a_phone(open_panel):
    width, height = PHONE
    page = open_panel(width, height)
    assert page.evaluate("() => !document.querySelector('.pos2-comparison details').open")  # closed at load
    assert page.evaluate("() => !document.querySelector('.pos2-legend details').open")
    box = page.locator(".pos2-comparison").bounding_box()
    assert box["width"] >= 0.97 * width and box["x"] <= 1
    assert math.isclose(box["y"] + box["height"], height, abs_tol=1)  # on the bottom edge
    assert box["height"] < 60  # only its summary
    attribution = page.locator(".leaflet-control-attribution").bounding_box()
    assert attribution["y"] + attribution["height"] <= box["y"] + 1  # the closed sheet leaves it readable
    _unfold(page)
    box = page.locator(".pos2-comparison").bounding_box()
    assert box["width"] >= 0.97 * width and box["height"] <= 0.4 * height + 1
    assert math.isclose(box["y"] + box["height"], height, abs_tol=1)


def test_panel__row_click_on_a_phone_keeps_the_route_above_the_sheet(open_panel, records, measured_catalog):
    page = open_panel(*PHONE)
    _unfold(page)
    index = next(i for i, r in enumerate(records) if r["id"] == "pos1")
    page.evaluate(f"() => {{ {MAP}.setView([5, 20], 8, {{animate: false}}); }}")
    page.click(".pos2-comparison tr.route-row[data-route='pos1'] td.ends")
    bounds = _route_bounds(measured_catalog, index)
    page.wait_for_function(f"(b) => {MAP}.getBounds().contains(L.latLngBounds(b))", arg=bounds, timeout=5_000)
    sheet_top = page.locator(".pos2-comparison").bounding_box()["y"]
    lowest = page.evaluate(
        f"(b) => {MAP}.latLngToContainerPoint([b[0][0], b[0][1]]).y", bounds
    )
    assert lowest <= sheet_top + 1  # the route's south edge is not under the sheet


def test_legend__trade_keys_only_while_trade_lines_are_on(open_panel):
    page = open_panel(1366, 768)
    hidden = "() => document.querySelector('.pos2-legend .legend-extra').hidden"
    assert page.evaluate(hidden)  # no trade line on the map
    page.evaluate(f"() => {{ window.tradeLine = L.polyline([[40, 100], [45, 110]], {{className: 'trade-flow trade-x'}}).addTo({MAP}); }}")
    page.wait_for_function(f"() => !({hidden[6:]})", timeout=2_000)
    assert page.is_visible(".pos2-legend .trade-key")
    page.evaluate("() => { window.tradeLine.remove(); }")
    page.wait_for_function(hidden, timeout=2_000)


def test_panel__downloads_name_files_not_data(page_path):
    # The page has no data outside JSON strings that the panel script reads: the downloads name files beside it.
    html = page_path.read_text(encoding="utf-8")
    csv = re.search(r"div\.querySelectorAll\('button\.download-csv'\), (\"[^\"]*\")\);", html)
    geojson = re.search(r"document\.querySelectorAll\('button\.download-geojson'\), (\"[^\"]*\")\);", html)
    assert json.loads(csv.group(1)) == "comparison.csv" and json.loads(geojson.group(1)) == "routes.geojson"
