"""The pages at a phone's, a laptop's and a desktop's size, for reading and for reports.

One ``--offline --no-tiles`` build, opened in Debian's Chromium with every
request that is not a file aborted (and recorded): at 390x844, 1366x768 and
1920x1080 every page draws its lines inside the screen with no page error;
the view follows the URL hash and comes back from it; printing hides the
controls but the scale bar; Leaflet is the pinned 1.9.4; a route's popup stays within 60 % of
the screen's height. Skips without Chromium or node_modules, except in CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import make_maps
from geo.trade import load_trade
from layers.maps import INDEX_TITLE, TRADE_TITLE
from layers.page import LEAFLET_VERSION
from tests.test_browser import browser  # noqa: F401 (fixture: Chromium once per module)

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1366, 768), (1920, 1080)]
PAGES = ["index.html", "pos2-mongolia.html", "trade.html"]
MAP = "(() => window[Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)])()"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pages")
    assert make_maps.main(["build", "--offline", "--no-tiles", "--out", str(out)]) == 0
    return out


class Opened:
    """A page at one size, with no network: every non-file request aborted and recorded."""

    def __init__(self, browser, url: str, *, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []

        def refuse(route):
            self.requests.append(route.request.url)
            route.abort("internetdisconnected")

        self.context.route(re.compile(r"^(?!file:)"), refuse)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.goto(url)

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_function("() => window.L && document.querySelectorAll('path.route, path.trade-flow').length > 0")

    def view(self) -> dict:
        return self.page.evaluate(f"() => {{ const m = {MAP}; const c = m.getCenter(); return {{zoom: m.getZoom(), lat: c.lat, lon: c.lng}}; }}")


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


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", PAGES)
def test_page__lines_in_view_with_no_error(pages, open_at, name, width, height):
    p = open_at((pages / name).as_uri(), width=width, height=height)
    boxes = p.page.eval_on_selector_all(
        "path.route, path.trade-flow",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })",
    )
    assert boxes
    for left, top, right, bottom in boxes:
        assert right - left + bottom - top > 2, (name, width)  # drawn, not a NaN or empty path
        assert left >= -1 and top >= -1 and right <= width + 1 and bottom <= height + 1, (name, width, height)
    assert p.errors == [] and p.requests == []
    expected = {"index.html": INDEX_TITLE, "trade.html": TRADE_TITLE}.get(name, "Power of Siberia 2 via Mongolia (Soyuz Vostok)")
    assert p.page.title() == expected
    assert p.page.locator(".pos2-title h1").inner_text() == expected
    assert "Web Mercator" in p.page.locator(".pos2-title").text_content()
    assert p.page.evaluate("() => L.version") == LEAFLET_VERSION == "1.9.4"


def test_page__links_between_pages(pages, open_at):
    p = open_at((pages / "index.html").as_uri())
    hrefs = p.page.eval_on_selector_all(".pos2-title a", "els => els.map(a => a.getAttribute('href'))")
    assert "trade.html" in hrefs and "pos2-mongolia.html" in hrefs
    assert all((pages / href).is_file() for href in hrefs)
    assert "overview.png" in hrefs and "comparison.png" in hrefs  # the report figures
    assert len(hrefs) == 3 + len(list(pages.glob("*-profile.png")))  # trade, the two figures and one per route page
    for name in ("pos2-mongolia.html", "trade.html"):
        p = open_at((pages / name).as_uri())
        assert p.page.eval_on_selector_all(".pos2-title a", "els => els.map(a => a.getAttribute('href'))") == ["index.html"]


@pytest.mark.parametrize("name", ["index.html", "pos2-mongolia.html"])
def test_hash__view_restored_on_load_and_written_on_move(pages, open_at, name):
    url = (pages / name).as_uri()
    p = open_at(url)
    fitted = p.view()
    assert "#" not in p.page.url  # an unmoved page keeps its plain address
    p.goto(url + "#6/50.0/100.0")
    p.page.reload()
    p.page.wait_for_function("() => window.L && document.querySelectorAll('path.route').length > 0")
    view = p.view()
    assert view["zoom"] == 6 and view["lat"] == pytest.approx(50.0, abs=1e-6) and view["lon"] == pytest.approx(100.0, abs=1e-6)
    assert view != fitted
    p.page.evaluate(f"() => {{ {MAP}.panBy([200, -100], {{animate: false}}); }}")
    p.page.wait_for_function("() => location.hash !== '#6/50.0/100.0'")
    zoom, lat, lon = p.page.evaluate("() => location.hash").lstrip("#").split("/")
    moved = p.view()
    assert int(zoom) == moved["zoom"] == 6
    assert float(lat) == pytest.approx(moved["lat"], abs=1e-4) and float(lon) == pytest.approx(moved["lon"], abs=1e-4)
    assert float(lon) > 100.0 and float(lat) > 50.0  # panned east and north
    assert p.errors == [] and p.requests == []


def test_hash__nonsense_is_ignored(pages, open_at):
    url = (pages / "trade.html").as_uri()
    plain = open_at(url).view()
    for bad in ("#99/50/100", "#6/abc/100", "#6/95/100", "#<img src=x>"):
        assert open_at(url + bad).view() == plain, bad


@pytest.mark.parametrize("name", PAGES)
def test_print__controls_and_panels_hidden_legend_kept(pages, open_at, name):
    p = open_at((pages / name).as_uri())
    assert p.page.locator(".pos2-legend").is_visible()
    # (the year slider is left out on screen: on index.html it shows only while a trade layer is on)
    selectors = [".leaflet-control:not(.leaflet-control-scale):not(.pos2-legend):not(.pos2-years)", ".leaflet-control-layers", ".pos2-panel"]
    display = "sel => Array.from(document.querySelectorAll(sel)).map(e => getComputedStyle(e).display)"
    for selector in selectors:
        assert p.page.evaluate(display, selector) and "none" not in p.page.evaluate(display, selector), selector
    p.page.emulate_media(media="print")
    for selector in selectors:
        assert set(p.page.evaluate(display, selector)) == {"none"}, selector
    assert p.page.locator(".leaflet-control-scale").is_visible()  # the scale bar prints
    assert p.page.locator(".pos2-title").is_visible()  # the title block prints, with the credits
    assert p.page.locator(".pos2-title .pos2-print-only").is_visible()
    assert p.page.locator(".pos2-legend").is_visible()  # the key of the lines prints
    assert set(p.page.evaluate(display, ".pos2-years")) <= {"none"}  # the year slider does not (where there is one)


def _click_a_route(page, width: int, height: int) -> None:
    """Click a point of a route line that is on top there (not under a marker or a control)."""
    point = page.evaluate(
        """() => {
          for (const path of document.querySelectorAll('path.route')) {
            const total = path.getTotalLength(), ctm = path.getScreenCTM();
            for (let f = 0.5; f < 1; f += 0.03) {
              for (const g of [f, 1 - f]) {
                const q = path.getPointAtLength(total * g).matrixTransform(ctm);
                if (document.elementFromPoint(q.x, q.y) === path) { return [q.x, q.y]; }
              }
            }
          }
          return null;
        }"""
    )
    assert point is not None
    page.mouse.click(*point)
    page.locator(".leaflet-popup-content .route-popup, .route-chooser").first.wait_for(timeout=5_000)
    if page.locator(".route-chooser").count():  # other lines near the click (layers.chooser): the nearest is first
        page.locator(".route-choice").first.click()
    page.locator(".leaflet-popup-content .route-popup").wait_for(timeout=5_000)
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")


@pytest.mark.parametrize("name", ["index.html", "pos2-mongolia.html"])
@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (600, 844)], ids=["1920x1080", "600x844"])
def test_popup__fits_the_screen_and_keeps_the_route_in_view(pages, open_at, name, width, height):
    """Under 600 px a popup is a bottom sheet instead (tests/test_browser_controls.py)."""
    p = open_at((pages / name).as_uri(), width=width, height=height)
    _click_a_route(p.page, width, height)
    p.page.wait_for_timeout(400)  # the auto-pan
    box = p.page.locator(".leaflet-popup-content-wrapper").bounding_box()
    assert box["height"] <= 0.6 * height
    assert box["width"] <= min(340 + 60, 0.95 * width)
    content = p.page.locator(".leaflet-popup-content")
    assert content.evaluate("e => e.scrollHeight > e.clientHeight")  # the long table scrolls
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    tip = p.page.evaluate(
        f"() => {{ const m = {MAP}; let ll = null; m.eachLayer(l => {{ if (l instanceof L.Popup) ll = l.getLatLng(); }});"
        " const q = m.latLngToContainerPoint(ll); return [q.x, q.y]; }"
    )
    assert 0 <= tip[0] <= width and 0 <= tip[1] <= height  # the clicked point of the route is still on screen
    focused = p.page.evaluate(
        """() => { const path = document.querySelector('path.route.leaflet-interactive'); path.setAttribute('tabindex', '0');
            path.focus(); return [document.activeElement === path, getComputedStyle(path).outlineStyle]; }"""
    )
    assert focused == [True, "none"]  # no black focus box around a clicked line
    assert p.errors == [] and p.requests == []


def test_trade__headline_and_marker_follow_the_year_slider(pages, open_at):
    """Oracle: geo/data/trade.csv: the one visible headline is the slider's year, with that year's total."""
    totals = {r["year"]: r["total_usd_bn"] for r in load_trade(make_maps.TRADE_PATH)}
    p = open_at((pages / "trade.html").as_uri())
    page = p.page
    shown = "() => [...document.querySelectorAll('.trade-headline')].filter(e => !e.hidden).map(e => e.textContent)"
    marker = "() => +document.querySelector('.trade-chart .year-marker').getAttribute('x1')"
    page.wait_for_function(f"() => ({shown})().length === 1 && ({shown})()[0].startsWith('{max(totals)}')")
    last_x = page.evaluate(marker)
    slider = page.locator(".year-slider")
    slider.evaluate("(el, y) => { el.value = y; el.dispatchEvent(new Event('input')); }", 2020)
    page.wait_for_function(f"() => ({shown})().length === 1 && ({shown})()[0].startsWith('2020')")
    assert f"US$ {totals[2020]:.1f} bn" in page.evaluate(shown)[0]
    assert page.evaluate(marker) < last_x  # the marker moved left, to 2020
    assert p.errors == []


def test_index__numbered_labels_match_the_legend_and_sit_on_screen(pages, open_at):
    """Every drawn option and reference line (not the suggestions) carries its legend number, on screen."""
    p = open_at((pages / "index.html").as_uri())
    page = p.page
    labels = page.eval_on_selector_all(
        ".route-label span", "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top]; })"
    )
    legend = page.eval_on_selector_all(".pos2-legend div", "els => els.map(e => e.textContent.trim())")
    numbered = {text.split(". ", 1)[0] for text in legend if re.match(r"\d+\. ", text)}
    suggestions = {text.split(". ", 1)[0] for text in legend if re.match(r"\d+\. Least-cost", text)}
    assert {tag for tag, _, _ in labels} == numbered - suggestions and labels
    for _, left, top in labels:
        assert 0 <= left <= 1366 and 0 <= top <= 768
    assert page.locator("path.route-start").count() == page.locator("path.route-end-marker").count() == len(labels)
    assert p.errors == []


def test_route_page__measurements_are_a_closed_bottom_sheet_on_a_phone(pages, open_at):
    p = open_at((pages / "pos2-mongolia.html").as_uri(), width=390, height=844)
    sheet = p.page.locator(".pos2-sheet")
    assert sheet.evaluate("e => getComputedStyle(e).position") == "fixed"
    assert sheet.evaluate("e => e.querySelector('details').open") is False
    box = sheet.bounding_box()
    assert box["width"] >= 380 and box["y"] + box["height"] >= 840  # full width, at the bottom
    attribution = p.page.locator(".leaflet-control-attribution").bounding_box()
    assert attribution["y"] + attribution["height"] <= box["y"] + 1  # the attribution stays above it


# Every end of a drawn line (the SVG path's first and last point, on screen) and the box of
# every visible control; a hidden control counts only on request.
_ENDS_AND_BOXES = """(selector) => {
  const ends = [...document.querySelectorAll(selector)].filter(p => p.getTotalLength() > 0).flatMap(path => {
    const total = path.getTotalLength(), ctm = path.getScreenCTM();
    return [0, total].map(at => { const q = path.getPointAtLength(at).matrixTransform(ctm); return [q.x, q.y]; });
  });
  const boxes = [...document.querySelectorAll('.leaflet-control, .pos2-title')]
    .filter(e => getComputedStyle(e).display !== 'none' && !e.hidden)
    .map(e => { const r = e.getBoundingClientRect(); return {name: e.className, box: [r.left, r.top, r.right, r.bottom]}; })
    .filter(b => b.box[2] > b.box[0] && b.box[3] > b.box[1]);
  return {ends, boxes};
}"""
LINES = {"index.html": "path.route", "trade.html": "path.trade-flow, path.energy-flow"}
CLEAR_PX = 4  # the fit keeps 8 px; Leaflet rounds the view to whole pixels


def _ends_clear(p, name: str, width: int, height: int) -> list:
    found = p.page.evaluate(_ENDS_AND_BOXES, LINES.get(name, "path.route"))
    assert len(found["ends"]) >= 2, name
    edge = max(12.0, 0.03 * min(width, height))  # off the edge by 3 % of the smaller side: not a tight fit
    for x, y in found["ends"]:
        assert edge <= x <= width - edge and edge <= y <= height - edge, (name, width, height, x, y)
        for control in found["boxes"]:
            left, top, right, bottom = control["box"]
            inside = left - CLEAR_PX < x < right + CLEAR_PX and top - CLEAR_PX < y < bottom + CLEAR_PX
            assert not inside, (name, width, height, (x, y), control)
    return found["ends"]


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_first_view__no_line_end_under_a_control(pages, open_at, width, height):
    """Every page: both ends of every line on screen, 3 % of the smaller side inside, and off every control."""
    names = sorted(path.name for path in pages.glob("*.html"))
    assert len(names) >= 4 and "index.html" in names and "trade.html" in names
    p = open_at((pages / names[0]).as_uri(), width=width, height=height)
    for name in names:
        p.goto((pages / name).as_uri())
        _ends_clear(p, name, width, height)
        assert "#" not in p.page.url  # settling the view is no move of the user's: the address stays plain
    assert p.errors == [] and p.requests == []


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_first_view__year_slider_shown_later_covers_no_route_end(pages, open_at, width, height):
    """On the overview the slider appears with the trade lines: the first view already kept clear of it."""
    p = open_at((pages / "index.html").as_uri(), width=width, height=height)
    view = p.view()
    p.page.evaluate("""() => [...document.querySelectorAll('.leaflet-control-layers label')]
                      .find(l => l.textContent.includes('Trade flows')).querySelector('input').click()""")
    p.page.locator(".pos2-years").wait_for(state="visible", timeout=5_000)
    assert p.view() == view  # the view does not move
    _ends_clear(p, "index.html", width, height)
    assert p.errors == []


def test_index__legend_and_panel_follow_the_routes_switched_off(pages, open_at):
    """Switching a route off in the layer list dims its legend row and its panel row, and the panel's count says
    how many routes are on the map; switching it on again undoes both."""
    p = open_at((pages / "index.html").as_uri())
    page = p.page
    rows = page.locator(".pos2-comparison tr.route-row")
    total = rows.count()
    assert page.text_content(".pos2-comparison .route-count") == f"{total} routes"
    toggle = page.locator(".leaflet-control-layers label", has_text="Altai route").locator("input")
    toggle.evaluate("input => input.click()")  # the list opens on hover; the click is the user's
    page.wait_for_function("() => document.querySelector('.pos2-legend [data-route=\"altai\"]').classList.contains('off')")
    assert page.text_content(".pos2-comparison .route-count") == f"{total - 1} of {total} routes on the map"
    assert page.locator('.pos2-comparison tr.route-row.off').evaluate_all("rs => rs.map(r => r.dataset.route)") == ["altai"]
    assert page.locator('.pos2-legend .off').count() == 1 and page.locator("path.route-altai").count() == 0
    toggle.evaluate("input => input.click()")
    page.wait_for_function("() => !document.querySelector('.pos2-legend [data-route=\"altai\"]').classList.contains('off')")
    assert page.text_content(".pos2-comparison .route-count") == f"{total} routes"
    assert page.locator(".off").count() == 0
    assert p.errors == []
