"""Benchmark: the map build, its page size and its drawing time, each against a baseline.

    python benchmarks/bench_build.py [--runs 3]

1. ``python make_maps.py`` (the full build into a temporary folder): wall
   time and peak memory against the import floor,
   ``python -c "import geopandas, folium, pyproj, shapely"``. Target: at most
   2 times.
2. ``index.html`` size against ``GeoDataFrame.explore()`` of the same
   countries (the display copy) and the same measured routes. Target: at
   most 0.5 times. (``explore`` needs matplotlib and mapclassify:
   ``pip install ".[bench]"``.)
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
FLOOR = "import geopandas, folium, pyproj, shapely"


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, its peak RSS in MB)."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True).stdout
    seconds, rss = out.split()
    return float(seconds), float(rss)


def build_vs_floor(runs: int, out: Path) -> dict:
    build = [_timed([sys.executable, str(REPO / "make_maps.py"), "--out", str(out)]) for _ in range(runs)]
    floor = [_timed([sys.executable, "-c", FLOOR]) for _ in range(runs)]
    b_s, f_s = statistics.median(t for t, _ in build), statistics.median(t for t, _ in floor)
    b_mb, f_mb = max(m for _, m in build), max(m for _, m in floor)
    return {
        "build_s": round(b_s, 2),
        "import_floor_s": round(f_s, 2),
        "time_ratio": round(b_s / f_s, 2),
        "build_peak_mb": round(b_mb),
        "import_floor_peak_mb": round(f_mb),
        "memory_ratio": round(b_mb / f_mb, 2),
    }


def size_vs_explore(out: Path) -> dict:
    import geopandas as gpd
    import pandas as pd

    import make_maps
    from geo.catalog import read_routes
    from geo.countries import build_country_index, load_countries
    from geo.measure import measure_routes

    routes = read_routes(list(make_maps.DEFAULT_ROUTE_FILES))  # what the build draws: catalog and suggestions
    measured = measure_routes(routes, build_country_index(load_countries(make_maps.COUNTRIES_PATH)))
    display = load_countries(make_maps.COUNTRIES_DISPLAY_PATH)
    lines = gpd.GeoDataFrame({"name": routes["name"]}, geometry=measured.geometry.values, crs="EPSG:4326")
    both = gpd.GeoDataFrame(pd.concat([display[["name", "geometry"]], lines], ignore_index=True), crs="EPSG:4326")
    explore_bytes = len(both.explore().get_root().render().encode("utf-8"))
    index_bytes = (out / "index.html").stat().st_size
    return {
        "index_html_kb": round(index_bytes / 1024),
        "explore_kb": round(explore_bytes / 1024),
        "size_ratio": round(index_bytes / explore_bytes, 2),
    }


def draw_vs_empty(runs: int, out: Path) -> dict:
    import folium
    from PIL import Image
    from playwright.sync_api import sync_playwright

    import make_maps
    from layers.page import JQUERY_JS, LEAFLET_CSS, LEAFLET_JS
    from tests.test_browser import ARGS, CHROMIUM, TILE

    import shapely

    from layers.coords import latlon_bounds

    features = [f for f in json.loads((out / "routes.geojson").read_text())["features"] if f["properties"]["feature_type"] == "route"]
    bounds = latlon_bounds(shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features]))
    for name, fitted, lean in (
        ("empty_default.html", True, False),
        ("empty_default_world.html", False, False),
        ("empty_lean.html", True, True),
    ):
        empty = folium.Map()
        if lean:
            empty.default_js, empty.default_css = [LEAFLET_JS, JQUERY_JS], [LEAFLET_CSS]
        if fitted:
            empty.fit_bounds(bounds, padding_top_left=(20, 20), padding_bottom_right=(20, 50))
        empty.save(str(out / name))
    n_routes = len(features)
    grey = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 200, 200)).save(grey, format="PNG")
    fetch = make_maps._node_modules_fetch(make_maps.NODE_MODULES)

    def handle(route):
        url = route.request.url.split("?")[0]
        if TILE.search(url):
            return route.fulfill(status=200, content_type="image/png", body=grey.getvalue())
        try:
            asset = fetch(url)
        except LookupError:
            asset = _folium_default_asset(url)
        if asset is None:  # a font the CSS names as a fallback
            return route.fulfill(status=404, body=b"")
        return route.fulfill(status=200, body=asset.content, content_type=asset.mime)

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
        for _ in range(runs):
            for name, condition in ready.items():
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.route(re.compile(r"^https?://"), handle)
                page = context.new_page()
                page.goto((out / name).as_uri(), wait_until="commit")
                page.wait_for_function(condition, timeout=30_000, polling=10)
                times[name].append(page.evaluate("() => performance.now()"))
                context.close()
        browser.close()
    ours = statistics.median(times["index.html"])
    default, world, lean = (statistics.median(times[n]) for n in ("empty_default.html", "empty_default_world.html", "empty_lean.html"))
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
    """folium's default assets that the maps of this project do not load."""
    from layers.page import Asset

    root = REPO / "node_modules"
    awesome = "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    if url.startswith(awesome):
        name = url[len(awesome):]
        folder = "js" if name.endswith(".js") else "css"
        path = root / "drmonty-leaflet-awesome-markers" / folder / name
        return Asset(path.read_bytes(), "text/javascript" if folder == "js" else "text/css")
    if url.endswith("bootstrap/3.0.0/css/bootstrap-glyphicons.css"):
        return Asset((root / "glyphicons-only-bootstrap/css/bootstrap.min.css").read_bytes(), "text/css")
    if url.endswith("leaflet.awesome.rotate.min.css"):  # only in folium's sdist; 360 generated rules
        rules = "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(1, 361))
        return Asset(rules.encode(), "text/css")
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "maps"
        report = {"runs": args.runs, "time": time.strftime("%Y-%m-%d")}
        report |= build_vs_floor(args.runs, out)
        report |= size_vs_explore(out)
        report |= draw_vs_empty(max(args.runs, 15), out)
    report["targets_met"] = {
        "build_time_at_most_2x": report["time_ratio"] <= 2,
        "build_memory_at_most_2x": report["memory_ratio"] <= 2,
        "index_size_at_most_half_of_explore": report["size_ratio"] <= 0.5,
        "draw_time_at_most_2x": report["draw_ratio"] <= 2,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
