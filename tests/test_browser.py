"""The generated maps in a real browser: Debian's Chromium driven by Playwright.

Nothing reaches the network. For the normal (CDN) pages every http(s)
request is answered from ``node_modules`` (the files the CDNs serve, pinned
in package.json), map tiles get a plain grey PNG, and anything else is
aborted and reported. The ``--offline`` pages are opened with every request
aborted.

Without Chromium or node_modules these tests skip with the reason, except
in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

import make_maps
from tests.conftest import DEFAULT_IDS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TILE = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpg|jpeg|webp)(\?|$)")
XSS_NAME = "<img src=x onerror=alert(1)>"

pytestmark = pytest.mark.browser


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests; see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Chromium, started once per test module.

    tests/test_hostile_browser.py imports this fixture too; Playwright's sync API cannot run twice at
    once in one process, and a session-wide fixture imported into two modules is started twice.
    """
    if not Path(CHROMIUM).exists():
        _skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    if not make_maps.NODE_MODULES.is_dir():
        _skip_or_fail("node_modules is missing (npm ci --ignore-scripts)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def grey_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 200, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The default build, plus an --offline build, plus a build of a hostile route file."""
    root = tmp_path_factory.mktemp("maps")
    assert make_maps.main(["build", "--out", str(root / "online")]) == 0
    assert make_maps.main(["build", "--out", str(root / "offline"), "--offline"]) == 0
    hostile = root / "hostile.geojson"
    hostile.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"ProjectID": "xss", "name": XSS_NAME, "status": "`${alert(2)}`"},
                        "geometry": {"type": "LineString", "coordinates": [[106.2, 51.0], [106.2, 49.5]]},
                    }
                ],
            }
        )
    )
    assert make_maps.main(["build", "--out", str(root / "hostile"), "--routes", str(hostile)]) == 0
    return root


class Page:
    """A page opened with no network, recording what went wrong."""

    def __init__(self, browser, path: Path, *, grey_png: bytes, offline: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        self.errors: list[str] = []
        self.missing: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        fetch = make_maps._node_modules_fetch(make_maps.NODE_MODULES)

        def handle(route):
            url = route.request.url
            self.requests.append(url)
            if TILE.search(url):
                return route.fulfill(status=200, content_type="image/png", body=grey_png)
            if offline:
                self.missing.append(url)
                return route.abort("internetdisconnected")
            try:
                asset = fetch(url.split("?")[0].split("#")[0])
            except Exception:  # noqa: BLE001 (LookupError, or node_modules changing: never leave a request hanging)
                self.missing.append(url)
                return route.abort("internetdisconnected")
            return route.fulfill(status=200, body=asset.content, content_type=asset.mime)

        self.context.route(re.compile(r"^https?://"), handle)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" and "tile" not in msg.text else None)

        def on_dialog(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)
        pending: dict[object, str] = {}
        self.page.on("request", lambda request: pending.__setitem__(request, request.url))
        self.page.on("requestfinished", lambda request: pending.pop(request, None))
        self.page.on("requestfailed", lambda request: pending.pop(request, None))
        self.page.goto(path.as_uri())
        self.page.wait_for_function(
            "() => document.querySelectorAll('path.route, path.trade-flow').length > 0", timeout=15_000
        )
        # Tiles and late layout can still move the view; let the page settle: no request of ours open for
        # half a second. (Playwright's "networkidle" state was missed now and then on a busy machine,
        # with nothing open: a flaky test. This waits on the requests the page actually made.)
        deadline = time.monotonic() + 60
        quiet_since = None
        while True:
            now = time.monotonic()
            quiet_since = (quiet_since or now) if not pending else None
            if quiet_since is not None and now - quiet_since >= 0.5:
                break
            if now > deadline:
                pytest.fail(f"{path.name}: requests still open after 60 s: {sorted(pending.values())}")
            self.page.wait_for_timeout(100)

    def close(self) -> None:
        self.context.close()

    def non_tile_requests(self) -> list[str]:
        return [url for url in self.requests if not TILE.search(url)]


@pytest.fixture
def open_page(browser, grey_png):
    pages = []

    def _open(path: Path, **kwargs) -> Page:
        page = Page(browser, path, grey_png=grey_png, **kwargs)
        pages.append(page)
        return page

    yield _open
    for page in pages:
        page.close()


def _records(path: Path) -> dict[str, dict]:
    features = json.loads((path / "routes.geojson").read_text())["features"]
    return {f["properties"]["id"]: f["properties"] for f in features if f["properties"]["feature_type"] == "route"}


def test_index__renders_every_route_with_no_errors(built, open_page):
    p = open_page(built / "online" / "index.html")
    page = p.page
    assert p.errors == [] and p.missing == []
    assert page.evaluate("() => Object.keys(window).some(k => k.startsWith('map_') && window[k] instanceof L.Map)")
    for route_id in DEFAULT_IDS:
        drawn = page.eval_on_selector_all(
            f"path.route-{route_id}",
            "els => els.map(e => { const b = e.getBBox(); return [e.getAttribute('d'), b.width + b.height]; })",
        )
        assert drawn, route_id
        for d, extent_px in drawn:
            assert re.fullmatch(r"M-?\d+ -?\d+(L-?\d+ -?\d+)+", d), (route_id, d)
            assert extent_px > 5, route_id
    labels = page.eval_on_selector_all(".leaflet-control-layers label", "els => els.map(e => e.textContent.trim())")
    for record in _records(built / "online").values():
        assert record["name"] in labels
    groups = page.eval_on_selector_all(".leaflet-control-layers-group-name", "els => els.map(e => e.textContent)")
    assert groups == ["Power of Siberia 2 options", "Suggested routes", "Existing and competing pipelines", "Places", "Trade"]
    assert page.locator(".pos2-panel tr.route-row").count() == len(DEFAULT_IDS)


def test_index__screenshot_is_not_blank(built, open_page, tmp_path):
    from PIL import Image

    p = open_page(built / "online" / "index.html")
    shot = Image.open(io.BytesIO(p.page.screenshot())).convert("RGB")
    colours = shot.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50


def _point_at_km(geometry_lonlat: list, target_km: float) -> tuple[float, float]:
    coords = np.asarray(geometry_lonlat)
    _, _, seg = Geod(ellps="WGS84").inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    k = int(np.searchsorted(np.cumsum(seg), target_km * 1000))
    return tuple(coords[k + 1])


@pytest.mark.parametrize(("route_id", "at_km"), [("pos2-mongolia", 4350), ("altai", 2350), ("pos1", 3050)])
def test_index__clicking_a_route_shows_the_compare_km(built, open_page, route_id, at_km):
    features = {f["id"]: f for f in json.loads((built / "online" / "routes.geojson").read_text())["features"] if "id" in f}
    lon, lat = _point_at_km(features[route_id]["geometry"]["coordinates"], at_km)
    p = open_page(built / "online" / "index.html")
    page = p.page
    page.evaluate(
        """([lat, lon]) => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
            window[k].setView([lat, lon], 9, {animate: false}); }""",
        [lat, lon],
    )
    box = page.locator(".leaflet-container").bounding_box()
    # Leaflet redraws its SVG after the move; wait until the line is under the centre.
    page.wait_for_function(
        f"() => (document.elementFromPoint({box['width'] / 2}, {box['height'] / 2}).getAttribute('class') || '')"
        f".includes('route-{route_id}')",
        timeout=5_000,
    )
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content .route-popup")
    popup.wait_for(timeout=5_000)
    assert popup.get_attribute("data-route") == route_id
    text = popup.inner_text()
    compare = json.loads(_compare_json())[DEFAULT_IDS.index(route_id)]
    assert f"{compare['length_km']:,.1f} km (geodesic" in text
    for iso, value in compare["countries"].items():
        assert f"in {iso}\t{value:,.1f} km" in text
    assert p.errors == []


def _compare_json() -> str:
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        make_maps.main(["compare", "--format", "json"])
    return out.getvalue()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass


def test_index__downloads_over_http_save_the_files_beside_the_page(built, browser):
    # The --offline build served by a web server on the loopback (Playwright cancels downloads answered by
    # route.fulfill, so the files come from a real server); every other request is aborted.
    folder = built / "offline"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_port}/"
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    try:
        context.route(lambda url: not url.startswith(site), lambda route: route.abort("internetdisconnected"))
        page = context.new_page()
        page.goto(site + "index.html")
        page.wait_for_function("() => document.querySelectorAll('path.route').length > 0", timeout=15_000)
        page.click(".pos2-panel summary")
        for button, name in (("button.download-geojson", "routes.geojson"), ("button.download-csv", "comparison.csv")):
            with page.expect_download() as info:
                page.click(button)
            assert info.value.suggested_filename == name
            assert Path(info.value.path()).read_bytes() == (folder / name).read_bytes()
        assert page.url == site + "index.html" and len(context.pages) == 1  # saved, not opened
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_index__download_csv_from_a_file_saves_the_file_beside_the_page(built, open_page):
    p = open_page(built / "offline" / "index.html", offline=True)
    p.page.click(".pos2-panel summary")
    with p.page.expect_download() as info:
        p.page.click("button.download-csv")
    assert info.value.suggested_filename == "comparison.csv"
    assert Path(info.value.path()).read_bytes() == (built / "offline" / "comparison.csv").read_bytes()


@pytest.mark.parametrize("name", ["index.html", "pos2-mongolia.html", "central-asia-china.html", "trade.html"])
def test_offline__no_request_but_tiles(built, open_page, name):
    p = open_page(built / "offline" / name, offline=True)
    assert p.non_tile_requests() == []
    assert p.errors == []
    assert p.page.locator("path.route, path.trade-flow").count() >= 1
    assert p.page.locator(".leaflet-control-layers").count() == 1


def test_route_page__fitted_with_its_measurements(built, open_page):
    p = open_page(built / "online" / "altai.html")
    assert p.errors == [] and p.missing == []
    panel = p.page.locator(".pos2-panel").inner_text()
    record = _records(built / "online")["altai"]
    assert f"{record['length_km']:,.1f} km" in panel
    inside = p.page.evaluate(
        """() => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
            const m = window[k]; const b = m.getBounds(); let n = 0, all = 0;
            m.eachLayer(l => { if (l instanceof L.Polyline && l.options.className && l.options.className.includes('route-altai')) {
                l.getLatLngs().forEach(ll => { all++; if (b.contains(ll)) n++; }); } });
            return [n, all]; }"""
    )
    assert inside[1] > 0 and inside[0] == inside[1]


def test_hostile_names_are_shown_as_text(built, open_page):
    p = open_page(built / "hostile" / "index.html")
    page = p.page
    page.click(".pos2-panel summary")
    page.wait_for_timeout(500)
    assert p.dialogs == [] and p.errors == []
    assert page.locator("img[src='x']").count() == 0
    labels = page.eval_on_selector_all(".leaflet-control-layers label", "els => els.map(e => e.textContent.trim())")
    assert XSS_NAME in labels
    assert XSS_NAME in page.locator(".pos2-panel tr.route-row").first.inner_text()
    box = page.locator(".leaflet-container").bounding_box()
    line = shapely.LineString([(106.2, 51.0), (106.2, 49.5)])
    page.evaluate(
        """([lat, lon]) => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
            window[k].setView([lat, lon], 9, {animate: false}); }""",
        [line.interpolate(0.2, normalized=True).y, 106.2],
    )
    page.wait_for_timeout(300)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert XSS_NAME in popup.inner_text() and "`${alert(2)}`" in popup.inner_text()
    assert p.dialogs == []


def _arc_widths(page) -> dict[str, float]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('path.trade-flow')].map(
            p => [p.getAttribute('class').match(/trade-(ru_cn|cn_ru)/)[1], parseFloat(p.getAttribute('stroke-width'))]))"""
    )


def _set_year(page, year: int) -> None:
    page.evaluate(
        """(year) => { const s = document.querySelector('input.year-slider'); s.value = year;
            s.dispatchEvent(new Event('input', {bubbles: true})); }""",
        year,
    )


def test_trade_page__year_slider_changes_the_flows(built, open_page):
    from geo.trade import load_trade
    from layers.trade import TRADE_PX_PER_BN

    rows = {r["year"]: r for r in load_trade(make_maps.TRADE_PATH)}
    p = open_page(built / "online" / "trade.html")
    page = p.page
    page.wait_for_selector("path.trade-flow")
    assert p.errors == [] and p.missing == []
    latest = max(rows)
    assert page.locator(".year-label").inner_text() == str(latest)
    widths = _arc_widths(page)
    assert widths["ru_cn"] == pytest.approx(rows[latest]["cn_imports_from_ru_usd_bn"] * TRADE_PX_PER_BN, abs=0.01)
    _set_year(page, 2013)
    assert page.locator(".year-label").inner_text() == "2013"
    earlier = _arc_widths(page)
    assert earlier["ru_cn"] == pytest.approx(rows[2013]["cn_imports_from_ru_usd_bn"] * TRADE_PX_PER_BN, abs=0.01)
    assert earlier["cn_ru"] == pytest.approx(rows[2013]["cn_exports_to_ru_usd_bn"] * TRADE_PX_PER_BN, abs=0.01)
    assert earlier != widths
    # Power of Siberia 1 carried no gas before December 2019: its energy line vanishes.
    pos1_2013 = page.evaluate("() => [...document.querySelectorAll('path.energy-flow')].map(p => p.getAttribute('stroke-width'))")
    assert "0" in pos1_2013
    assert page.locator("svg.trade-chart polyline").count() == 3
    crossings = page.evaluate(
        """() => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
            let n = 0; window[k].eachLayer(l => { if (l instanceof L.CircleMarker && l.options.className === 'trade-crossing') n++; });
            return n; }"""
    )
    assert crossings == 8


def test_index__trade_group_toggles(built, open_page):
    p = open_page(built / "online" / "index.html")
    page = p.page
    assert page.locator("path.trade-flow").count() == 0  # the overview opens on the routes
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers label", has_text="Trade flows").locator("input").check()
    page.wait_for_selector("path.trade-flow")
    assert page.locator("path.trade-flow").count() == 2
    _set_year(page, 2016)
    assert _arc_widths(page)["ru_cn"] == pytest.approx(32.228 * 0.08, abs=0.01)
    assert p.errors == []
