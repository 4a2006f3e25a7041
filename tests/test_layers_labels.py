"""Tests for layers.labels: route tags placed clear of other routes, ends marked."""

from __future__ import annotations

import json
import re

import folium
import numpy as np
import shapely

from layers.labels import RouteLabels, label_points, route_labels


def test_label_points__clear_of_the_other_routes():
    """Route A runs along the equator from 0 to 10 E; route B crosses it at 2 E. A's label goes to the
    candidate farthest from B: its last one, at 80 % (8 E); B's goes to its candidate farthest from
    A's line and A's label: 80 % of the way north (2 E, 3.8 N)."""
    a = np.column_stack([np.linspace(0, 10, 101), np.zeros(101)])
    b = np.column_stack([np.full(51, 2.0), np.linspace(-1, 5, 51)])
    (a_at, b_at) = label_points([a, b])
    assert a_at == (8.0, 0.0)
    assert b_at == (2.0, 3.8)
    assert any(np.allclose(a_at, v) for v in a) and any(np.allclose(b_at, v) for v in b)  # on their routes


def test_route_labels__escaped_json_with_ends():
    records = [{"id": "r", "name": "<b>Bad</b> (x)", "start": "A & B (field)", "end": "Z"}]
    line = shapely.LineString([(100, 50), (101, 50.5), (102, 51)])
    element = route_labels(records, [line], {"r": "#CC6677"}, [7])
    m = folium.Map()
    element.add_to(m)
    html = m.get_root().render()
    assert "Bad" not in html  # the tag is the route's number in the legend
    payload = json.loads(re.search(r"(\[\{.*?\}\])\.forEach", html).group(1))
    assert payload == [{"tag": "7", "colour": "#CC6677", "at": [50.5, 101.0], "start": [50.0, 100.0],
                        "end": [51.0, 102.0], "start_name": "A &amp; B", "end_name": "Z"}]  # fmt: skip
    assert isinstance(element, RouteLabels) and "map.getZoom() >= 5" in html


def test_route_labels__a_file_line_without_names_names_nothing():
    """Its ends are marked; no "start" or "end (vertex N)" label, and not the basis nodes (they need not lie there)."""
    basis = {"from": "a", "to": "b", "from_name": "Field", "to_name": "Hub"}
    records = [{"id": "f", "name": "Mine", "start": "start", "end": "end (vertex 2)", "basis": basis}]
    line = shapely.LineString([(100, 50), (101, 50.5), (102, 51)])
    m = folium.Map()
    route_labels(records, [line], {"f": "#CC6677"}, [1]).add_to(m)
    html = m.get_root().render()
    payload = json.loads(re.search(r"(\[\{.*?\}\])\.forEach", html).group(1))
    assert (payload[0]["start_name"], payload[0]["end_name"]) == ("", "")
    assert "if (e[1]) { label(" in html  # an empty name gets no label
