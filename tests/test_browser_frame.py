"""The map's frame: no view shows where the country outlines end.

The outlines cover the world and the view may not leave them (see
:class:`layers.countries.ViewFrame`). Oracle: the outlines' own bounds, taken
from the drawn polygons in the browser, and the map container's size. At
390x844, 1366x768 and 1920x1080, in the first view, zoomed out to the
smallest zoom and dragged with the mouse towards each edge, the outlines'
bounds hold the whole container (to Leaflet's rounding, 1.5 px). Skips
without Chromium or node_modules, except in CI.
"""

from __future__ import annotations

import pytest

from tests.test_browser import browser  # noqa: F401 (fixture: Chromium once per module)
from tests.test_browser_pages import MAP, SIZES, open_at, pages  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# The container's corners in the outlines' pixel space: [left, top, right, bottom] of the
# outlines minus [0, 0, width, height] of the container (negative = the container reaches past them).
OVERHANG = f"""() => {{
  const m = {MAP}, frame = L.latLngBounds([]);
  m.eachLayer(l => {{ if (l instanceof L.Polygon && l.options.pane === 'countries') frame.extend(l.getBounds()); }});
  const nw = m.latLngToContainerPoint(frame.getNorthWest()), se = m.latLngToContainerPoint(frame.getSouthEast());
  const size = m.getSize();
  return {{overhang: [nw.x, nw.y, size.x - se.x, size.y - se.y], zoom: m.getZoom(), min: m.getMinZoom()}};
}}"""
EDGES = {"west": (1, 0), "east": (-1, 0), "north": (0, 1), "south": (0, -1)}


def _covered(p, where: str) -> dict:
    state = p.page.evaluate(OVERHANG)
    assert all(px <= 1.5 for px in state["overhang"]), (where, state)
    return state


def _drag(p, width: int, height: int, dx: int, dy: int) -> None:
    """Drag the map by whole screens in one direction, four times, and let it settle."""
    for _ in range(4):
        p.page.mouse.move(width / 2, height / 2)
        p.page.mouse.down()
        for step in range(1, 11):
            p.page.mouse.move(width / 2 + dx * step * width / 25, height / 2 + dy * step * height / 25)
        p.page.mouse.up()
    p.page.wait_for_timeout(500)  # the last pan's inertia and bounce


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", ["index.html", "pos2-mongolia.html", "trade.html"])
def test_frame__outlines_cover_the_map_zoomed_out_and_at_every_edge(pages, open_at, name, width, height):
    p = open_at((pages / name).as_uri(), width=width, height=height)
    _covered(p, "first view")
    p.page.evaluate(f"() => {{ {MAP}.setZoom(0, {{animate: false}}); }}")
    state = _covered(p, "zoomed out")
    assert state["zoom"] == state["min"] >= 2  # a world 1024 px or more across: as wide as a phone is tall
    for edge, (dx, dy) in EDGES.items():
        _drag(p, width, height, dx, dy)
        state = _covered(p, edge)
        assert min(abs(v) for v in state["overhang"]) <= 1.5, edge  # the drag did reach an edge
    assert p.errors == [] and p.requests == []


def test_frame__smallest_zoom_follows_a_resize(pages, open_at):
    p = open_at((pages / "index.html").as_uri(), width=390, height=844)
    phone = p.page.evaluate(OVERHANG)["min"]
    p.page.set_viewport_size({"width": 1920, "height": 1080})
    p.page.wait_for_timeout(500)  # Leaflet's resize is debounced
    p.page.evaluate(f"() => {{ {MAP}.setZoom(0, {{animate: false}}); }}")
    desktop = _covered(p, "after the resize")
    assert desktop["min"] > phone
    p.page.set_viewport_size({"width": 390, "height": 844})
    p.page.wait_for_timeout(500)
    assert p.page.evaluate(OVERHANG)["min"] == phone  # and back down: not stuck at the larger minimum
    assert p.errors == []
