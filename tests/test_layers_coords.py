"""Tests for layers.coords: lon/lat in, Leaflet's lat/lon out."""

from __future__ import annotations

import shapely

from layers.coords import latlon, latlon_bounds, latlon_parts


def test_latlon__swaps_and_rounds():
    assert latlon(104.281234567, 52.291234567) == [52.29123, 104.28123]


def test_latlon_parts__multilinestring():
    parts = latlon_parts(shapely.MultiLineString([[(100, 50), (101, 51)], [(102, 52), (103, 53)]]))
    assert parts == [[[50, 100], [51, 101]], [[52, 102], [53, 103]]]


def test_latlon_bounds():
    assert latlon_bounds(shapely.LineString([(100, 50), (110, 40)])) == [[40, 100], [50, 110]]
