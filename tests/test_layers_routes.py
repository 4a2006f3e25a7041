"""Tests for layers.routes: fragments of the rendered route layer."""

from __future__ import annotations

import json
import re

import numpy as np

import folium
import pytest

from geo.compare import comparison_records
from layers.routes import route_layer, route_popup, route_tooltip
from layers.style import km
from tests.conftest import decode_polyline


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


def _render(record, measured_row):
    m = folium.Map()
    route_layer(record, measured_row.geometry, measured_row["km_posts"], colour="#CC6677").add_to(m)
    return m.get_root().render()


def test_route_layer__draws_the_densified_line(records, measured_catalog):
    html = _render(records[0], measured_catalog.iloc[0])
    encoded = json.loads(re.search(r'pos2Decode\(("(?:[^"\\]|\\.)*"), 5\)', html).group(1))
    drawn = decode_polyline(encoded, 5)
    measured = np.asarray(measured_catalog.geometry.iloc[0].coords)
    assert drawn.shape == measured.shape
    np.testing.assert_allclose(drawn, measured, atol=0.5e-5 + 1e-12)
    assert '"className":"route route-pos2-mongolia"' in html
    assert '"dashArray":null' in html.split("L.polyline(")[1].split(");")[0]  # options are solid


def test_route_layer__references_are_dashed(records, measured_catalog):
    index = next(i for i, r in enumerate(records) if r["kind"] == "reference")
    assert '"dashArray":"10 7"' in _render(records[index], measured_catalog.iloc[index])


def test_route_layer__crossings_and_posts(records, measured_catalog):
    html = _render(records[0], measured_catalog.iloc[0])
    assert "RUS → MNG at km 3,618.1" in html
    assert '"km 100"' in html and '"km 5,000"' in html


def test_tooltip_and_popup__same_numbers_as_compare(records):
    record = records[0]
    tooltip, popup = route_tooltip(record), route_popup(record)
    for iso, value in record["countries"].items():
        assert f"{iso} {km(value)}" in tooltip
        assert f"in {iso}</th><td>{km(value)} km" in popup
    assert f"{km(record['length_km'])} km" in tooltip and f"{km(record['length_km'])} km (geodesic" in popup
    assert "published 962.9 km" in popup


def test_popup__escapes_data(records):
    record = {**records[0], "name": "<img src=x onerror=alert(1)>", "status": "`${x}`"}
    popup = route_popup(record)
    assert "<img" not in popup and "&lt;img src=x onerror=alert(1)&gt;" in popup
    assert "`" not in popup and "${" not in popup
