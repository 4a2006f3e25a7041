"""As-built length estimates for routes, their published segments and their basis paths.

:mod:`geo.asbuilt` estimates one line; this module applies it to what
``compare`` reports. Each route gets one set of Monte Carlo samples (its
own seed, from its id, so runs repeat and routes do not share their random
draws); a published segment and a stretch of a basis path are sums of those
samples over their segments, so every band of a route is drawn from the
same samples and the parts add up. A segment of a traced line (its
``geometry_source`` is ``"trace"``) is taken as built: factor 1 with the
model's small spread; the parts a traced route runs on beyond its trace are
estimated like any waypoint line. A route read from a file without graded
waypoints (GeoJSON, GeoPackage, KML) gets no position noise, only the
routing factor.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from geo.asbuilt import GRADES, AsBuilt, RoutingModel, as_built
from geo.countries import CountryIndex
from geo.elevation import ElevationGrid
from geo.geodesic import DEFAULT_MAX_SEGMENT_M, WGS84
from geo.measure import measure_routes
from geo.network import BasisPath, ResolvedNetwork, route_vertices

DEFAULT_SAMPLES = 2000
"""Monte Carlo samples per line (the band's quantiles move by < 0.1 % between seeds)."""


def seed_of(label: str) -> int:
    """A stable seed for a line: CRC-32 of its id (the same every run, different between lines)."""
    return zlib.crc32(label.encode("utf-8"))


def route_as_built(
    route: Mapping[str, Any],
    *,
    model: RoutingModel,
    elevation: ElevationGrid,
    coverage: float = 0.9,
    samples: int = DEFAULT_SAMPLES,
) -> AsBuilt:
    """Monte Carlo samples of a route's as-built length, segment by segment.

    Parameters
    ----------
    route
        A row of :func:`geo.catalog.read_routes` (traced rows as made by
        :func:`geo.catalog.apply_traces`).
    model, elevation
        From :func:`geo.asbuilt.load_routing_model` and
        :func:`geo.elevation.load_elevation`.
    coverage, samples
        As for :func:`geo.asbuilt.as_built`; the seed is :func:`seed_of` the id.

    Returns
    -------
    as_built
        Samples of shape (samples, segments of the route's line).
    """
    lonlat, vertex = route_vertices(route)
    seed = seed_of(str(route["id"]))
    options = {"model": model, "elevation": elevation, "coverage": coverage, "samples": samples}
    if route.get("geometry_source") != "trace":
        return as_built(lonlat, grades=_grades(route, vertex, len(lonlat)), seed=seed, **options)
    on_trace = [i for i, w in enumerate(route["waypoints"]) if not w.get("off_trace")]
    first, last = vertex[on_trace[0]], vertex[on_trace[-1]]
    parts = []
    for offset, (a, b, traced) in enumerate(((0, first, False), (first, last, True), (last, len(lonlat) - 1, False))):
        if b > a:
            parts.append(as_built(lonlat[a : b + 1], traced=traced, seed=seed + offset, **options))
    return AsBuilt.joined(parts, coverage)


def _grades(route: Mapping[str, Any], vertex: Sequence[int], n_vertices: int) -> list[tuple[str, str]] | None:
    """Per-vertex (coord_conf, route_conf) when every vertex is a graded waypoint, else None."""
    waypoints = route["waypoints"]
    if list(vertex) != list(range(n_vertices)) or len(waypoints) != n_vertices:
        return None
    grades = [(w.get("coord_conf"), w.get("route_conf")) for w in waypoints]
    return grades if all(c in GRADES and r in GRADES for c, r in grades) else None  # type: ignore[misc]


def band(samples_m: NDArray[np.float64], coverage: float) -> dict[str, float]:
    """The median and the central ``coverage`` interval of summed samples, km to 0.1."""
    low, mid, high = np.quantile(samples_m, [(1 - coverage) / 2, 0.5, (1 + coverage) / 2])
    return {"estimate": _km(mid), "low": _km(low), "high": _km(high), "coverage": float(coverage)}


def _km(metres: float) -> float:
    return float(round(float(metres) / 1000.0, 1))


def segment_bands(
    route: Mapping[str, Any],
    estimate: AsBuilt,
    countries: CountryIndex,
) -> list[dict[str, float] | None]:
    """The as-built band of each published segment of a route.

    A segment between two waypoints sums the samples of the segments
    between them; a segment of the km in one country weights each segment's
    samples by the share of it inside that country (measured on the same
    boundaries as the route).

    Parameters
    ----------
    route
        A row of :func:`geo.catalog.read_routes`.
    estimate
        :func:`route_as_built` of the route.
    countries
        Indexed boundaries.

    Returns
    -------
    bands
        One per entry of ``route["segments"]``, in order.
    """
    segments = route["segments"]
    if not segments:
        return []
    lonlat, vertex = route_vertices(route)
    names = [w["name"] for w in route["waypoints"]]
    shares = _country_shares(lonlat, countries) if any("country" in s for s in segments) else None
    out: list[dict[str, float] | None] = []
    for segment in segments:
        if "country" in segment:
            assert shares is not None
            weights = np.array([share.get(segment["country"], 0.0) for share in shares])
            out.append(band(estimate.weighted_m(weights), estimate.coverage))
        else:
            i, j = vertex[names.index(segment["from"])], vertex[names.index(segment["to"])]
            out.append(band(estimate.span_m(i, j), estimate.coverage))
    return out


def _country_shares(lonlat: NDArray[np.float64], countries: CountryIndex) -> list[dict[str, float]]:
    """For each segment of a line, the share of its length in each country.

    A segment shorter than the measurement's densifying step is measured as
    the straight lon/lat segment; one of those that touches no border or
    coast lies wholly in the country of its start (share 1). The others are
    measured as their own lines (a traced line of 1,749 segments: 0.1 s ->
    0.02 s).
    """
    lines = shapely.linestrings(np.stack([lonlat[:-1], lonlat[1:]], axis=1))
    _, _, length_m = WGS84.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
    touching = np.zeros(len(lines), dtype=bool)
    touching[countries.boundary_tree.query(lines, predicate="intersects")[0]] = True
    plain = (np.asarray(length_m) < DEFAULT_MAX_SEGMENT_M) & (np.asarray(length_m) > 0) & ~touching
    country = countries.country_of(shapely.points(lonlat[:-1][plain]))
    shares: list[dict[str, float]] = [{} for _ in lines]
    for k, iso in zip(np.flatnonzero(plain), country, strict=True):
        shares[k] = {str(iso): 1.0}
    rest = np.flatnonzero(~plain)
    if len(rest):
        measured = measure_routes(gpd.GeoDataFrame(geometry=lines[rest], crs="EPSG:4326"), countries)
        for k, by_country, length in zip(rest, measured["country_m"], measured["length_m"], strict=True):
            shares[k] = {iso: m / length for iso, m in by_country.items()} if length > 0 else {}
    return shares


def path_band(
    path: BasisPath,
    estimates: Mapping[str, AsBuilt],
    resolved: ResolvedNetwork,
    *,
    catalog: Mapping[str, Mapping[str, Any]],
    model: RoutingModel,
    elevation: ElevationGrid,
    leg_cache: dict[str, AsBuilt],
    coverage: float = 0.9,
    samples: int = DEFAULT_SAMPLES,
) -> dict[str, float] | None:
    """The as-built band of a basis path: its own stretches and its legs, sample by sample.

    Parameters
    ----------
    path
        From :func:`geo.network.basis_paths`; None is returned for a path
        with no pieces.
    estimates
        :func:`route_as_built` by route id, for the route the path runs on.
    resolved
        The network with its legs' geometry.
    catalog
        Catalog rows by id: a leg on a traced route is estimated as built.
    model, elevation, coverage, samples
        As for :func:`route_as_built`.
    leg_cache
        Estimates of legs by id, filled as legs are met (a leg is estimated
        once per run, whichever paths use it).

    Returns
    -------
    band
        ``{"estimate", "low", "high", "coverage"}`` in km.
    """
    if not path.pieces:
        return None
    total = np.zeros(samples)
    for piece in path.pieces:
        if piece.vertices is not None and piece.route is not None:
            first, last = piece.vertices
            total += estimates[piece.route].span_m(first, last) + piece.join_m  # joins as drawn
            continue
        leg = next(leg for leg in resolved.network.legs if leg.id == piece.label)
        if leg.id not in leg_cache:
            traced = leg.route is not None and catalog.get(leg.route, {}).get("geometry_source") == "trace"
            leg_cache[leg.id] = as_built(
                resolved.leg_lonlat[leg.id], model=model, elevation=elevation, traced=traced,
                coverage=coverage, samples=samples, seed=seed_of(leg.id),
            )  # fmt: skip
        total += leg_cache[leg.id].span_m(0, len(leg_cache[leg.id].measured_m))
    return band(total, coverage)


def estimate_records(
    routes: gpd.GeoDataFrame,
    paths: Sequence[BasisPath],
    resolved: ResolvedNetwork,
    countries: CountryIndex,
    *,
    catalog: gpd.GeoDataFrame,
    model: RoutingModel,
    elevation: ElevationGrid,
    coverage: float = 0.9,
    samples: int = DEFAULT_SAMPLES,
    max_vertices: int | None = None,
) -> list[dict[str, Any] | None]:
    """The as-built bands of every route, its published segments and its basis path.

    Parameters
    ----------
    routes
        Routes as read by :func:`geo.catalog.read_routes`.
    paths
        :func:`geo.network.basis_paths` of the same routes.
    resolved, countries
        The network with its legs, and the indexed boundaries.
    catalog
        The catalog the network's legs run on.
    model, elevation, coverage, samples
        As for :func:`route_as_built`.
    max_vertices
        Routes with more vertices get None (the samples of one route take
        about 50 bytes x samples x vertices); None: no limit.

    Returns
    -------
    estimates
        Per route: ``{"as_built_km": band, "segments": [band, ...],
        "basis": band or None}``, bands as :func:`band`; None for a route
        over ``max_vertices``.
    """
    by_id = {str(route["id"]): route for _, route in catalog.iterrows()}
    options = {"model": model, "elevation": elevation, "coverage": coverage, "samples": samples}
    legs: dict[str, AsBuilt] = {}
    out: list[dict[str, Any] | None] = []
    for (_, route), path in zip(routes.iterrows(), paths, strict=True):
        if max_vertices is not None and shapely.get_num_coordinates(route["geometry"]) > max_vertices:
            out.append(None)
            continue
        # One route's samples at a time: (samples x segments) floats, dropped after use.
        estimate = route_as_built(route, **options)
        own = {str(route["id"]): estimate}
        out.append(
            {
                "as_built_km": estimate.band(),
                "segments": segment_bands(route, estimate, countries),
                "basis": path_band(path, own, resolved, catalog=by_id, leg_cache=legs, **options),
            }
        )
    return out
