"""Clicks where route lines share a corridor: a chooser lists them (layers.chooser), in Chromium.

The default offline build at 1366x768: a click on a point where
kazakhstan-cac runs on central-asia-china's line lists both routes by name;
picking each opens that route's own popup; a click on a line with no other
line near opens its popup directly. No page errors. Skips without Chromium
or node_modules, except in CI (the fixtures of tests/test_browser_pages.py).
"""

from __future__ import annotations

import json
import tomllib

import pytest

import make_maps
from tests.conftest import ROUTES_PATH
from tests.test_browser import browser  # noqa: F401 (fixture: Chromium once per module)
from tests.test_browser_pages import MAP, open_at, pages  # noqa: F401 (fixtures: the build, a page at a size)

pytestmark = pytest.mark.browser

ZOOM = 7
NAMES = {route["id"]: route["name"] for route in tomllib.loads(ROUTES_PATH.read_text("utf-8"))["route"]}

# Vertices of route `a` (inner ones) that lie on route `b`'s line (under 1 px at ZOOM) and at least
# `clear` px from every other route; with `b` null, at least `clear` px from every other route.
# Distances in unrounded world pixels (map.project), from each vertex to each segment.
_CANDIDATES = """([a, b, zoom, clear]) => {
  const map = %s;
  window.pos2TestMap = map;
  const lines = {};
  map.eachLayer(l => { if (l instanceof L.Polyline && l.options.pos2Route) (lines[l.options.pos2Route] ||= []).push(l); });
  const projected = Object.fromEntries(Object.entries(lines).map(([id, ls]) =>
    [id, ls.map(l => l.getLatLngs().flat(Infinity).map(q => map.project(q, zoom)))]));
  const distance = (p, id) => Math.min(...projected[id].map(v => {
    let d = Infinity;
    for (let i = 1; i < v.length; i++) d = Math.min(d, L.LineUtil.pointToSegmentDistance(p, v[i - 1], v[i]));
    return d; }));
  const vertices = lines[a].flatMap(l => l.getLatLngs().flat(Infinity).slice(1, -1));
  return vertices.filter(q => {
    const p = map.project(q, zoom);
    if (b !== null && distance(p, b) >= 1) return false;
    return Object.keys(lines).every(id => id === a || id === b || distance(p, id) >= clear);
  }).map(q => [q.lat, q.lng]);
}""" % MAP
# Centre the map on a vertex; its page pixel when one of the routes' own paths is the top element there.
_CENTRE = """([latlng, zoom, ids]) => {
  const map = window.pos2TestMap;
  map.closePopup();
  map.setView(latlng, zoom, {animate: false});
  const c = map.latLngToContainerPoint(latlng), box = map.getContainer().getBoundingClientRect();
  const x = box.left + c.x, y = box.top + c.y, top = document.elementFromPoint(x, y);
  let mine = false;
  map.eachLayer(l => { if (l.options && ids.includes(l.options.pos2Route) && l._path === top) mine = true; });
  return mine ? [x, y] : null;
}"""
_POPUP_ROUTES = "() => [...document.querySelectorAll('.leaflet-popup .route-popup')].map(e => e.dataset.route)"


def _spot(page, a: str, b: str | None, *, clear: float) -> tuple[list[float], tuple[float, float]]:
    """A vertex of ``a`` (on ``b``'s line) that the routes' own paths cover on screen, and its page pixel."""
    candidates = page.evaluate(_CANDIDATES, [a, b, ZOOM, clear])
    assert candidates, (a, b)
    for latlng in candidates[len(candidates) // 2 :] + candidates[: len(candidates) // 2]:
        xy = page.evaluate(_CENTRE, [latlng, ZOOM, [a] if b is None else [a, b]])
        if xy is not None:
            return latlng, tuple(xy)
    pytest.fail(f"no vertex of {a} is covered by its own line on screen")


def _click(page, latlng, ids) -> None:
    x, y = page.evaluate(_CENTRE, [latlng, ZOOM, ids])  # again: a popup may have panned the map
    page.mouse.click(x, y)


def test_chooser__lists_the_lines_of_a_shared_corridor_and_opens_the_one_picked(pages, open_at):  # noqa: F811
    a, b = "kazakhstan-cac", "central-asia-china"
    p = open_at((pages / "index.html").as_uri(), width=1366, height=768)
    latlng, _ = _spot(p.page, a, b, clear=20)
    for wanted in (a, b):
        _click(p.page, latlng, [a, b])
        p.page.locator(".route-chooser").wait_for(timeout=5_000)
        assert p.page.locator(".route-chooser-title").text_content() == "2 lines here:"
        choices = p.page.locator(".route-choice")
        names = [choices.nth(i).text_content() for i in range(choices.count())]
        assert sorted(names) == sorted([NAMES[a], NAMES[b]])  # oracle: routes.toml's names
        # no route popup until one is picked (the last one fades out: gone within Leaflet's 200 ms)
        p.page.locator(".leaflet-popup .route-popup").wait_for(state="detached", timeout=5_000)
        choices.nth(names.index(NAMES[wanted])).click()
        p.page.locator(".leaflet-popup .route-popup").wait_for(timeout=5_000)
        assert p.page.evaluate(_POPUP_ROUTES) == [wanted]
        p.page.locator(".route-chooser").wait_for(state="detached", timeout=5_000)  # gone after its fade
    assert p.errors == [] and p.requests == []


def test_chooser__a_lone_line_opens_its_popup_directly(pages, open_at):  # noqa: F811
    lone = "far-eastern"
    p = open_at((pages / "index.html").as_uri(), width=1366, height=768)
    latlng, _ = _spot(p.page, lone, None, clear=30)
    _click(p.page, latlng, [lone])
    p.page.locator(".leaflet-popup .route-popup").wait_for(timeout=5_000)
    assert p.page.evaluate(_POPUP_ROUTES) == [lone]
    assert p.page.locator(".route-chooser").count() == 0
    assert p.errors == [] and p.requests == []


def test_chooser__lines_switched_off_do_not_count(pages, open_at):  # noqa: F811
    a, b = "kazakhstan-cac", "central-asia-china"
    p = open_at((pages / "index.html").as_uri(), width=1366, height=768)
    latlng, _ = _spot(p.page, a, b, clear=20)
    p.page.evaluate(  # switch the reference off as the layer control does: its group leaves the map
        """(id) => { const map = window.pos2TestMap; const gone = [];
        map.eachLayer(l => { if (l instanceof L.FeatureGroup && l.getLayers().some(x => x.options.pos2Route === id)) gone.push(l); });
        gone.forEach(g => map.removeLayer(g)); }""",
        b,
    )
    _click(p.page, latlng, [a])
    p.page.locator(".leaflet-popup .route-popup").wait_for(timeout=5_000)
    assert p.page.evaluate(_POPUP_ROUTES) == [a] and p.page.locator(".route-chooser").count() == 0
    assert p.errors == [] and p.requests == []


HOSTILE = {
    "h1": '<img src=x onerror="window.pos2Pwned=1"> `${window.pos2Pwned=2}` {{ 7*7 }}',
    "h2": "</script><script>window.pos2Pwned=3</script> \\x3cimg src=x\\x3e & 'quoted' \"too\"",
}


def test_chooser__hostile_names_stay_text(tmp_path, open_at):  # noqa: F811
    """Two lines on one track, named with markup and script: the chooser shows the names as text."""
    features = [
        {"type": "Feature", "id": rid, "properties": {"name": name, "kind": "option"},
         "geometry": {"type": "LineString", "coordinates": [[104.0, 51.0], [105.0, 50.0], [106.0, 49.0]]}}
        for rid, name in HOSTILE.items()
    ]  # fmt: skip
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    out = tmp_path / "maps"
    assert make_maps.main(["build", "--offline", "--no-tiles", "--out", str(out), "--routes", str(path)]) == 0
    p = open_at((out / "index.html").as_uri(), width=1366, height=768)
    p.page.evaluate(_CANDIDATES, ["h1", "h2", ZOOM, 20])  # finds the map
    _click(p.page, [50.0, 105.0], ["h1", "h2"])
    p.page.locator(".route-chooser").wait_for(timeout=5_000)
    choices = p.page.locator(".route-choice")
    assert sorted(choices.nth(i).text_content() for i in range(choices.count())) == sorted(HOSTILE.values())
    choices.first.click()
    p.page.locator(".leaflet-popup .route-popup").wait_for(timeout=5_000)
    assert p.page.evaluate("() => window.pos2Pwned") is None
    assert p.page.locator("img[src='x']").count() == 0
    assert p.errors == [] and p.requests == []
