"""Tests for layers.chooser: the chooser's script, by fragments (its behaviour: tests/test_browser_chooser.py)."""

from __future__ import annotations

import folium
import pytest

from layers.chooser import CHOOSER_TOLERANCE_PX, RouteChooser
from layers.page import render_html


def _render(**kwargs) -> str:
    m = folium.Map()
    RouteChooser(**kwargs).add_to(m)
    return render_html(m)


def test_chooser__script_on_the_parent_map_with_its_tolerance():
    html = _render(tolerance_px=12)
    assert "var map = map_" in html and "tolerance = 12.0;" in html
    assert "L.LineUtil.pointToSegmentDistance" in html and "latLngToLayerPoint" in html
    assert "layer.off('click', layer._openPopup)" in html  # it answers the lines' clicks instead of their popup
    assert "map.on('layeradd'" in html  # lines switched on later are taken too
    assert ".route-chooser button" in html  # its style, in the header
    assert CHOOSER_TOLERANCE_PX == 8.0 and "tolerance = 8.0;" in _render()


def test_chooser__names_only_as_escaped_html_or_dom_text():
    """Names come from the lines' pos2Name option (escaped by layers.style.text); the script pastes no data."""
    html = _render()
    script = html.split("tolerance = 8.0;")[1].split("})();")[0]
    assert "name.innerHTML = layer.options.pos2Name;" in script
    assert script.count("innerHTML") == 1 and "insertAdjacentHTML" not in script and "eval(" not in script
    assert "title.textContent = lines.length + ' lines here:';" in script


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_chooser__tolerance_must_be_positive(bad):
    with pytest.raises(ValueError, match="tolerance_px must be a positive number of pixels"):
        RouteChooser(tolerance_px=bad)
