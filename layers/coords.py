"""The one place where lon/lat turns into Leaflet's lat/lon."""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from layers.style import COORD_DECIMALS


def latlon_parts(geometry: shapely.Geometry) -> list[list[list[float]]]:
    """Return the parts of a (Multi)LineString as ``[[lat, lon], ...]`` lists.

    Parameters
    ----------
    geometry
        A LineString or MultiLineString in lon/lat.

    Returns
    -------
    parts
        One list of ``[lat, lon]`` pairs per part, rounded to
        :data:`layers.style.COORD_DECIMALS`.
    """
    return [
        [[round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)] for lon, lat in shapely.get_coordinates(part)]
        for part in shapely.get_parts(geometry)
    ]


def latlon(lon: float, lat: float) -> list[float]:
    """Return ``[lat, lon]`` rounded for Leaflet from a lon/lat pair."""
    return [round(float(lat), COORD_DECIMALS), round(float(lon), COORD_DECIMALS)]


def latlon_bounds(geometry: shapely.Geometry | Sequence[shapely.Geometry]) -> list[list[float]]:
    """Return Leaflet bounds ``[[south, west], [north, east]]`` of one or more geometries."""
    west, south, east, north = shapely.total_bounds(geometry)
    return [latlon(west, south), latlon(east, north)]
