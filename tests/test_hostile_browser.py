"""Hostile route files in Chromium: no script runs, no page breaks, the text shows as text.

For every input format ``build`` reads (GeoJSON, the TOML catalog, CSV
waypoints, GeoPackage, KML) a route file is written with two routes: in
``r1`` every text field holds every payload below, in ``r2`` each field holds
one of them in turn. The maps built from it are opened in Chromium (no
network, as in ``tests/test_browser.py``); every drawn route line gets a real
mouse hover and a real click at one of its vertices (found with Leaflet's
``latLngToContainerPoint``). No dialog may open, no page error happen, and the
tooltip and the popup must show the payloads as text. Route ids stay plain
(``r1``, ``r2``): they name output files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import make_maps
from tests.test_browser import browser, grey_png, open_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

PAYLOADS = (
    r"\x3cimg src=x onerror=alert(1)\x3e",
    r"\u003cimg src=x onerror=alert(2)\u003e",
    "</script><script>alert(3)</script>",
    r"C:\users\x",
    "`${alert(4)}`",
    "{{ 7*7 }}",
    "\u2028 \u2029",
    "'",
    '"',
    "<img src=x onerror=alert(5)>",
    "C:\\temp\\",
)
LINES = {
    "r1": [(106.2, 51.0), (106.25, 50.2), (106.3, 49.5)],
    "r2": [(104.2, 51.2), (104.8, 50.3), (105.1, 49.4)],
}
"""Two lines from Buryatia into Mongolia, far enough apart that neither hides the other."""
FIELDS = (
    "name", "status", "source", "note", "description", "publisher", "title", "url",
    "waypoint 0", "waypoint 1", "waypoint 2", "role", "basis", "segment", "segment source",
    "country segment", "country segment source",
)  # fmt: skip


def hostile(route_id: str, field: str) -> str:
    """The text of a field: every payload (``r1``) or one payload per field in turn (``r2``)."""
    if route_id == "r1":
        return f"{field}: {' '.join(PAYLOADS)}"
    return f"{field}: {PAYLOADS[FIELDS.index(field) % len(PAYLOADS)]}"


def _toml(text: str) -> str:
    return json.dumps(text)  # a TOML basic string: JSON's escapes are all TOML escapes


def write_geojson(folder: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "id": rid,
            "properties": {
                **{field: hostile(rid, field) for field in ("name", "status", "source", "note")},
                "confidence": "low",  # one of high, medium, low
                "capacity_bcm": 38.0,
            },
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        for rid, coords in LINES.items()
    ]
    path = folder / "routes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def write_toml(folder: Path) -> Path:
    lines = []
    for rid, coords in LINES.items():
        names = [hostile(rid, f"waypoint {i}") for i in range(len(coords))]
        h = {field: _toml(hostile(rid, field)) for field in FIELDS}
        lines += [
            "[[route]]",
            f"id = {_toml(rid)}",
            f"name = {h['name']}",
            'kind = "option"',
            f"status = {h['status']}",
            "capacity_bcm = 38",
            'confidence = "low"',
            f"sources = [{{ publisher = {h['publisher']}, year = 2024, title = {h['title']}, url = {h['url']} }}]",
            "segments = [",
            f"  {{ name = {h['segment']}, from = {_toml(names[0])}, to = {_toml(names[-1])}, length_km = 200.0, "
            f"source = {h['segment source']}, primary = true }},",
            f"  {{ name = {h['country segment']}, country = \"MNG\", length_km = 80.0, source = {h['country segment source']} }},",
            "]",
            "waypoints = [",
            *(
                f"  {{ name = {_toml(name)}, lon = {lon}, lat = {lat}, role = {h['role']}, coord_conf = \"low\", "
                f"route_conf = \"low\", basis = {h['basis']} }},"
                for name, (lon, lat) in zip(names, coords, strict=True)
            ),
            "]",
            "",
        ]
    path = folder / "routes.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_csv(folder: Path) -> Path:
    import csv

    path = folder / "routes.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["route_id", "seq", "name", "lon", "lat", "note"])
        for rid, coords in LINES.items():
            for i, (lon, lat) in enumerate(coords):
                writer.writerow([rid, i + 1, hostile(rid, f"waypoint {i}"), lon, lat, hostile(rid, "note")])
    return path


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": list(LINES),
            **{field: [hostile(rid, field) for rid in LINES] for field in ("name", "status", "description", "note")},
            "confidence": ["low"] * len(LINES),  # one of high, medium, low
            "capacity_bcm": [38.0] * len(LINES),
        },
        geometry=[shapely.LineString(coords) for coords in LINES.values()],
        crs="EPSG:4326",
    )


def write_gpkg(folder: Path) -> Path:
    path = folder / "routes.gpkg"
    _frame().to_file(path, driver="GPKG", layer="routes")
    return path


def write_kml(folder: Path) -> Path:
    path = folder / "routes.kml"
    _frame().to_file(path, driver="LIBKML")  # keeps the id (the plain KML driver renames it)
    return path


FORMATS: dict[str, tuple[Callable[[Path], Path], tuple[str, ...], tuple[str, ...]]] = {
    # format: (writer, fields the line's tooltip shows, fields its popup shows)
    "geojson": (write_geojson, ("name",), ("name", "status")),
    "toml": (write_toml, ("name",), ("name", "status", "waypoint 0", "waypoint 2", "segment", "segment source",
                                     "country segment", "country segment source")),
    "csv": (write_csv, (), ("waypoint 0", "waypoint 2")),
    "gpkg": (write_gpkg, ("name",), ("name", "status")),
    "kml": (write_kml, ("name",), ("name", "status")),
}  # fmt: skip


@pytest.fixture(scope="module", params=list(FORMATS))
def built(request, tmp_path_factory):
    """``build --no-tiles --routes <file>`` of the format's hostile file: (format, output folder)."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    path = FORMATS[request.param][0](folder)
    out = folder / "maps"
    assert make_maps.main(["build", "--out", str(out), "--no-tiles", "--routes", str(path)]) == 0
    assert sorted(p.name for p in out.glob("r*.html")) == ["r1.html", "r2.html"]
    return request.param, out


_FIND_LINES = """(cls) => {
  const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  window.pos2TestMap = window[k];
  window.pos2TestLines = [];
  window.pos2TestMap.eachLayer(l => {
    if (l instanceof L.Polyline && !(l instanceof L.Polygon) && String(l.options.className || '').split(' ').includes(cls)) {
      window.pos2TestLines.push(l);
    }
  });
  return window.pos2TestLines.map(l => String(l.options.className)); }"""
_CENTRE_ON_VERTEX = """([i, fraction]) => {
  const vertices = window.pos2TestLines[i].getLatLngs().flat(Infinity);
  window.pos2TestVertex = vertices[Math.min(vertices.length - 1, Math.floor(fraction * vertices.length))];
  window.pos2TestMap.closePopup();
  window.pos2TestMap.setView(window.pos2TestVertex, 9, {animate: false}); }"""
_VERTEX_ON_TOP = """(i) => {
  const map = window.pos2TestMap, point = map.latLngToContainerPoint(window.pos2TestVertex);
  const box = map.getContainer().getBoundingClientRect(), x = box.left + point.x, y = box.top + point.y;
  return document.elementFromPoint(x, y) === window.pos2TestLines[i]._path ? [x, y] : null; }"""
_SHOWN = """(selector) => [...document.querySelectorAll(selector)].map(e => e.textContent).join('\\n')"""


def _point_on_line(page, i: int) -> tuple[float, float]:
    """Centre the map on a vertex of line ``i`` that nothing covers; its page pixel."""
    for fraction in (0.4, 0.55, 0.3, 0.7, 0.2, 0.85):
        page.evaluate(_CENTRE_ON_VERTEX, [i, fraction])
        try:
            return tuple(page.wait_for_function(_VERTEX_ON_TOP, arg=i, timeout=2_000).json_value())
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError: a marker covers it; next vertex)
            continue
    pytest.fail(f"no vertex of line {i} is the top element under the mouse")


def _hover_and_click(p, line_class: str, *, popups: bool) -> list[tuple[str, str, str]]:
    """Hover over and click every line of ``line_class``: (its classes, tooltip text, popup text) each."""
    page = p.page
    classes = page.evaluate(_FIND_LINES, line_class)
    box = page.locator(".leaflet-container").bounding_box()
    seen = []
    for i, cls in enumerate(classes):
        x, y = _point_on_line(page, i)
        page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)  # off every line: the last tooltip closes
        page.wait_for_function("() => !document.querySelector('.leaflet-tooltip')", timeout=5_000)
        page.mouse.move(x, y, steps=4)
        page.wait_for_function("() => document.querySelector('.leaflet-tooltip')?.textContent", timeout=5_000)
        tooltip = page.evaluate(_SHOWN, ".leaflet-tooltip")
        page.mouse.click(x, y)
        if popups:
            page.locator(".leaflet-popup-content").wait_for(timeout=5_000)
        page.wait_for_timeout(50)  # a script the text had started would have run by now
        seen.append((cls, tooltip, page.evaluate(_SHOWN, ".leaflet-popup-content")))
        assert p.dialogs == [] and p.errors == [], (line_class, i, p.dialogs, p.errors)
    return seen


def _texts(fields: tuple[str, ...], route_id: str) -> list[str]:
    return [hostile(route_id, field) for field in fields]


def _assert_clean(p) -> None:
    assert p.dialogs == [], p.dialogs
    assert p.errors == [] and p.missing == [], (p.errors, p.missing)
    assert p.page.locator("img[src='x']").count() == 0


def _assert_route_lines(seen: list[tuple[str, str, str]], fmt: str, route_ids: list[str]) -> None:
    _, tip_fields, popup_fields = FORMATS[fmt]
    assert sorted(re.search(r"\broute-(\S+)", cls).group(1) for cls, _, _ in seen) == sorted(route_ids)
    for cls, tooltip, popup in seen:
        route_id = re.search(r"\broute-(\S+)", cls).group(1)
        for text in _texts(tip_fields, route_id) or [route_id]:
            assert text in tooltip, (fmt, route_id, text, tooltip)
        for text in _texts(popup_fields, route_id):
            assert text in popup, (fmt, route_id, text, popup)


def test_index__hover_and_click_every_route(built, open_page):
    fmt, out = built
    p = open_page(out / "index.html")
    _assert_clean(p)
    body = p.page.evaluate("() => document.body.textContent")
    for rid in LINES:
        for text in _texts(FORMATS[fmt][1], rid):  # the legend, the layer control and the comparison panel
            assert text in body
    _assert_route_lines(_hover_and_click(p, "route", popups=True), fmt, list(LINES))
    _assert_clean(p)


@pytest.mark.parametrize("route_id", list(LINES))
def test_route_page__hover_and_click_the_route(built, open_page, route_id):
    fmt, out = built
    p = open_page(out / f"{route_id}.html")
    _assert_clean(p)
    panel = p.page.evaluate(_SHOWN, ".pos2-panel")
    for text in _texts(FORMATS[fmt][2], route_id):  # the measurement panel repeats the popup
        assert text in panel
    _assert_route_lines(_hover_and_click(p, "route", popups=True), fmt, [route_id])
    _assert_clean(p)


def test_trade_page__hover_and_click_every_energy_line(built, open_page):
    fmt, out = built
    p = open_page(out / "trade.html")
    _assert_clean(p)
    seen = _hover_and_click(p, "energy-flow", popups=False)
    if fmt == "csv":  # CSV routes carry no capacity: no energy line
        assert seen == []
        return
    names = sorted(next(hostile(rid, "name") for rid in LINES if hostile(rid, "name") in tooltip) for _, tooltip, _ in seen)
    assert names == sorted(hostile(rid, "name") for rid in LINES)
    _assert_clean(p)


def test_payloads_are_what_the_brief_names():
    assert any("\\x3c" in p for p in PAYLOADS) and any("\\u003c" in p for p in PAYLOADS)
    assert re.search(r"`\$\{", " ".join(PAYLOADS)) and "C:\\users\\x" in PAYLOADS
