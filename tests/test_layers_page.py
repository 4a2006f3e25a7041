"""Tests for layers.page: lean map, deterministic rendering, offline inlining."""

from __future__ import annotations

import base64
import re

import pytest

from layers.page import (
    LEAFLET_CSS,
    LEAFLET_JS,
    LEAFLET_VERSION,
    MERCATOR_NOTE,
    Asset,
    add_title,
    base_map,
    inline_assets,
    render_html,
    title_block_html,
)
from layers.encoding import script_json
from layers.style import text


def test_base_map__loads_leaflet_and_jquery_only():
    html = render_html(base_map([[40, 60], [70, 140]]))
    assert LEAFLET_JS[1] in html and LEAFLET_CSS[1] in html
    assert "bootstrap" not in html and "fontawesome" not in html
    assert "Control.FullScreen" in html and "leaflet-measure" in html
    assert "fitBounds" in html and "control_scale" not in html  # scale bar is an L.control.scale
    assert "L.control.scale" in html


def test_render_html__deterministic_ids():
    first = render_html(base_map([[40, 60], [70, 140]]))
    second = render_html(base_map([[40, 60], [70, 140]]))
    assert first == second
    assert re.search(r"\bmap_0\b", first) and not re.search(r"_[0-9a-f]{32}\b", first)  # counted, none random left


def test_inline_assets__scripts_styles_and_css_urls():
    page = (
        '<link rel="stylesheet" href="https://cdn.example/pkg/1.0/dist/a.css"/>'
        '<script src="https://cdn.example/pkg/1.0/dist/a.js"></script><p>ok</p>'
    )
    files = {
        "https://cdn.example/pkg/1.0/dist/a.css": Asset(b".x{background:url(images/i.png)}", "text/css"),
        "https://cdn.example/pkg/1.0/dist/images/i.png": Asset(b"\x89PNG", "image/png"),
        "https://cdn.example/pkg/1.0/dist/a.js": Asset(b"var s='</script>';", "text/javascript"),
    }
    html = inline_assets(page, lambda url: files[url])
    assert "https://" not in html
    assert "url(data:image/png;base64," + base64.b64encode(b"\x89PNG").decode() + ")" in html
    assert "var s='<\\/script>';" in html and html.endswith("<p>ok</p>")


def test_inline_assets__missing_asset_is_named():
    def fetch(url):
        raise LookupError(f"no local copy of {url}")

    with pytest.raises(LookupError, match="no local copy of https://cdn.example/x.js"):
        inline_assets('<script src="https://cdn.example/x.js"></script>', fetch)


def test_base_map__leaflet_1_9_4_and_view_from_the_screen():
    html = render_html(base_map([[40, 60], [70, 140]], reserve_right_px=440))
    assert LEAFLET_VERSION == "1.9.4" and "leaflet@1.9.4/dist/leaflet.js" in html and "leaflet@1.9.3" not in html
    assert "fitBounds(" in html and '"paddingBottomRight"' not in html  # the padding is computed in the page
    assert "Math.min(20 + reserve, 0.34 * size.x)" in html and "440" in html  # a third of the map, and a margin
    assert "narrow = size.x < 600" in html  # a phone: the panel is a bottom sheet, no reserve on the right
    assert "history.replaceState" in html and "location.hash" in html
    assert "path.leaflet-interactive:focus { outline: none; }" in html
    assert "@media print" in html and "max-height: min(60vh, 420px)" in html and "max-width: min(340px, calc(90vw - 44px))" in html
    assert 'L.Popup.mergeOptions({"autoPanPaddingTopLeft":[16,56],"autoPanPaddingBottomRight":[16,16]});' in html


def test_title_block_html__escaped_text_and_links():
    hostile = "<img src=x onerror=alert(1)> {{ 7*7 }}"
    block = title_block_html(
        hostile,
        build_date="2026-11-30",
        links=[("All routes", "index.html")],
        route_links=[(hostile, 'a".html')],
        credits="© <b>me</b>",
    )
    assert "<img" not in block and "<b>" not in block and "{{" not in block
    assert f"<h1>{text(hostile)}</h1>" in block
    assert '<a href="index.html">All routes</a>' in block
    assert f'<li><a href="a&quot;.html">{text(hostile)}</a></li>' in block
    assert "Route pages (1)" in block and "Built 2026-11-30." in block and MERCATOR_NOTE[:40] in block
    assert '<p class="pos2-print-only">© &lt;b&gt;me&lt;/b&gt;</p>' in block


def test_add_title__sets_the_document_title_and_the_block():
    m = base_map([[40, 60], [70, 140]])
    add_title(m, "A & B <c>", fixed=True, build_date="2026-11-30")
    html = render_html(m)
    assert "<title>A &amp; B &lt;c&gt;</title>" in html
    assert "pos2-title" in html and html.count("<title>") == 1
    assert "document.title = div.querySelector('h1').textContent;" in html
    data = base_map([[40, 60], [70, 140]])
    add_title(data, "</title><script>alert(1)</script>", build_date="2026-11-30")  # a route's name: data
    html = render_html(data)
    assert "<title>" not in html and "alert(1)</script>" not in html
    assert script_json("<h1>" + text("</title><script>alert(1)</script>") + "</h1>")[1:-1] in html
