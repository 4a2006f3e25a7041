"""Benchmark: the map build, its page size and its drawing time, each against a baseline.

    python benchmarks/bench_build.py [--runs 3] [--draw-runs 15] [--quick]

1. ``python make_maps.py`` (the full build into a temporary folder): wall
   time and peak memory against the import floor,
   ``python -c "import geopandas, folium, pyproj, shapely, matplotlib.figure,
   matplotlib.backends.backend_agg"`` (everything the build imports that
   costs time: since issue 13 the build draws overview.png and
   comparison.png with matplotlib's Agg canvas, not pyplot), the two run
   alternately. Target: at most 2 times. Their CPU time (user + system) is
   printed too, not a target: on a loaded machine it varies less than the
   wall time.
2. ``index.html`` size against ``GeoDataFrame.explore()`` of the same
   countries (the display copy) and the same measured routes. Target: at
   most 0.5 times. (``explore`` needs matplotlib and mapclassify:
   ``pip install ".[bench]"``.) The routes given to ``explore`` are the
   route files' lines densified along geodesics to 10 km, as the build
   draws them, but densified here (``densify_along_geodesics`` in
   bench_measure.py, pyproj only), not by ``geo.measure``: the project
   only reads the input files (routes, display countries).
3. In headless Chromium, the time from navigation until every route path is
   drawn, against an empty folium map until its map object exists. Scripts
   and stylesheets come from node_modules (package.json, with folium's other
   default assets as devDependencies), tiles get a grey PNG. Target: at most
   2 times. Three empty maps are timed:

   * ``folium.Map()`` as folium makes it (its default assets: jQuery,
     Bootstrap, Font Awesome, awesome-markers), fitted to the same view as
     ``index.html``: the target is checked against this one;
   * the same map at folium's default view (the world at zoom 1: 4 tiles
     instead of about 30);
   * a lean empty map with only the Leaflet and jQuery that ``index.html``
     loads, same view: the strictest baseline, what the routes, outlines and
     controls cost on their own.

   The view of the fitted maps is the routes' bounds, computed here.
   Every script, stylesheet and tile is served from memory by this file's
   request handler during the timed loads, to every page alike; the files
   are found in node_modules (make_maps' offline lookup, or folium's other
   default assets) in an untimed first load of each page. The lean map
   loads the Leaflet and jQuery addresses that ``layers/page.py`` names,
   since that is its definition.

Exit status: 0 when every target is met; 1 when any is missed, after
printing all figures and, on stderr, one line per missed target.
``--quick`` (one build, three page loads of each; about half a minute)
checks that behaviour fast; its single runs are noisier than the medians
the targets are meant for.

Figures from a run are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
SPACING_M = 10_000.0
EXACT: dict[str, float] = {}
"""The ratios before rounding for the report: the targets are checked on these."""
"""The build's densification spacing (geo.geodesic.DEFAULT_MAX_SEGMENT_M), restated here."""
FLOOR = "import geopandas, folium, pyproj, shapely, matplotlib.figure, matplotlib.backends.backend_agg"


def _timed(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return (wall seconds, its peak RSS in MB, its CPU seconds: user + system)."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter() - t, r.ru_maxrss / 1024, r.ru_utime + r.ru_stime)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True).stdout
    seconds, rss, cpu = out.split()
    return float(seconds), float(rss), float(cpu)


def _peak_pss_mb(cmd: list[str]) -> float:
    """Run a command; return the peak of its processes' memory together, in MB (Linux).

    The build draws its figures in forked worker processes; the peak RSS of
    one process would leave them out, and adding RSS would count the pages
    they share with the build once per process. PSS (proportional set size)
    splits each shared page between the processes that share it, so the sum
    over the build and its workers is what they take together. Sampled every
    10 ms in an untimed run.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kb = 0
    while proc.poll() is None:
        total_kb, todo = 0, [proc.pid]
        while todo:
            pid = todo.pop()
            try:
                with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as file:
                    total_kb += next(int(line.split()[1]) for line in file if line.startswith("Pss:"))
                with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
                    todo += [int(child) for child in file.read().split()]
            except (FileNotFoundError, ProcessLookupError, StopIteration):
                continue  # ended between two reads
        peak_kb = max(peak_kb, total_kb)
        time.sleep(0.01)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return peak_kb / 1024


def build_vs_floor(runs: int, out: Path) -> dict:
    # Alternated, so that both see the same load on a shared machine (timed in two blocks, a load
    # change between the blocks moved the ratio by 2x).
    build, floor = [], []
    for _ in range(runs):
        build.append(_timed([sys.executable, str(REPO / "make_maps.py"), "--out", str(out)]))
        floor.append(_timed([sys.executable, "-c", FLOOR]))
    b_s, f_s = statistics.median(t for t, _, _ in build), statistics.median(t for t, _, _ in floor)
    b_rss, f_rss = max(m for _, m, _ in build), max(m for _, m, _ in floor)  # one process's peak: for reference
    b_mb = _peak_pss_mb([sys.executable, str(REPO / "make_maps.py"), "--out", str(out)])
    f_mb = _peak_pss_mb([sys.executable, "-c", FLOOR])
    b_cpu, f_cpu = statistics.median(c for _, _, c in build), statistics.median(c for _, _, c in floor)
    EXACT.update(time_ratio=b_s / f_s, memory_ratio=b_mb / f_mb)
    return {
        "build_s": round(b_s, 2),
        "import_floor_s": round(f_s, 2),
        "time_ratio": round(b_s / f_s, 2),
        "build_cpu_s": round(b_cpu, 2),
        "import_floor_cpu_s": round(f_cpu, 2),
        "cpu_ratio": round(b_cpu / f_cpu, 2),
        "build_peak_mb": round(b_mb),
        "import_floor_peak_mb": round(f_mb),
        "memory_ratio": round(b_mb / f_mb, 2),
        "build_main_process_peak_rss_mb": round(b_rss),
        "import_floor_peak_rss_mb": round(f_rss),
    }


def size_vs_explore(out: Path) -> dict:
    import geopandas as gpd
    import pandas as pd

    import make_maps
    from geo.catalog import read_routes
    from geo.countries import load_countries

    # Inputs only: the route files the build draws (catalog and suggestions) and the display copy of the countries.
    routes = read_routes(list(make_maps.DEFAULT_ROUTE_FILES))
    display = load_countries(make_maps.COUNTRIES_DISPLAY_PATH)
    lines = gpd.GeoDataFrame({"name": routes["name"]}, geometry=_densified(routes.geometry.values), crs="EPSG:4326")
    both = gpd.GeoDataFrame(pd.concat([display[["name", "geometry"]], lines], ignore_index=True), crs="EPSG:4326")
    explore_bytes = len(both.explore().get_root().render().encode("utf-8"))
    index_bytes = (out / "index.html").stat().st_size
    EXACT["size_ratio"] = index_bytes / explore_bytes
    return {
        "index_html_kb": round(index_bytes / 1024),
        "explore_kb": round(explore_bytes / 1024),
        "index_html_bytes": index_bytes,
        "explore_bytes": explore_bytes,
        "size_ratio": round(index_bytes / explore_bytes, 2),
    }


def _densified(geometries) -> list:
    """(Multi)LineStrings densified along geodesics to SPACING_M by the benchmark's own code, part by part."""
    import shapely
    from bench_measure import densify_along_geodesics

    parts, owner = shapely.get_parts(geometries, return_index=True)
    coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
    lon, lat, dense_part = densify_along_geodesics(coords[:, 0], coords[:, 1], vertex_part, SPACING_M)
    dense = shapely.linestrings(lon, lat, indices=dense_part)
    return [
        dense[owner == i][0] if (owner == i).sum() == 1 else shapely.MultiLineString(list(dense[owner == i]))
        for i in range(len(geometries))
    ]


def draw_vs_empty(runs: int, out: Path) -> dict:
    import folium
    from PIL import Image
    from playwright.sync_api import sync_playwright

    import shapely

    import make_maps
    from layers.page import JQUERY_JS, LEAFLET_CSS, LEAFLET_JS
    from tests.test_browser import ARGS, CHROMIUM, TILE

    features = [
        f for f in json.loads((out / "routes.geojson").read_text())["features"] if f["properties"]["feature_type"] == "route"
    ]
    west, south, east, north = shapely.total_bounds([shapely.geometry.shape(f["geometry"]) for f in features])
    bounds = [[float(south), float(west)], [float(north), float(east)]]
    for name, fitted, lean in (
        ("empty_default.html", True, False),
        ("empty_default_world.html", False, False),
        ("empty_lean.html", True, True),
    ):
        empty = folium.Map()
        # folium's own assets, but the Leaflet the project pins (1.9.4, the touch fix): one Leaflet in node_modules
        empty.default_js = [LEAFLET_JS if name == "leaflet" else (name, url) for name, url in empty.default_js]
        empty.default_css = [LEAFLET_CSS if name == "leaflet_css" else (name, url) for name, url in empty.default_css]
        if lean:
            empty.default_js, empty.default_css = [LEAFLET_JS, JQUERY_JS], [LEAFLET_CSS]
        if fitted:
            empty.fit_bounds(bounds, padding_top_left=(20, 20), padding_bottom_right=(20, 50))
        empty.save(str(out / name))
    n_routes = len(features)
    grey = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 200, 200)).save(grey, format="PNG")
    fetch = make_maps._node_modules_fetch(make_maps.NODE_MODULES)
    served: dict[str, tuple[int, bytes, str]] = {}  # url: status, body, type; filled by the untimed first loads

    def look_up(url: str) -> tuple[int, bytes, str]:
        if TILE.search(url):
            return 200, grey.getvalue(), "image/png"
        try:
            found = fetch(url)
            return 200, found.content, found.mime
        except LookupError:
            asset = _folium_default_asset(url)
        if asset is None:  # a font the CSS names as a fallback
            return 404, b"", "text/plain"
        return 200, *asset

    def handle(route):
        url = route.request.url.split("?")[0]
        if url not in served:
            served[url] = look_up(url)
        status, body, content_type = served[url]
        return route.fulfill(status=status, body=body, content_type=content_type)

    map_exists = "() => Object.keys(window).some(k => k.startsWith('map_') && window.L && window[k] instanceof L.Map)"
    ready = {
        "index.html": f"() => new Set([...document.querySelectorAll('path.route')].map(p => p.classList[1])).size === {n_routes}",
        "empty_default.html": map_exists,
        "empty_default_world.html": map_exists,
        "empty_lean.html": map_exists,
    }
    times: dict[str, list[float]] = {name: [] for name in ready}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for round_ in range(runs + 1):  # round 0: untimed, finds every file the pages ask for
            for name, condition in ready.items():
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.route(re.compile(r"^https?://"), handle)
                page = context.new_page()
                page.goto((out / name).as_uri(), wait_until="commit")
                page.wait_for_function(condition, timeout=30_000, polling=10)
                if round_:
                    times[name].append(page.evaluate("() => performance.now()"))
                context.close()
        browser.close()
    ours = statistics.median(times["index.html"])
    default, world, lean = (statistics.median(times[n]) for n in ("empty_default.html", "empty_default_world.html", "empty_lean.html"))
    EXACT["draw_ratio"] = ours / default
    return {
        "index_drawn_ms": round(ours),
        "empty_folium_map_ms": round(default),
        "draw_ratio": round(ours / default, 2),
        "empty_folium_map_world_view_ms": round(world),
        "draw_ratio_vs_world_view": round(ours / world, 2),
        "empty_lean_map_ms": round(lean),
        "draw_ratio_vs_lean": round(ours / lean, 2),
    }


def _folium_default_asset(url: str):
    """folium's default assets that the maps of this project do not load: (body, content type) or None."""
    root = REPO / "node_modules"
    awesome = "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    if url.startswith(awesome):
        name = url[len(awesome):]
        folder = "js" if name.endswith(".js") else "css"
        path = root / "drmonty-leaflet-awesome-markers" / folder / name
        return path.read_bytes(), "text/javascript" if folder == "js" else "text/css"
    if url.endswith("bootstrap/3.0.0/css/bootstrap-glyphicons.css"):
        return (root / "glyphicons-only-bootstrap/css/bootstrap.min.css").read_bytes(), "text/css"
    if url.endswith("leaflet.awesome.rotate.min.css"):  # only in folium's sdist; 360 generated rules
        rules = "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(1, 361))
        return rules.encode(), "text/css"
    return None


TARGETS = {  # name: (report key, limit, what it compares)
    "build_time_at_most_2x": ("time_ratio", 2, "build wall time / import floor ({build_s} s / {import_floor_s} s)"),
    "build_memory_at_most_2x": (
        "memory_ratio", 2, "build peak memory (PSS of the build and its workers) / import floor ({build_peak_mb} MB / {import_floor_peak_mb} MB)",
    ),
    "index_size_at_most_half_of_explore": (
        "size_ratio", 0.5, "index.html / explore() ({index_html_bytes:,} B / {explore_bytes:,} B)",
    ),
    "draw_time_at_most_2x": (
        "draw_ratio", 2, "index.html drawn / empty folium map ({index_drawn_ms} ms / {empty_folium_map_ms} ms)",
    ),
}  # fmt: skip


def missed_targets(report: dict) -> list[str]:
    """One line per missed target, naming it and the figures that missed it."""
    return [
        f"{name}: {EXACT[key]:.3f}x > {limit}x, {what.format(**report)}"
        for name, (key, limit, what) in TARGETS.items()
        if not EXACT[key] <= limit
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="builds and import floors timed (default 3)")
    parser.add_argument("--draw-runs", type=int, default=None, help="page loads of each page timed (default 15)")
    parser.add_argument("--quick", action="store_true", help="one build, three page loads: checks the exit status")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    draw_runs = args.draw_runs or (3 if args.quick else max(runs, 15))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "maps"
        report = {"runs": runs, "draw_runs": draw_runs, "time": time.strftime("%Y-%m-%d")}
        report |= build_vs_floor(runs, out)
        report |= size_vs_explore(out)
        report |= draw_vs_empty(draw_runs, out)
    report["targets_met"] = {name: EXACT[key] <= limit for name, (key, limit, _) in TARGETS.items()}
    missed = missed_targets(report)
    print(json.dumps(report, indent=2))
    for message in missed:
        print(f"target missed: {message}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
