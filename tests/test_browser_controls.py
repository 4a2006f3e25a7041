"""The controls of every kind of page in a browser: layout, print, phone popups, image export.

One ``--offline --no-tiles`` build (and one ``--offline`` build with tiles,
whose tile requests are refused), opened in Debian's Chromium with every
request that is not a file aborted, at 390x844, 1366x768 and 1920x1080: the
visible controls (zoom, layers, legend, scale, attribution, panel, title
block, year slider) never overlap each other; printing keeps the scale bar
and the title block only; on a phone a route's popup is a sheet on the
bottom edge; the route page's panel keeps to a third of the map and off the
route; "Save image (PNG)" saves the view as a PNG that shows the routes.
Skips without Chromium or node_modules, except in CI.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import make_maps
from tests.test_browser import browser  # noqa: F401 (fixture: Chromium once per module)
from tests.test_browser_pages import MAP, PAGES, SIZES, Opened

pytestmark = pytest.mark.browser

ROUTE_PAGE = "pos2-mongolia.html"
ROUTE_COLOUR = (0xCC, 0x66, 0x77)  # the first colour of Paul Tol's muted scheme: the first route's (index 1, pos2-mongolia)

_VISIBLE_CONTROLS = """() => [...document.querySelectorAll('.leaflet-control, .pos2-title, .pos2-popup-sheet')]
  .filter(e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
                 return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; })
  .map(e => { const r = e.getBoundingClientRect();
              return {name: e.className.replace(/\\s+/g, ' ').trim(), box: [r.left, r.top, r.right, r.bottom]}; })"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pages")
    assert make_maps.main(["build", "--offline", "--no-tiles", "--out", str(out)]) == 0
    return out


@pytest.fixture
def open_at(browser):  # noqa: F811 (the imported fixture)
    opened: list[Opened] = []

    def _open(url: str, *, width: int = 1366, height: int = 768) -> Opened:
        page = Opened(browser, url, width=width, height=height)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.context.close()


def _overlap(a: list[float], b: list[float]) -> float:
    """Area shared by two boxes (left, top, right, bottom), in px²."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(width, 0.0) * max(height, 0.0)


def _route_points(page) -> list[list[float]]:
    """Screen points every 2 % along every drawn route line."""
    return page.evaluate(
        """() => [...document.querySelectorAll('path.route')].flatMap(path => {
             const total = path.getTotalLength(), ctm = path.getScreenCTM(), points = [];
             for (let f = 0; f <= 1.0001; f += 0.02) { const q = path.getPointAtLength(total * f).matrixTransform(ctm); points.push([q.x, q.y]); }
             return points; })"""
    )


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", PAGES)
def test_controls__visible_ones_never_overlap_and_stay_on_screen(pages, open_at, name, width, height):
    p = open_at((pages / name).as_uri(), width=width, height=height)
    p.page.wait_for_timeout(300)  # the layer list folds on a phone, the corners settle
    controls = p.page.evaluate(_VISIBLE_CONTROLS)
    names = " | ".join(c["name"] for c in controls)
    for wanted in ("leaflet-control-zoom", "leaflet-control-layers", "pos2-legend", "leaflet-control-scale",
                   "leaflet-control-attribution", "pos2-panel", "pos2-title"):  # fmt: skip
        assert wanted in names, (wanted, names)
    if name == "trade.html":
        assert "pos2-years" in names  # the trade year slider
    else:
        assert "pos2-years" not in names  # index: the trade layers start off, and so does their slider
    for i, first in enumerate(controls):
        left, top, right, bottom = first["box"]
        assert left >= -0.5 and top >= -0.5 and right <= width + 0.5 and bottom <= height + 0.5, first
        for second in controls[i + 1 :]:
            assert _overlap(first["box"], second["box"]) < 1.0, (first, second)
    attribution = p.page.locator(".leaflet-control-attribution")
    assert attribution.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    line_height = attribution.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 17")
    assert attribution.bounding_box()["height"] <= line_height + 2  # one line
    assert p.errors == [] and p.requests == []


@pytest.mark.parametrize("name", PAGES)
def test_attribution__one_line_whole_on_hover_and_tap(pages, open_at, name):
    p = open_at((pages / name).as_uri(), width=390, height=844)
    attribution = p.page.locator(".leaflet-control-attribution")
    full = attribution.evaluate("e => e.textContent")
    assert "Natural Earth" in full and "Global Energy Monitor" in full
    assert attribution.evaluate("e => e.scrollWidth > e.clientWidth")  # cut on a phone (ellipsis) ...
    attribution.hover()
    assert attribution.get_attribute("title") == full  # ... the whole text on hover
    one_line = attribution.bounding_box()["height"]
    attribution.click(position={"x": 5, "y": 5})  # a tap unfolds it
    assert attribution.bounding_box()["height"] > 1.5 * one_line
    assert p.page.url.startswith("file:")  # the tap on the Leaflet link did not leave the page
    attribution.dispatch_event("click")  # a tap beside the links folds it again
    assert attribution.bounding_box()["height"] == pytest.approx(one_line, abs=1)
    assert p.errors == []


@pytest.mark.parametrize("name", PAGES)
def test_print__controls_hidden_scale_bar_title_block_and_legend_shown(pages, open_at, name):
    p = open_at((pages / name).as_uri(), width=390, height=844)  # the legend starts closed on a phone
    p.page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # what the print dialog fires
    p.page.emulate_media(media="print")
    controls = p.page.evaluate(_VISIBLE_CONTROLS)
    assert sorted(c["name"].split()[0] for c in controls) == ["leaflet-control-scale", "pos2-legend", "pos2-title"], controls
    legend = p.page.locator(".pos2-legend")
    assert legend.locator("details").evaluate("d => d.open")  # the key of the numbered lines is on paper
    for name_box in legend.locator(".name").all():  # whole names, not cut with an ellipsis
        assert name_box.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), name_box.inner_text()
    assert p.page.locator(".leaflet-tooltip-pane").is_hidden()
    p.page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert not legend.locator("details").evaluate("d => d.open")  # as it was on screen
    p.page.emulate_media(media="screen")
    p.page.set_viewport_size({"width": 1366, "height": 768})
    p.page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    p.page.emulate_media(media="print")
    scale = p.page.locator(".leaflet-control-scale").bounding_box()
    assert scale["x"] < 20 and scale["y"] + scale["height"] > 768 - 30  # the bottom-left corner
    assert p.page.locator(".pos2-title .pos2-print-only").is_visible()  # with the credits
    assert "Natural Earth" in p.page.locator(".pos2-title .pos2-print-only").inner_text()
    assert p.page.locator(".pos2-title button.pos2-save-image").is_hidden()


def _click_a_route_on_a_phone(page) -> list[float]:
    """Tap a point of a route line that is on top there; return the point."""
    point = page.evaluate(
        """() => {
          for (const path of document.querySelectorAll('path.route')) {
            const total = path.getTotalLength(), ctm = path.getScreenCTM();
            for (let f = 0.3; f < 1; f += 0.03) {
              const q = path.getPointAtLength(total * f).matrixTransform(ctm);
              if (document.elementFromPoint(q.x, q.y) === path) { return [q.x, q.y]; }
            }
          }
          return null;
        }"""
    )
    assert point is not None
    page.mouse.click(*point)
    page.locator(".pos2-popup-sheet .route-popup, .pos2-popup-sheet .route-chooser").first.wait_for(timeout=5_000)
    if page.locator(".pos2-popup-sheet .route-chooser").count():  # lines near each other (layers.chooser): in the sheet too
        page.locator(".pos2-popup-sheet .route-choice").first.click()
    page.locator(".pos2-popup-sheet .route-popup").wait_for(timeout=5_000)
    return point


@pytest.mark.parametrize("name", ["index.html", ROUTE_PAGE])
def test_phone_popup__a_bottom_sheet_within_the_screen(pages, open_at, name):
    width, height = 390, 844
    p = open_at((pages / name).as_uri(), width=width, height=height)
    page = p.page
    _click_a_route_on_a_phone(page)
    sheet = page.locator(".pos2-popup-sheet")
    box = sheet.bounding_box()
    assert box["x"] == pytest.approx(0, abs=0.5) and box["width"] == pytest.approx(width, abs=0.5)
    assert box["y"] + box["height"] == pytest.approx(height, abs=0.5)  # fixed to the bottom edge
    assert box["height"] <= 0.5 * height + 0.5
    assert sheet.evaluate("e => e.scrollHeight > e.clientHeight")  # the long table scrolls inside
    assert page.locator(".leaflet-popup").count() == 0  # no Leaflet bubble
    tip = page.evaluate(
        f"() => {{ const m = {MAP}; let at = null; m.eachLayer(l => {{ if (l.getPopup && l.getPopup() && l.getPopup()._latlng) at = l.getPopup()._latlng; }});"
        " const q = m.latLngToContainerPoint(at); return [q.x, q.y]; }"
    )
    assert 0 <= tip[0] <= width and 0 <= tip[1] < box["y"]  # the tapped point of the route stays above the sheet
    heading = page.locator(".pos2-popup-sheet h4").inner_text()
    assert heading and (name != ROUTE_PAGE or heading == page.locator(".pos2-title h1").inner_text())
    page.click(".pos2-popup-sheet .pos2-sheet-close")
    assert sheet.is_hidden()
    _click_a_route_on_a_phone(page)  # opens again; a tap on the empty map closes it
    empty = page.evaluate(
        """() => { for (let y = 200; y < 700; y += 20) { for (let x = 60; x < 380; x += 20) {
                     const e = document.elementFromPoint(x, y);
                     if (e && !e.closest('path, .leaflet-control, .pos2-title, .pos2-popup-sheet, .leaflet-marker-icon')) return [x, y]; } }
                   return null; }"""
    )
    page.mouse.click(*empty)
    assert sheet.is_hidden()
    assert p.errors == [] and p.requests == []


def test_desktop_popup__still_a_leaflet_popup(pages, open_at):
    p = open_at((pages / ROUTE_PAGE).as_uri(), width=1366, height=768)
    point = p.page.evaluate(
        "() => { const path = document.querySelector('path.route'); const q = path.getPointAtLength(path.getTotalLength() * 0.4)"
        ".matrixTransform(path.getScreenCTM()); return [q.x, q.y]; }"
    )
    p.page.mouse.click(*point)
    p.page.locator(".leaflet-popup-content .route-popup").wait_for(timeout=5_000)
    assert p.page.locator(".pos2-popup-sheet").count() == 0


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
@pytest.mark.parametrize("name", [ROUTE_PAGE, "trade.html"])
def test_desktop_panel__a_third_of_the_map_at_most_and_off_the_route(pages, open_at, name, width, height):
    p = open_at((pages / name).as_uri(), width=width, height=height)
    panel = p.page.locator(".pos2-panel")
    box = panel.bounding_box()
    assert box["width"] <= width / 3 + 1 and box["height"] <= height / 3 + 1
    assert box["width"] > 250 and box["height"] > 150  # open, still readable
    assert panel.evaluate("e => e.querySelector('details').open")
    assert panel.evaluate("e => e.scrollHeight > e.clientHeight")  # the rest scrolls inside
    if name == ROUTE_PAGE:
        under = [q for q in _route_points(p.page) if box["x"] <= q[0] <= box["x"] + box["width"] and box["y"] <= q[1] <= box["y"] + box["height"]]
        assert under == []  # no part of the route hides under the panel
    assert p.errors == []


def _saved_png(page, *, width: int, height: int):
    from PIL import Image

    page.evaluate("() => { document.querySelector('.pos2-title > details').open = true; }")  # the button is in it
    with page.expect_download(timeout=30_000) as info:
        page.click(".pos2-title button.pos2-save-image")
    download = info.value
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (width, height)  # the view, at the screen's size
    return download.suggested_filename, image


def _near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= tolerance


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)], ids=["1366x768", "390x844"])
@pytest.mark.parametrize("name", ["index.html", ROUTE_PAGE])
def test_save_image__png_of_the_view_with_the_routes_offline(pages, open_at, name, width, height):
    p = open_at((pages / name).as_uri(), width=width, height=height)
    page = p.page
    page.evaluate("() => document.querySelectorAll('.pos2-title > details, .pos2-legend > details').forEach(d => { d.open = true; })")
    route = page.evaluate(
        """() => { const path = document.querySelector('path.route-pos2-mongolia') || document.querySelector('path.route');
                   const total = path.getTotalLength(), ctm = path.getScreenCTM(), points = [];
                   for (let f = 0.05; f < 1; f += 0.05) { const q = path.getPointAtLength(total * f).matrixTransform(ctm);
                     if (document.elementFromPoint(q.x, q.y) === path) points.push([Math.round(q.x), Math.round(q.y)]); }
                   return points; }"""
    )
    zoom = page.locator(".leaflet-control-zoom-in").bounding_box()
    filename, image = _saved_png(page, width=width, height=height)
    assert filename == name.replace(".html", ".png")
    assert len(image.getcolors(maxcolors=1 << 24)) >= 50  # not blank: country fills, outlines, lines, text
    drawn = [q for q in route if _near(image.getpixel((q[0], q[1])), ROUTE_COLOUR)]
    assert len(drawn) >= 0.5 * len(route) and route  # the route in its colour, where it is on screen
    corner = image.getpixel((int(zoom["x"] + 4), int(zoom["y"] + 4)))
    assert corner != (255, 255, 255)  # no zoom button (white on the page) in the image
    assert page.locator(".pos2-title button.pos2-save-image").is_enabled()  # the page is as it was
    assert not page.evaluate(f"() => {MAP}.getContainer().classList.contains('pos2-exporting')")
    assert p.errors == [] and p.requests == []


@pytest.fixture(scope="module")
def tiled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiled")
    assert make_maps.main(["build", "--offline", "--out", str(out)]) == 0
    return out


def test_save_image__tiles_that_cannot_be_read_become_placeholders(tiled, open_at):
    p = open_at((tiled / ROUTE_PAGE).as_uri(), width=1366, height=768)
    page = p.page
    page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0")
    _, image = _saved_png(page, width=1366, height=768)
    assert len(image.getcolors(maxcolors=1 << 24)) >= 50
    assert any(re.search(r"tile\.openstreetmap\.org", url) for url in p.requests)  # tiles were asked for, and refused
    assert [e for e in p.errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to load resource" not in e] == []


def test_year_slider__shown_only_while_a_trade_line_is_on_the_map(pages, open_at):
    p = open_at((pages / "index.html").as_uri())
    slider = p.page.locator(".pos2-years")
    assert slider.is_hidden()  # the overview opens on the routes; the trade layers are off
    toggle = """(label) => { const input = [...document.querySelectorAll('.leaflet-control-layers label')]
                  .find(l => l.textContent.includes(label)).querySelector('input'); input.click(); }"""
    p.page.evaluate(toggle, "Trade flows")
    slider.wait_for(state="visible", timeout=5_000)
    p.page.evaluate(toggle, "Trade flows")
    slider.wait_for(state="hidden", timeout=5_000)
    assert p.errors == []


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_trade_panel__chart_whole_in_the_open_panel(pages, open_at, width, height):
    p = open_at((pages / "trade.html").as_uri(), width=width, height=height)
    p.page.evaluate("() => { document.querySelector('.pos2-panel details').open = true; }")  # closed at first on a phone
    found = p.page.evaluate(
        """() => { const panel = document.querySelector('.pos2-panel'), r = panel.getBoundingClientRect();
             const svg = panel.querySelector('svg.trade-chart'), c = svg.getBoundingClientRect();
             const texts = [...svg.querySelectorAll('text')].map(t => { const b = t.getBoundingClientRect(); return [b.top, b.bottom]; });
             return {panel: [r.top + panel.clientTop, r.top + panel.clientTop + panel.clientHeight],
                     chart: [c.top, c.bottom], texts, scrolled: panel.scrollTop}; }"""
    )
    top, bottom = found["panel"]
    assert found["scrolled"] == 0
    assert top <= found["chart"][0] and found["chart"][1] <= bottom + 0.5, found  # no scrolling to see the chart
    assert all(top <= t <= b <= bottom + 0.5 for t, b in found["texts"]), found  # no tick label cut
    assert p.errors == []


@pytest.mark.parametrize(("width", "height"), [(1366, 768)], ids=["1366x768"])
def test_trade_page__arcs_clear_of_the_panel(pages, open_at, width, height):
    p = open_at((pages / "trade.html").as_uri(), width=width, height=height)
    box = p.page.locator(".pos2-panel").bounding_box()
    points = p.page.evaluate(
        """() => [...document.querySelectorAll('path.trade-flow')].flatMap(path => {
             const total = path.getTotalLength(), ctm = path.getScreenCTM(), points = [];
             for (let f = 0; f <= 1.0001; f += 0.01) { const q = path.getPointAtLength(total * f).matrixTransform(ctm); points.push([q.x, q.y]); }
             return points; })"""
    )
    assert len(points) == 2 * 101
    under = [q for q in points if box["x"] <= q[0] <= box["x"] + box["width"] and box["y"] <= q[1] <= box["y"] + box["height"]]
    assert under == []


_ENERGY_LINES = """() => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map), out = [];
  window[k].eachLayer(l => { if (l.options && l.options.className === 'energy-flow') {
    const path = l.getElement(), total = path.getTotalLength(), q = path.getPointAtLength(total / 2).matrixTransform(path.getScreenCTM());
    out.push({width: parseFloat(path.getAttribute('stroke-width')), opacity: parseFloat(path.getAttribute('stroke-opacity')),
              at: [q.x, q.y], name: l.getTooltip().getContent().split(':')[0]}); } });
  return out; }"""


def _hover_text(page, at: list[float]) -> str:
    page.mouse.move(3, 400)  # off every line (the map's western edge): the last tooltip closes
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tooltip').length === 0")
    page.mouse.move(at[0] - 3, at[1])
    page.mouse.move(at[0], at[1])
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.first.wait_for(state="visible", timeout=5_000)
    return tooltip.first.inner_text()


@pytest.mark.parametrize("name", ["trade.html", "index.html"])
def test_energy_flows__follow_the_year_slider(pages, open_at, name):
    from geo.trade import load_energy
    from layers.trade import ENERGY_PX_PER_BCM
    from tests.test_browser import _set_year

    energy = {r["year"]: r for r in load_energy(make_maps.ENERGY_PATH)}  # oracle: the CSV
    p = open_at((pages / name).as_uri())
    if name == "index.html":  # the trade layers start off on the overview
        p.page.evaluate("""() => [...document.querySelectorAll('.leaflet-control-layers label')]
                          .find(l => l.textContent.includes('Energy flows')).querySelector('input').click()""")
        p.page.wait_for_selector("path.energy-flow")
    for year in (2022, 2020):
        _set_year(p.page, year)
        lines = {line["name"]: line for line in p.page.evaluate(_ENERGY_LINES)}
        pos1 = lines["Power of Siberia 1 and China East Route"]
        assert pos1["width"] == pytest.approx(max(1.0, energy[year]["pos1_gas_bcm"] * ENERGY_PX_PER_BCM), abs=0.01), year  # 1 px at least
        assert _hover_text(p.page, pos1["at"]) == f"Power of Siberia 1 and China East Route: {energy[year]['pos1_gas_bcm']:.1f} bcm/yr (flow {year})"
        other = lines["Central Asia-China gas pipeline (Lines A/B/C)"]  # no yearly figures in energy.csv
        assert other["opacity"] < pos1["opacity"]  # faded: its width is its capacity, not the year's flow
        assert _hover_text(p.page, other["at"]).startswith(f"Central Asia-China gas pipeline (Lines A/B/C): no data for {year}; ")
    assert p.errors == []
