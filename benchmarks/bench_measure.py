"""Benchmark: `compare`'s measurement against the straightforward geopandas path.

    python benchmarks/bench_measure.py [--routes 10000] [--vertices 200] [--quick]

Both paths get the same synthetic routes: random walks of ``--vertices``
vertices with 15 km steps over the study area (seeded, so every run measures
the same data).

``measure_routes``
    The project's path, as ``make_maps.py compare`` runs it: densify along
    geodesics (10 km), find border and coast crossings, km per country,
    crossings, km posts, chord, planar length.
``overlay baseline``
    ``geopandas.overlay(routes, countries, how="intersection")`` on the
    already densified lines (their densification is not timed), then
    ``Geod.geometry_length`` per row, summed per route and country. The
    baseline densifies the routes itself, with ``pyproj.Geod.inv`` and
    ``Geod.fwd`` in this file (:func:`densify_along_geodesics`): it shares
    no code with ``geo/`` on its side, so a fault in the project's
    densification cannot hide by changing both sides alike. Only the inputs
    both sides get come from the project: the country polygons
    (``load_countries``).

Each path runs in its own process so its peak memory (max RSS) is its own.
After its clock stops, each side also reports the lines it measured; the
script checks that both saw the same lines (the same number of vertices per
route, every vertex within 1 cm of its counterpart, every route's geodesic
length within 1 cm), then that both give the same km per route and country
within 1 m, and prints the time ratio and peak memory.

Exit status: 0 when every target is met (same lines, km within 1 m, at least
3 times faster than the baseline, peak memory under 2 GB); 1 when any is
missed, after printing all figures and, on stderr, one line per missed
target. ``--quick`` runs 1,000 routes (under half a minute) to check that
behaviour; the speed target is meant for the default size. Figures from a
run are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

STEP_M = 15_000.0
SEED = 20_261_128
SPACING_M = 10_000.0
"""The project's default densification spacing (geo.geodesic.DEFAULT_MAX_SEGMENT_M), restated here."""
SAME_LINE_TOLERANCE_M = 0.01
QUICK_ROUTES = 1_000


def synthetic_routes(n_routes: int, n_vertices: int):
    """Random walks over the study area, lon/lat, as a GeoDataFrame."""
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    rng = np.random.default_rng(SEED)
    lon = np.empty((n_routes, n_vertices))
    lat = np.empty((n_routes, n_vertices))
    lon[:, 0] = rng.uniform(62, 132, n_routes)
    lat[:, 0] = rng.uniform(38, 66, n_routes)
    heading = rng.uniform(0, 360, n_routes)
    for i in range(1, n_vertices):
        heading = heading + rng.normal(0, 20, n_routes)
        lon[:, i], lat[:, i], _ = geod.fwd(lon[:, i - 1], lat[:, i - 1], heading, np.full(n_routes, STEP_M))
    lines = shapely.linestrings(np.stack([lon, lat], axis=-1))
    return gpd.GeoDataFrame({"id": [f"r{i}" for i in range(n_routes)]}, geometry=lines, crs="EPSG:4326")


def densify_along_geodesics(lon: np.ndarray, lat: np.ndarray, owner: np.ndarray, spacing_m: float):
    """The baseline's own densification: no segment longer than ``spacing_m``, new points on the geodesic.

    Each segment between two vertices of one route is cut into
    ``ceil(length / spacing_m)`` pieces of equal geodesic length (pyproj's
    ``Geod.inv`` for its azimuth and length, ``Geod.fwd`` for the points).
    ``owner`` is the route of each vertex, as ``shapely.get_coordinates(...,
    return_index=True)`` gives it. Returns the densified lon, lat and owner.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    same_route = owner[:-1] == owner[1:]
    first = np.flatnonzero(same_route)  # the first vertex of every segment
    azimuth, _, length = geod.inv(lon[first], lat[first], lon[first + 1], lat[first + 1])
    pieces = np.maximum(np.ceil(length / spacing_m), 1).astype(np.int64)
    # Points to add: for segment s, pieces[s] - 1 points at k / pieces[s] of its length, k = 1 .. pieces[s] - 1.
    added = pieces - 1
    segment_of_point = np.repeat(np.arange(len(first)), added)
    k = np.arange(added.sum()) - np.repeat(np.cumsum(added) - added, added) + 1
    new_lon, new_lat, _ = geod.fwd(
        lon[first][segment_of_point], lat[first][segment_of_point], azimuth[segment_of_point],
        length[segment_of_point] * k / pieces[segment_of_point],
    )  # fmt: skip
    # Order: by the vertex a point follows, the vertex itself first, then its added points in order.
    after_vertex = np.r_[np.arange(len(lon)), first[segment_of_point]]
    rank = np.r_[np.zeros(len(lon), dtype=np.int64), k]
    order = np.lexsort((rank, after_vertex))
    all_lon = np.r_[lon, new_lon][order]
    all_lat = np.r_[lat, new_lat][order]
    return all_lon, all_lat, owner[after_vertex[order]]


def line_summary(lon: np.ndarray, lat: np.ndarray, owner: np.ndarray, n_routes: int) -> dict:
    """What a side measured, for checking that both saw the same lines: vertices, counts, geodesic lengths."""
    from pyproj import Geod

    _, _, length = Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    same_route = owner[:-1] == owner[1:]
    return {
        "lon": lon,
        "lat": lat,
        "vertices": np.bincount(owner, minlength=n_routes),
        "length_m": np.bincount(owner[:-1][same_route], weights=length[same_route], minlength=n_routes),
    }


def run_ours(n_routes: int, n_vertices: int) -> dict:
    from geo.countries import NOT_A_COUNTRY, build_country_index, load_countries
    from geo.measure import measure_routes

    routes = synthetic_routes(n_routes, n_vertices)
    countries = load_countries(REPO / "geo" / "data" / "countries.geojson")
    start = time.perf_counter()
    index = build_country_index(countries)
    measured = measure_routes(routes, index)
    seconds = time.perf_counter() - start
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the checks below
    # Length in no country (water) or beyond the boundary extract's box ("outside") has no row in the overlay.
    km = {
        (i, iso): m
        for i, split in enumerate(measured["country_m"])
        for iso, m in split.items()
        if iso not in NOT_A_COUNTRY
    }
    import shapely

    coords, owner = shapely.get_coordinates(measured.geometry.values, return_index=True)
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb,
        "km": km,
        "length_m": measured["length_m"].to_numpy(),
        "lines": line_summary(coords[:, 0], coords[:, 1], owner, n_routes),
    }


def run_baseline(n_routes: int, n_vertices: int) -> dict:
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    from geo.countries import load_countries  # an input both sides get; nothing of geo/ is measured here

    routes = synthetic_routes(n_routes, n_vertices)
    coords, owner = shapely.get_coordinates(routes.geometry.values, return_index=True)
    lon, lat, dense_owner = densify_along_geodesics(coords[:, 0], coords[:, 1], owner, SPACING_M)
    dense = routes.set_geometry(shapely.linestrings(lon, lat, indices=dense_owner))
    countries = load_countries(REPO / "geo" / "data" / "countries.geojson")
    dense["route"] = np.arange(len(dense))
    start = time.perf_counter()
    pieces = gpd.overlay(dense[["route", "geometry"]], countries[["iso3", "geometry"]], how="intersection", keep_geom_type=True)
    geod = Geod(ellps="WGS84")
    pieces["m"] = [geod.geometry_length(g) for g in pieces.geometry]
    totals = pieces.groupby(["route", "iso3"])["m"].sum()
    seconds = time.perf_counter() - start
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb,
        "km": {(int(r), iso): m for (r, iso), m in totals.items()},
        "lines": line_summary(lon, lat, dense_owner, n_routes),
    }


def _child(which: str, n_routes: int, n_vertices: int, out: Path) -> None:
    result = (run_ours if which == "ours" else run_baseline)(n_routes, n_vertices)
    out.write_bytes(pickle.dumps(result))


def same_lines(ours: dict, base: dict) -> dict:
    """How far apart the lines the two sides measured are: vertex counts, vertex offsets, route lengths."""
    from pyproj import Geod

    same_counts = bool(np.array_equal(ours["vertices"], base["vertices"]))
    offset_m = float("inf")
    if same_counts:
        _, _, apart = Geod(ellps="WGS84").inv(ours["lon"], ours["lat"], base["lon"], base["lat"])
        offset_m = float(np.max(apart, initial=0.0))
    length_m = float(np.max(np.abs(ours["length_m"] - base["length_m"]), initial=0.0))
    return {
        "densified_vertices": int(ours["vertices"].sum()),
        "baseline_densified_vertices": int(base["vertices"].sum()),
        "routes_with_other_vertex_count": int(np.sum(ours["vertices"] != base["vertices"])),
        "max_vertex_offset_m": round(offset_m, 6) if np.isfinite(offset_m) else None,
        "max_route_length_difference_m": round(length_m, 6),
        "total_length_km": round(float(ours["length_m"].sum()) / 1000, 3),
        "baseline_total_length_km": round(float(base["length_m"].sum()) / 1000, 3),
    }


def missed_targets(report: dict) -> list[str]:
    """One line per missed target, naming it and the figures that missed it."""
    lines = report["same_lines"]
    checks = [
        (
            lines["routes_with_other_vertex_count"] == 0
            and lines["max_vertex_offset_m"] is not None
            and lines["max_vertex_offset_m"] <= SAME_LINE_TOLERANCE_M
            and lines["max_route_length_difference_m"] <= SAME_LINE_TOLERANCE_M,
            f"same lines on both sides (within {SAME_LINE_TOLERANCE_M} m): "
            f"{lines['routes_with_other_vertex_count']} routes with another vertex count, "
            f"vertices up to {lines['max_vertex_offset_m']} m apart, "
            f"route lengths up to {lines['max_route_length_difference_m']} m apart",
        ),
        (report["agree_within_1_m"], f"km per route and country within 1 m: worst {report['max_km_difference_m']} m"),
        (
            report["target_3x_faster"],
            f"at least 3x faster than the baseline: {report['speedup_x']}x "
            f"({report['ours_s']} s against {report['baseline_s']} s)",
        ),
        (report["target_under_2_gb"], f"peak memory under 2 GB: {report['ours_peak_rss_mb']} MB"),
    ]
    return [message for met, message in checks if not met]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=None, help="routes to measure (default 10,000)")
    parser.add_argument("--vertices", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUTES:,} routes, to check the exit status fast")
    parser.add_argument("--child", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.routes is None:
        args.routes = QUICK_ROUTES if args.quick else 10_000
    if args.child:
        _child(args.child, args.routes, args.vertices, args.result)
        return 0
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for which in ("ours", "baseline"):
            path = Path(tmp) / f"{which}.pkl"
            print(f"running {which} on {args.routes} routes x {args.vertices} vertices ...", file=sys.stderr, flush=True)
            cmd = [sys.executable, __file__, "--child", which, "--result", str(path),
                   "--routes", str(args.routes), "--vertices", str(args.vertices)]  # fmt: skip
            subprocess.run(cmd, check=True)
            results[which] = pickle.loads(path.read_bytes())
    ours, base = results["ours"], results["baseline"]
    keys = set(ours["km"]) | set(base["km"])
    worst = max((abs(ours["km"].get(k, 0.0) - base["km"].get(k, 0.0)) for k in keys), default=0.0)
    report = {
        "routes": args.routes,
        "vertices": args.vertices,
        "route_km_mean": float(np.mean(ours["length_m"]) / 1000),
        "country_pieces": len(keys),
        "same_lines": same_lines(ours["lines"], base["lines"]),
        "ours_s": round(ours["seconds"], 2),
        "baseline_s": round(base["seconds"], 2),
        "speedup_x": round(base["seconds"] / ours["seconds"], 2),
        "ours_peak_rss_mb": round(ours["peak_rss_mb"]),
        "baseline_peak_rss_mb": round(base["peak_rss_mb"]),
        "max_km_difference_m": round(worst, 4),
        "agree_within_1_m": worst <= 1.0,
        "target_3x_faster": base["seconds"] / ours["seconds"] >= 3,
        "target_under_2_gb": ours["peak_rss_mb"] < 2048,
    }
    missed = missed_targets(report)
    report["targets_missed"] = len(missed)
    print(json.dumps(report, indent=2))
    for message in missed:
        print(f"target missed: {message}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
