"""Tests for layers.places."""

from __future__ import annotations

import folium

from geo.catalog import load_places
from layers.controls import legend
from layers.encoding import script_json
from layers.places import place_layers
from layers.style import PLACE_SHAPES, PLACE_STYLE, ROUTE_PALETTE, text
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


def test_place_style__shapes_and_inks_no_route_uses():
    """Oracle: the route palette and the round route markers (crossings, km posts, ends) -- a place
    must not look like a route: its fill is no route colour and its shape is not a circle."""
    fills = {colour.lower() for _, colour, _ in PLACE_STYLE.values()}
    assert not fills & {colour.lower() for colour in ROUTE_PALETTE}
    assert {shape for _, _, shape in PLACE_STYLE.values()} <= set(PLACE_SHAPES)


def test_place_layers__drawn_as_shapes_and_shown_so_in_the_legend():
    places = load_places(PLACES_PATH)
    m = folium.Map()
    for layer in place_layers(places):
        layer.add_to(m)
    html = m.get_root().render()
    assert '"shape":"triangle"' in html and '"shape":"diamond"' in html and '"shape":"square"' in html
    assert "pos2ShapeMarker" in html and "ctx.rect(" in html
    body = legend([], places=True).inner_html
    assert body.count("<polygon") == len(PLACE_STYLE) and "<circle" not in body.split("Gas fields")[0][-300:]
