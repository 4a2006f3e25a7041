"""Geodesic arithmetic on the WGS84 ellipsoid, vectorised over many lines.

Every length in this project comes from :data:`WGS84`
(``pyproj.Geod(ellps="WGS84")``, Karney's algorithms, accurate to a few
nanometres). A segment between two vertices is the geodesic between them,
never a straight line in degrees or in Web Mercator.

Lines are passed around as *flat arrays*: all vertices of all lines stacked
in ``lon`` and ``lat`` arrays, and ``starts``, the index of each line's first
vertex (as in ``shapely.get_coordinates(..., return_index=True)``). This lets
one call to pyproj handle ten thousand routes at once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")
"""The WGS84 ellipsoid used for every length."""

DEFAULT_MAX_SEGMENT_M = 10_000.0
"""Default densification spacing: no drawn or overlaid segment is longer."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def segment_mask(starts: IntArray, n_vertices: int) -> NDArray[np.bool_]:
    """Return, for each vertex but the last, whether it starts a segment.

    A vertex that is the last of its line does not start a segment (the next
    vertex belongs to the next line).

    Parameters
    ----------
    starts
        Index of the first vertex of each line, increasing.
    n_vertices
        Total number of vertices.

    Returns
    -------
    mask
        Boolean array of length ``n_vertices - 1``.
    """
    mask = np.ones(max(n_vertices - 1, 0), dtype=bool)
    last_of_line = np.asarray(starts[1:], dtype=np.int64) - 1
    mask[last_of_line] = False
    return mask


def segment_lengths_m(lon: FloatArray, lat: FloatArray, starts: IntArray) -> FloatArray:
    """Return the geodesic length of every segment, 0 between two lines.

    Parameters
    ----------
    lon, lat
        Vertex coordinates in degrees, all lines stacked.
    starts
        Index of the first vertex of each line.

    Returns
    -------
    length_m
        Array of length ``len(lon) - 1``: metres from vertex ``i`` to ``i + 1``,
        or 0 where vertex ``i`` ends a line.

    Examples
    --------
    One degree of longitude on the equator:

    >>> import numpy as np
    >>> segment_lengths_m(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([0])).round(2)
    array([111319.49])
    """
    if len(lon) < 2:
        return np.zeros(0)
    _, _, dist = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.where(segment_mask(starts, len(lon)), dist, 0.0)


def densified_vertex_count(lon: FloatArray, lat: FloatArray, starts: IntArray, *, max_segment_m: float) -> int:
    """Return how many vertices :func:`densify` would make, without making them.

    Parameters
    ----------
    lon, lat, starts
        As for :func:`densify`.
    max_segment_m
        Longest allowed segment, metres.

    Returns
    -------
    count
        The number of densified vertices (for checking a budget up front).
    """
    dist = segment_lengths_m(lon, lat, starts)
    return int(len(lon) + np.maximum(np.ceil(dist / max_segment_m) - 1, 0).sum())


def densify(
    lon: FloatArray,
    lat: FloatArray,
    starts: IntArray,
    *,
    max_segment_m: float = DEFAULT_MAX_SEGMENT_M,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray, FloatArray]:
    """Insert points along each geodesic segment so none is longer than a spacing.

    Each segment is cut into ``ceil(length / max_segment_m)`` pieces of equal
    geodesic length. The new points lie on the geodesic, so the densified
    line has the same geodesic length as the original and its straight
    pieces (in any map projection) follow the measured path.

    Parameters
    ----------
    lon, lat
        Vertex coordinates in degrees, all lines stacked.
    starts
        Index of the first vertex of each line.
    max_segment_m
        Longest allowed segment, metres.

    Returns
    -------
    lon, lat
        Densified coordinates; every original vertex is kept exactly.
    starts
        First-vertex index of each densified line.
    original_index
        For each original vertex, its index in the densified arrays.
    segment_m
        Geodesic length of every densified segment (``len(lon) - 1`` values,
        0 between two lines): the pieces of one original segment each have
        its length divided by their number, since they lie on its geodesic.
    """
    if not max_segment_m > 0:
        msg = f"max_segment_m must be a positive number of metres, got {max_segment_m!r}"
        raise ValueError(msg)
    n_vertices = len(lon)
    if n_vertices < 2:
        return lon.copy(), lat.copy(), starts.copy(), np.arange(n_vertices), np.zeros(0)
    az, _, dist = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    is_segment = segment_mask(starts, n_vertices)
    pieces = np.where(is_segment, np.maximum(np.ceil(dist / max_segment_m), 1), 0).astype(np.int64)
    # Every vertex emits itself plus (pieces - 1) interior points after it.
    emitted = np.ones(n_vertices, dtype=np.int64)
    emitted[:-1] += np.maximum(pieces - 1, 0)
    original_index = np.concatenate(([0], np.cumsum(emitted)[:-1]))
    total = int(emitted.sum())
    owner = np.repeat(np.arange(n_vertices), emitted)
    step = np.arange(total) - original_index[owner]  # 0 at the original vertex
    interior = step > 0
    seg = owner[interior]
    frac = step[interior] / pieces[seg]
    new_lon = np.asarray(lon, dtype=np.float64)[owner]
    new_lat = np.asarray(lat, dtype=np.float64)[owner]
    if interior.any():
        ilon, ilat, _ = WGS84.fwd(lon[seg], lat[seg], az[seg], dist[seg] * frac)
        new_lon[interior] = ilon
        new_lat[interior] = ilat
    piece_m = np.where(is_segment, dist / np.maximum(pieces, 1), 0.0)
    return new_lon, new_lat, original_index[starts], original_index, piece_m[owner[:-1]]


def points_along_m(
    lon: FloatArray,
    lat: FloatArray,
    cum_m: FloatArray,
    targets_m: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Locate points at given distances along stacked lines.

    Parameters
    ----------
    lon, lat
        Vertex coordinates in degrees.
    cum_m
        Non-decreasing cumulative geodesic distance at each vertex.
    targets_m
        Distances on the same scale as ``cum_m``.

    Returns
    -------
    lon, lat
        Coordinates of the points, on the geodesic of their segment.
    segment
        Index of the vertex that starts each point's segment.
    """
    seg = np.searchsorted(cum_m, targets_m, side="right") - 1
    seg = np.clip(seg, 0, len(lon) - 2)
    az, _, _ = WGS84.inv(lon[seg], lat[seg], lon[seg + 1], lat[seg + 1])
    plon, plat, _ = WGS84.fwd(lon[seg], lat[seg], az, targets_m - cum_m[seg])
    return np.asarray(plon), np.asarray(plat), seg


def offset_geodesic(
    start_lonlat: tuple[float, float],
    end_lonlat: tuple[float, float],
    *,
    offset_m: float,
    max_segment_m: float = DEFAULT_MAX_SEGMENT_M,
) -> FloatArray:
    """Return a line that follows a geodesic, bowed sideways in the middle.

    Two flows between the same places drawn with offsets of opposite sign
    stay apart and still start and end at the places. The sideways shift is
    ``offset_m * sin(pi * t)`` at fraction ``t`` of the way, to the right of
    the direction of travel for a positive offset.

    Parameters
    ----------
    start_lonlat, end_lonlat
        The two ends, lon/lat degrees.
    offset_m
        Shift at the middle, metres (negative: to the left).
    max_segment_m
        Spacing of the vertices along the geodesic, metres.

    Returns
    -------
    lonlat
        Array of shape (n, 2).
    """
    lon, lat, _, _, _ = densify(
        np.array([start_lonlat[0], end_lonlat[0]], dtype=float),
        np.array([start_lonlat[1], end_lonlat[1]], dtype=float),
        np.array([0]),
        max_segment_m=max_segment_m,
    )
    t = np.linspace(0.0, 1.0, len(lon))
    # The direction of travel at each vertex itself (not at the one before: over a 10 km piece the
    # heading turns by up to about 0.1 degree, which slid a 120 km shift by 150 m along the line).
    heading = np.empty(len(lon))
    heading[:-1], back_az, _ = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])  # towards the next vertex
    heading[-1] = back_az[-1] + 180.0  # the end: arriving from the vertex before
    shift = offset_m * np.sin(np.pi * t)
    slon, slat, _ = WGS84.fwd(lon, lat, heading + 90.0, shift)
    return np.column_stack([slon, slat])
