"""Tests for layers.style."""

from __future__ import annotations

import doctest

import layers.style
from layers.style import ROUTE_PALETTE, route_colours, text


def test_doctests():
    assert doctest.testmod(layers.style).failed == 0


def test_route_colours__distinct_for_ten_routes():
    colours = route_colours([f"r{i}" for i in range(10)])
    assert len(set(colours.values())) == 10 == len(ROUTE_PALETTE)


def test_text__neutralises_html_and_template_literals():
    escaped = text("</script><img src=x onerror=alert(1)>${alert(2)}`")
    assert "<" not in escaped and ">" not in escaped and "`" not in escaped and "$" not in escaped
