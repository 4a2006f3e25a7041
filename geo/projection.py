"""The study-area projection for Siberia, Mongolia, Central Asia and China.

:data:`STUDY_CRS` is an equidistant conic on WGS84 with standard parallels
44 N and 56 N, central meridian 95 E and origin 50 N. Distances along every
meridian are true; along parallels the scale is -0.55 % at 50 N, +0.9 % at
40 N and 60 N, and grows towards the edges of the box (+4.6 % at 30 N,
+8.9 % at 70 N). The parallels were chosen so that the planar length of
every catalog route stays within 0.5 % of its geodesic length (0.4 % at
worst; tests check every route), which makes the projection fine for
drawing and rough planar work.
Reported lengths always come from the ellipsoid (:mod:`geo.geodesic`).
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer

from geo.geodesic import FloatArray, IntArray, segment_mask

STUDY_PROJ4 = "+proj=eqdc +lat_0=50 +lon_0=95 +lat_1=44 +lat_2=56 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
"""PROJ definition of :data:`STUDY_CRS`."""
STUDY_CRS = CRS.from_proj4(STUDY_PROJ4)
"""Equidistant conic for the study area (metres)."""



@cache
def _to_study() -> Transformer:
    # Made on first use: building a transformer costs as much as measuring a route.
    return Transformer.from_crs("EPSG:4326", STUDY_CRS, always_xy=True)


def project_routes(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a GeoDataFrame in the study-area projection.

    Parameters
    ----------
    routes
        Any GeoDataFrame with a CRS (usually EPSG:4326 lon/lat).

    Returns
    -------
    routes_proj
        The same rows in :data:`STUDY_CRS`, metres.
    """
    if routes.crs is None:
        msg = "the GeoDataFrame has no CRS; set it (EPSG:4326 for lon/lat) before projecting"
        raise ValueError(msg)
    return routes.to_crs(STUDY_CRS)


def planar_lengths_m(lon: FloatArray, lat: FloatArray, starts: IntArray, owner: IntArray, n_lines: int) -> FloatArray:
    """Return the length of each line in the study-area projection.

    Parameters
    ----------
    lon, lat
        Vertex coordinates in degrees, all lines stacked.
    starts
        Index of the first vertex of each part.
    owner
        For each part, the index of the line it belongs to.
    n_lines
        Number of lines.

    Returns
    -------
    length_m
        Sum of straight segment lengths in :data:`STUDY_CRS` per line, metres.
    """
    x, y = _to_study().transform(lon, lat)
    seg = np.hypot(np.diff(x), np.diff(y)) * segment_mask(starts, len(lon))
    part_of_vertex = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(lon)]))
    line_of_segment = owner[part_of_vertex[:-1]]
    return np.bincount(line_of_segment, weights=seg, minlength=n_lines)


@cache
def _from_study() -> Transformer:
    return Transformer.from_crs(STUDY_CRS, "EPSG:4326", always_xy=True)


def to_study(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Project lon/lat degrees to :data:`STUDY_CRS` metres (x, y)."""
    return _to_study().transform(lon, lat)


def from_study(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return lon/lat degrees of :data:`STUDY_CRS` coordinates."""
    return _from_study().transform(x, y)
