"""Benchmark: `compare`'s measurement against the straightforward geopandas path.

    python benchmarks/bench_measure.py [--routes 10000] [--vertices 200]

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
    ``Geod.geometry_length`` per row, summed per route and country.

Each path runs in its own process so its peak memory (max RSS) is its own.
The script checks that both give the same km per route and country within
1 m and prints the time ratio and peak memory. Figures from a run are in
benchmarks/README.md.
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


def synthetic_routes(n_routes: int, n_vertices: int):
    """Random walks over the study area, lon/lat, as a GeoDataFrame."""
    import geopandas as gpd
    import shapely

    from geo.geodesic import WGS84

    rng = np.random.default_rng(SEED)
    lon = np.empty((n_routes, n_vertices))
    lat = np.empty((n_routes, n_vertices))
    lon[:, 0] = rng.uniform(62, 132, n_routes)
    lat[:, 0] = rng.uniform(38, 66, n_routes)
    heading = rng.uniform(0, 360, n_routes)
    for i in range(1, n_vertices):
        heading = heading + rng.normal(0, 20, n_routes)
        lon[:, i], lat[:, i], _ = WGS84.fwd(lon[:, i - 1], lat[:, i - 1], heading, np.full(n_routes, STEP_M))
    lines = shapely.linestrings(np.stack([lon, lat], axis=-1))
    return gpd.GeoDataFrame({"id": [f"r{i}" for i in range(n_routes)]}, geometry=lines, crs="EPSG:4326")


def run_ours(n_routes: int, n_vertices: int) -> dict:
    from geo.countries import build_country_index, load_countries
    from geo.measure import measure_routes

    routes = synthetic_routes(n_routes, n_vertices)
    countries = load_countries(REPO / "geo" / "data" / "countries.geojson")
    start = time.perf_counter()
    index = build_country_index(countries)
    measured = measure_routes(routes, index)
    seconds = time.perf_counter() - start
    km = {(i, iso): m for i, split in enumerate(measured["country_m"]) for iso, m in split.items() if iso != "none"}
    return {"seconds": seconds, "km": km, "length_m": measured["length_m"].to_numpy()}


def run_baseline(n_routes: int, n_vertices: int) -> dict:
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    from geo.countries import load_countries
    from geo.geodesic import densify

    routes = synthetic_routes(n_routes, n_vertices)
    coords, owner = shapely.get_coordinates(routes.geometry.values, return_index=True)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    lon, lat, dstarts, _, _ = densify(coords[:, 0], coords[:, 1], starts)
    index = np.repeat(np.arange(len(dstarts)), np.diff(np.r_[dstarts, len(lon)]))
    dense = routes.set_geometry(shapely.linestrings(lon, lat, indices=index))
    countries = load_countries(REPO / "geo" / "data" / "countries.geojson")
    dense["route"] = np.arange(len(dense))
    start = time.perf_counter()
    pieces = gpd.overlay(dense[["route", "geometry"]], countries[["iso3", "geometry"]], how="intersection", keep_geom_type=True)
    geod = Geod(ellps="WGS84")
    pieces["m"] = [geod.geometry_length(g) for g in pieces.geometry]
    totals = pieces.groupby(["route", "iso3"])["m"].sum()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "km": {(int(r), iso): m for (r, iso), m in totals.items()}}


def _child(which: str, n_routes: int, n_vertices: int, out: Path) -> None:
    result = (run_ours if which == "ours" else run_baseline)(n_routes, n_vertices)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_bytes(pickle.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=10_000)
    parser.add_argument("--vertices", type=int, default=200)
    parser.add_argument("--child", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
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
    worst = max(abs(ours["km"].get(k, 0.0) - base["km"].get(k, 0.0)) for k in keys)
    report = {
        "routes": args.routes,
        "vertices": args.vertices,
        "route_km_mean": float(np.mean(ours["length_m"]) / 1000),
        "country_pieces": len(keys),
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
    print(json.dumps(report, indent=2))
    return 0 if report["agree_within_1_m"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
