"""Tests for layers.encoding: rendering folium's macros as text, headers written once per page."""

from __future__ import annotations

import re

import folium
import numpy as np
import pytest
from branca.element import MacroElement
from jinja2 import Template

from layers.encoding import ScriptElement, encode_polyline, encode_polylines, macros_as_text, template


def _map() -> folium.Map:
    """A map with folium's own elements: lines, tooltips (one with Jinja syntax in its text), a popup, a group."""
    m = folium.Map(location=[50, 100], zoom_start=4)
    group = folium.FeatureGroup(name="g").add_to(m)
    folium.PolyLine([[50, 100], [51, 101]], tooltip="plain", popup="a <b>popup</b>\n").add_to(group)
    folium.PolyLine([[52, 100], [53, 101]], tooltip="{{ 7*7 }} {# c #}").add_to(group)
    folium.CircleMarker([50, 100], radius=3, tooltip="carriage\r\nreturn").add_to(m)
    folium.LayerControl().add_to(m)
    _Folium().add_to(m)
    return m


class _Folium(MacroElement):
    """An element rendered the way folium's are (a MacroElement), its script ending in newlines."""

    _template = Template("{% macro script(this, kwargs) %}var ends = 1;\n\n{% endmacro %}")


def _renumbered(html: str) -> str:
    """folium's random 32-digit ids replaced by their order of appearance."""
    ids: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), str(len(ids))), html)


def test_macros_as_text__same_page_as_branca_renders():
    # The oracle is branca's own rendering of the same map: every macro parsed again as a template.
    plain = _renumbered(_map().get_root().render())
    with macros_as_text():
        fast = _renumbered(_map().get_root().render())
    assert fast == plain
    assert "var ends = 1;\n\n</script>" in plain  # of its two newlines Jinja keeps one (a template's last is dropped)
    assert "49" in plain  # branca evaluates the tooltip's {{ 7*7 }}: text with Jinja syntax still goes that way


def test_macros_as_text__restores_branca_after_the_block():
    original = MacroElement.render
    with pytest.raises(RuntimeError), macros_as_text():
        assert MacroElement.render is not original
        raise RuntimeError
    assert MacroElement.render is original


class _Shared(ScriptElement):
    _template = template(
        "{% macro header(this, kwargs) %}<script>function shared() {}</script>{% endmacro %}"
        "{% macro script(this, kwargs) %}shared({{ this.n|script_json }});{% endmacro %}"
    )
    _header_name = "shared_once"

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n


def test_script_element__header_name_writes_the_header_once_per_page():
    m = folium.Map()
    for n in range(3):
        _Shared(n).add_to(m)
    html = m.get_root().render()
    assert html.count("function shared() {}") == 1
    assert all(f"shared({n});" in html for n in range(3))
    assert html.index("function shared() {}") < html.index("shared(0);")


def _google_encode(latlon: list[tuple[float, float]], precision: int) -> str:
    """Oracle: the encoded polyline algorithm written out from Google's description, value by value."""
    out, previous = [], (0, 0)
    for lat, lon in latlon:
        point = (round(lat * 10**precision), round(lon * 10**precision))
        for value in (point[0] - previous[0], point[1] - previous[1]):
            value = ~(value << 1) if value < 0 else value << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        previous = point
    return "".join(out)


def test_encode_polylines__each_line_as_the_published_algorithm():
    rng = np.random.default_rng(7)
    lines = [rng.uniform([-180, -90], [180, 90], size=(n, 2)) for n in (5, 1, 0, 40, 0, 2)] + [np.empty((0, 2))]
    lines[3][10:20] = lines[3][10]  # repeated vertices: zero deltas
    for precision in (5, 4):
        texts = encode_polylines(lines, precision=precision)
        assert texts == [_google_encode([(lat, lon) for lon, lat in line], precision) for line in lines]
        assert texts == [encode_polyline(line, precision=precision) for line in lines]
    assert texts[2] == texts[4] == texts[6] == "" and encode_polylines([]) == []
