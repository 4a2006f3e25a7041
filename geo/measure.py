"""Measure routes: geodesic length, km per country, border crossings, km posts.

:func:`measure_routes` is the one entry point. It densifies every route along
WGS84 geodesics (so the straight pieces it overlays, and that the maps draw,
lie on the measured line), then works on all routes at once:

1. segment lengths from one vectorised ``Geod.inv`` call;
2. the points where routes meet a border or coast, from an STRtree of the
   noded boundary lines (:class:`geo.countries.CountryIndex`);
3. the stretches between those points, each given to the country that holds
   its midpoint, or to :data:`geo.countries.NO_COUNTRY`;
4. kilometre posts, chord, detour ratio and the planar length in the study
   projection.

Only the few segments that touch a boundary are intersected; everything
else is array arithmetic. ``benchmarks/bench_measure.py`` compares this with
``geopandas.overlay`` + ``Geod.geometry_length``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.countries import NOT_A_COUNTRY, CountryIndex
from geo.geodesic import DEFAULT_MAX_SEGMENT_M, WGS84, densify, points_along_m, segment_mask
from geo.projection import planar_lengths_m

DEFAULT_POST_SPACING_M = 100_000.0
"""Default spacing of kilometre posts."""
_PIECE_VERTICES = 16  # routes are queried against the boundaries in pieces this long
_SAME_POINT_DEG = 1e-9  # crossings closer than this along a line are one crossing

MEASURE_COLUMNS = [
    "length_m",
    "planar_length_m",
    "chord_m",
    "detour_ratio",
    "country_m",
    "crossings",
    "km_posts",
    "waypoint_m",
]


def measure_routes(
    routes: gpd.GeoDataFrame,
    countries: CountryIndex,
    *,
    max_segment_m: float = DEFAULT_MAX_SEGMENT_M,
    post_spacing_m: float = DEFAULT_POST_SPACING_M,
) -> gpd.GeoDataFrame:
    """Measure every route on the WGS84 ellipsoid against country boundaries.

    Parameters
    ----------
    routes
        LineString or MultiLineString routes in EPSG:4326 (lon/lat). The
        parts of a MultiLineString are measured in order, end to end.
    countries
        Indexed boundaries from :func:`geo.countries.build_country_index`.
    max_segment_m
        Densification spacing along geodesics, metres.
    post_spacing_m
        Distance between kilometre posts, metres.

    Returns
    -------
    measured
        A new GeoDataFrame on the index of ``routes`` whose geometry is the
        densified line (what is drawn is what was measured) and with columns

        ``length_m``
            Geodesic length, metres.
        ``planar_length_m``
            Length in :data:`geo.projection.STUDY_CRS`, metres.
        ``chord_m``, ``detour_ratio``
            Geodesic distance between the two ends; ``length_m / chord_m``.
        ``country_m``
            ``{iso3: metres}``, with :data:`geo.countries.NO_COUNTRY` for
            length in no country (water) and :data:`geo.countries.OUTSIDE`
            for length outside the boundary extract; sums to ``length_m``.
        ``crossings``
            ``[{"from", "to", "lon", "lat", "m"}]`` where the route passes from
            one country into another (a stretch in no country or outside the
            extract between them does not hide the crossing; it is placed
            where the next country begins), ``m`` from the start.
        ``km_posts``
            Array of shape (n, 3): metres from the start, lon, lat of a post
            every ``post_spacing_m``.
        ``waypoint_m``
            Array: distance from the start to each waypoint, metres: to the
            vertices listed in the column ``waypoint_vertex`` of ``routes``
            (indices into the vertices of all parts in order; see
            :data:`geo.readers.common.ROUTE_COLUMNS`), or to every input
            vertex where there is no such column or it holds None.
    """
    if routes.crs is None or not routes.crs.equals("EPSG:4326"):
        msg = f"routes must be in EPSG:4326 (lon/lat), got {routes.crs}; use routes.to_crs(4326)"
        raise ValueError(msg)
    if not post_spacing_m > 0:
        msg = f"post_spacing_m must be a positive number of metres, got {post_spacing_m!r}"
        raise ValueError(msg)
    n_routes = len(routes)
    parts = shapely.get_parts(routes.geometry.values, return_index=True)
    part_geoms, part_owner = parts[0], np.asarray(parts[1], dtype=np.int64)
    original_owner = part_owner
    coords, vertex_part = shapely.get_coordinates(part_geoms, return_index=True)
    part_starts = np.flatnonzero(np.r_[True, vertex_part[1:] != vertex_part[:-1]])
    lon, lat, starts, original_index, seg_m = densify(
        coords[:, 0], coords[:, 1], part_starts, max_segment_m=max_segment_m
    )
    lon, lat, starts, original_index, seg_m, split_from = _split_at_antimeridian(lon, lat, starts, original_index, seg_m)
    part_owner = part_owner[split_from]
    n_vertices = len(lon)
    part_of_vertex = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n_vertices]))
    route_of_vertex = part_owner[part_of_vertex]

    cum_all = np.r_[0.0, np.cumsum(seg_m)]  # non-decreasing over every vertex
    route_first = np.searchsorted(route_of_vertex, np.arange(n_routes))
    route_last = np.r_[route_first[1:], n_vertices] - 1
    route_start_m = cum_all[route_first]
    length_m = cum_all[route_last] - route_start_m

    runs = _runs(lon, lat, starts, cum_all, countries)
    runs["route"] = part_owner[runs["part"].to_numpy()]
    runs["m"] = runs["start_m"] - route_start_m[runs["route"].to_numpy()]

    _, _, chord_m = WGS84.inv(lon[route_first], lat[route_first], lon[route_last], lat[route_last])
    chord_m = np.asarray(chord_m, dtype=float)
    planar_m = planar_lengths_m(lon, lat, starts, part_owner, n_routes)

    country_m = _country_lengths(runs, n_routes)
    crossings = _crossings(runs, n_routes)
    posts = _km_posts(lon, lat, cum_all, route_start_m, length_m, post_spacing_m)
    vertex_route = original_owner[vertex_part]
    waypoint_m = cum_all[original_index] - route_start_m[vertex_route]
    per_route = np.bincount(vertex_route, minlength=n_routes)
    waypoints = np.split(waypoint_m, np.cumsum(per_route)[:-1])
    if "waypoint_vertex" in routes.columns:  # waypoints are these vertices (a traced line has more vertices)
        waypoints = [
            along if vertex is None or vertex == range(len(along)) else along[np.asarray(vertex, dtype=np.int64)]
            for along, vertex in zip(waypoints, routes["waypoint_vertex"], strict=True)
        ]

    dense_parts = shapely.linestrings(np.column_stack([lon, lat]), indices=part_of_vertex)
    densified = shapely.multilinestrings(dense_parts, indices=part_owner)
    densified = np.where(
        shapely.get_num_geometries(densified) == 1, shapely.get_geometry(densified, 0), densified
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        detour = np.where(chord_m > 0, length_m / chord_m, np.nan)
    result = pd.DataFrame(
        {
            "length_m": length_m,
            "planar_length_m": planar_m,
            "chord_m": chord_m,
            "detour_ratio": detour,
            "country_m": country_m,
            "crossings": crossings,
            "km_posts": posts,
            "waypoint_m": waypoints,
        },
        index=routes.index,
    )
    measured = gpd.GeoDataFrame(result, geometry=densified, crs="EPSG:4326")
    return measured


def _split_at_antimeridian(
    lon: np.ndarray, lat: np.ndarray, starts: np.ndarray, original_index: np.ndarray, seg_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut every segment that crosses 180 degrees into two parts meeting at +-180.

    A segment crosses when its ends are more than 180 degrees of longitude
    apart (the geodesic takes the short way round). Its crossing latitude is
    interpolated in unwrapped longitude, which on a densified segment of
    10 km lies within a few metres of the geodesic (3.8 m at 50 N, more
    near the pole); the two pieces get
    the segment's length in proportion, so the route's length is unchanged,
    and the overlay never sees a piece spanning the whole map.

    Returns the new ``lon, lat, starts, original_index, seg_m`` and, for each
    new part, the old part it was cut from.
    """
    n_vertices = len(lon)
    is_segment = segment_mask(starts, n_vertices)
    lon = _edge_to_neighbour_side(lon, is_segment)
    cross = np.flatnonzero(is_segment & (np.abs(np.diff(lon)) > 180.0))
    if len(cross) == 0:
        return lon, lat, starts, original_index, seg_m, np.arange(len(starts))
    lon0, lat0, lon1, lat1 = lon[cross], lat[cross], lon[cross + 1], lat[cross + 1]
    edge = np.where(lon0 > 0, 180.0, -180.0)  # the side the segment leaves from
    unwrapped = lon1 + 2 * edge  # lon1 on the far side of the edge
    span = unwrapped - lon0
    t = np.divide(edge - lon0, span, out=np.zeros(len(cross)), where=span != 0)  # 0: from 180 to -180 itself
    cross_lat = lat0 + t * (lat1 - lat0)
    at = np.repeat(cross + 1, 2)
    lon = np.insert(lon, at, np.column_stack([edge, -edge]).ravel())
    lat = np.insert(lat, at, np.repeat(cross_lat, 2))
    length = seg_m[cross]
    seg_m = seg_m.copy()
    seg_m[cross] = t * length
    seg_m = np.insert(seg_m, np.repeat(cross + 1, 2), np.column_stack([np.zeros(len(cross)), (1 - t) * length]).ravel())
    shift = 2 * np.searchsorted(cross, np.arange(n_vertices), side="left")  # vertices inserted before each old one
    new_starts = np.sort(np.r_[starts + shift[starts], cross + 2 + 2 * np.arange(len(cross))])
    old_of_new = np.searchsorted(starts + shift[starts], new_starts, side="right") - 1
    return lon, lat, new_starts, original_index + shift[original_index], seg_m, old_of_new


def _edge_to_neighbour_side(lon: np.ndarray, is_segment: np.ndarray) -> np.ndarray:
    """Write a vertex on 180 degrees with the sign of its neighbour (the one before it, else after).

    180 and -180 are one meridian; a line from (180, 50) to (-179, 50) would
    otherwise be cut at its own first vertex, leaving a part of no length.
    """
    edge = np.abs(lon) == 180.0
    if not edge.any():
        return lon
    before = np.r_[np.nan, np.where(is_segment, lon[:-1], np.nan)]  # the previous vertex of the same part
    after = np.r_[np.where(is_segment, lon[1:], np.nan), np.nan]
    before[np.r_[False, edge[:-1]]] = np.nan  # a neighbour on the edge says nothing
    after[np.r_[edge[1:], False]] = np.nan
    side = np.where(np.isnan(before), after, before)
    lon = lon.copy()
    lon[edge & (side < 0)] = -180.0
    lon[edge & (side > 0)] = 180.0
    return lon


def _runs(
    lon: np.ndarray,
    lat: np.ndarray,
    starts: np.ndarray,
    cum_all: np.ndarray,
    countries: CountryIndex,
) -> pd.DataFrame:
    """Split every part where it meets a boundary; one row per stretch.

    Returns a frame sorted along each part with ``part``, ``start_m`` and
    ``end_m`` (on the ``cum_all`` scale), ``lon``/``lat`` of the stretch's
    first point and ``iso3`` of the country holding its midpoint.
    """
    n_vertices = len(lon)
    ends = np.r_[starts[1:], n_vertices] - 1
    # Planar (degree) distance along the stacked parts, with a gap of 1 degree
    # between parts so the array strictly increases; it turns the results of
    # line_locate_point back into segments.
    step_deg = np.r_[0.0, np.hypot(np.diff(lon), np.diff(lat))]
    step_deg[starts[1:]] = 1.0
    cum_deg = np.cumsum(step_deg)
    part_start_deg = cum_deg[starts]

    # Query short pieces of the routes (small bounding boxes, few candidate
    # pairs), then the single segments of the pieces that were hit: a hit is
    # placed on its own segment, so a line that doubles back on itself (a spur,
    # a loop at a station) has each crossing on the leg that makes it.
    piece_first, piece_last = _pieces(starts, ends)
    piece_lines = _linestrings(lon, lat, piece_first, piece_last)
    hit_pieces = np.unique(countries.boundary_tree.query(piece_lines, predicate="intersects")[0])
    counts = piece_last[hit_pieces] - piece_first[hit_pieces]
    candidate = np.repeat(piece_first[hit_pieces], counts) + _ramp(counts)
    seg_lines = _linestrings(lon, lat, candidate, candidate + 1)
    seg_idx, chunk_idx = countries.boundary_tree.query(seg_lines, predicate="intersects")
    hits = shapely.intersection(seg_lines[seg_idx], countries.boundary_chunks[chunk_idx])
    hit_xy, hit_owner = shapely.get_coordinates(hits, return_index=True)
    seg = candidate[seg_idx[hit_owner]]
    hit_part = np.searchsorted(starts, seg, side="right") - 1
    along_deg = np.minimum(np.hypot(hit_xy[:, 0] - lon[seg], hit_xy[:, 1] - lat[seg]), step_deg[seg + 1])
    hit_pos = cum_deg[seg] + along_deg - part_start_deg[hit_part]
    _, _, from_vertex_m = WGS84.inv(lon[seg], lat[seg], hit_xy[:, 0], hit_xy[:, 1])
    hit_m = cum_all[seg] + np.asarray(from_vertex_m, dtype=float).reshape(-1)

    n_parts = len(starts)
    breaks = pd.DataFrame(
        {
            "part": np.r_[np.arange(n_parts), hit_part, np.arange(n_parts)],
            "pos": np.r_[np.zeros(n_parts), hit_pos, cum_deg[ends] - part_start_deg],
            "m": np.r_[cum_all[starts], hit_m, cum_all[ends]],
            "lon": np.r_[lon[starts], hit_xy[:, 0], lon[ends]],
            "lat": np.r_[lat[starts], hit_xy[:, 1], lat[ends]],
        }
    ).sort_values(["part", "pos"], kind="stable")
    b_part = breaks["part"].to_numpy()
    b_pos = breaks["pos"].to_numpy()
    b_m = breaks["m"].to_numpy()
    # A stretch runs from one break to the next on the same part; a crossing
    # found twice (in two touching chunks, or on a vertex) makes an empty
    # stretch, which is dropped.
    first = np.flatnonzero((b_part[1:] == b_part[:-1]) & (np.diff(b_pos) > _SAME_POINT_DEG))
    mid_part = b_part[first]
    mid = _interpolate(lon, lat, cum_deg, part_start_deg[mid_part] + (b_pos[first] + b_pos[first + 1]) / 2,
                       starts[mid_part], ends[mid_part])
    return pd.DataFrame(
        {
            "part": b_part[first],
            "start_m": b_m[first],
            "end_m": b_m[first + 1],
            "lon": breaks["lon"].to_numpy()[first],
            "lat": breaks["lat"].to_numpy()[first],
            "iso3": countries.country_of(mid),
        }
    )


def _segment_at(cum_deg: np.ndarray, position: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Index of the vertex starting the segment at each position, within a part."""
    seg = np.searchsorted(cum_deg, position, side="right") - 1
    return np.clip(seg, first, last - 1)


def _interpolate(
    lon: np.ndarray, lat: np.ndarray, cum_deg: np.ndarray, position: np.ndarray, first: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """Points at planar positions along the stacked parts (as line_interpolate_point)."""
    seg = _segment_at(cum_deg, position, first, last)
    t = (position - cum_deg[seg]) / (cum_deg[seg + 1] - cum_deg[seg])
    return shapely.points(lon[seg] + t * (lon[seg + 1] - lon[seg]), lat[seg] + t * (lat[seg + 1] - lat[seg]))


def _pieces(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut parts into pieces of at most _PIECE_VERTICES vertices (sharing ends).

    Returns each piece's first and last vertex, in order along the stacked parts.
    """
    step = _PIECE_VERTICES - 1
    n_pieces = np.maximum(np.ceil((ends - starts) / step), 1).astype(np.int64)
    piece_part = np.repeat(np.arange(len(starts)), n_pieces)
    first = starts[piece_part] + _ramp(n_pieces) * step
    last = np.minimum(first + step, ends[piece_part])
    return first, last


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n-1 for every n in ``counts``, concatenated."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _linestrings(lon: np.ndarray, lat: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """LineStrings through the vertices first..last (inclusive) of each pair."""
    counts = last - first + 1
    vertex = np.repeat(first, counts) + _ramp(counts)
    owner = np.repeat(np.arange(len(first)), counts)
    return shapely.linestrings(np.column_stack([lon[vertex], lat[vertex]]), indices=owner)


def _country_lengths(runs: pd.DataFrame, n_routes: int) -> list[dict[str, float]]:
    lengths = (runs["end_m"] - runs["start_m"]).groupby([runs["route"], runs["iso3"]]).sum()
    out: list[dict[str, float]] = [{} for _ in range(n_routes)]
    for (route, iso3), metres in lengths.items():
        out[int(route)][str(iso3)] = float(metres)
    return out


def _crossings(runs: pd.DataFrame, n_routes: int) -> list[list[dict[str, Any]]]:
    land = runs[~runs["iso3"].isin(NOT_A_COUNTRY)]
    previous = land.groupby("route")["iso3"].shift()
    changed = land[previous.notna() & (previous != land["iso3"])]
    out: list[list[dict[str, Any]]] = [[] for _ in range(n_routes)]
    for row, before in zip(changed.itertuples(index=False), previous[changed.index], strict=True):
        out[int(row.route)].append(
            {"from": before, "to": row.iso3, "lon": float(row.lon), "lat": float(row.lat), "m": float(row.m)}
        )
    return out


def _km_posts(
    lon: np.ndarray,
    lat: np.ndarray,
    cum_all: np.ndarray,
    route_start_m: np.ndarray,
    length_m: np.ndarray,
    spacing_m: float,
) -> list[np.ndarray]:
    counts = np.floor(length_m / spacing_m).astype(np.int64)
    counts[counts * spacing_m >= length_m] -= 1  # no post on the very end
    counts = np.maximum(counts, 0)
    route = np.repeat(np.arange(len(length_m)), counts)
    nth = _ramp(counts) + 1
    along = nth * spacing_m
    plon, plat, _ = points_along_m(lon, lat, cum_all, route_start_m[route] + along)
    table = np.column_stack([along, plon, plat])
    return np.split(table, np.cumsum(counts)[:-1])
