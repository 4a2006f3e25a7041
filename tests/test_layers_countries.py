"""Tests for layers.countries."""

from __future__ import annotations

import re

import folium

from geo.countries import load_countries
from layers.countries import countries_layer
from tests.conftest import DATA_DIR


def test_countries_layer__display_copy_not_in_layer_control():
    display = load_countries(DATA_DIR / "countries_display.geojson")
    m = folium.Map()
    layer = countries_layer(display).add_to(m)
    html = m.get_root().render()
    assert layer.control is False
    assert html.count('"iso3": ') == len(display)
    decimals = {len(d) for d in re.findall(r"-?\d+\.(\d+)", html.split(layer.get_name() + "_add(")[1][:200_000])}
    assert max(decimals) <= 5
