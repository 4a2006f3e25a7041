"""Tests for layers.page: lean map, deterministic rendering, offline inlining."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from layers.page import (
    HTML_TO_IMAGE_JS,
    NARROW_PX,
    SCALE_MAX_WIDTH_PX,
    TILE_PLACEHOLDER_PNG,
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
    assert "map.getBoundsZoom(bounds, false" in html  # below the title block when that costs no zoom level
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


def test_title_block_html__save_image_button_only_when_asked():
    assert "pos2-save-image" not in title_block_html("T", build_date="2026-11-30")
    block = title_block_html("T", build_date="2026-11-30", save_image=True)
    assert '<div class="pos2-links"><button type="button" class="pos2-save-image">Save image (PNG)</button></div>' in block


def test_add_title__image_export_loads_the_pinned_html_to_image():
    m = base_map([[40, 60], [70, 140]])
    add_title(m, "T", build_date="2026-11-30", credits="© someone")
    html = render_html(m)
    assert '<script src="https://cdn.jsdelivr.net/npm/html-to-image@1.11.13/dist/html-to-image.js"></script>' in html
    package = json.loads((Path(__file__).parents[1] / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["html-to-image"] == "1.11.13"  # the version the page asks for is the pinned one
    assert HTML_TO_IMAGE_JS[1].split("@")[1].split("/")[0] == "1.11.13"
    assert script_json("Save image (PNG)")[1:-1] in html and "htmlToImage.toBlob(container" in html
    assert f"imagePlaceholder: {script_json(TILE_PLACEHOLDER_PNG)}" in html
    header = base64.b64decode(TILE_PLACEHOLDER_PNG.split(",", 1)[1])[:8]
    assert header == b"\x89PNG\r\n\x1a\n"


def test_page_style__scale_bar_prints_attribution_one_line_popups_as_sheets():
    html = render_html(base_map([[40, 60], [70, 140]]))
    css = html[html.index("@media print {") + len("@media print {") :]
    hidden = css[: css.index("{")]  # the selectors of the first print rule: what paper leaves out
    assert ".leaflet-control:not(.leaflet-control-scale)" in hidden and ".leaflet-control-container" not in hidden
    assert "text-overflow: ellipsis" in html and "white-space: nowrap" in html
    assert f"max-width: calc(100% - {SCALE_MAX_WIDTH_PX + 40}px)" in html  # beside the scale bar, never over it
    assert "map.getSize().x < 600" in html and "L.Popup.include(" in html and "pos2-popup-sheet" in html
    assert NARROW_PX == 600
