"""Tests for layers.page: lean map, deterministic rendering, offline inlining."""

from __future__ import annotations

import base64
import re

import pytest

from layers.page import LEAFLET_CSS, LEAFLET_JS, Asset, base_map, inline_assets, render_html


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
