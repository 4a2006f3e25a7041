"""Tests for layers.markers."""

from __future__ import annotations

import folium
import pytest

from layers.markers import CircleMarkers


def test_circle_markers__one_array_latlon_and_escaped_json():
    m = folium.Map()
    group = folium.FeatureGroup(name="g").add_to(m)
    CircleMarkers([(104.28, 52.29)], ["a </script> b"], style={"radius": 3}).add_to(group)
    html = m.get_root().render()
    assert "[[52.29,104.28," in html
    assert "</script> b" not in html  # tojson writes \\u003c/script\\u003e
    assert f", {group.get_name()});" in html and html.count("function pos2Markers(") == 1


def test_circle_markers__needs_one_tooltip_per_point():
    with pytest.raises(ValueError, match="2 points but 1 tooltips"):
        CircleMarkers([(1, 2), (3, 4)], ["x"], style={})
