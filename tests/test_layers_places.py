"""Tests for layers.places."""

from __future__ import annotations

import folium

from geo.catalog import load_places
from layers.encoding import script_json
from layers.places import place_layers
from layers.style import PLACE_STYLE, text
from tests.conftest import PLACES_PATH


def test_place_layers__one_per_category_every_place():
    places = load_places(PLACES_PATH)
    layers = place_layers(places)
    assert [layer.layer_name for layer in layers] == [PLACE_STYLE[c][0] for c in PLACE_STYLE if c in set(places["category"])]
    m = folium.Map()
    for layer in layers:
        layer.add_to(m)
    html = m.get_root().render()
    for name in places["name"]:
        # as the page's JSON writes it: HTML-escaped, then JSON-escaped
        assert script_json(text(name))[1:-1] in html
