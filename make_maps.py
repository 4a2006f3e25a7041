"""Command line of the Power of Siberia 2 route mapper.

    python make_maps.py                  # same as `build`
    python make_maps.py build [--out maps] [--offline] [--routes PATH ...]
    python make_maps.py compare [--routes PATH ...] [--format table|csv|json|markdown]
    python make_maps.py trade [--trade PATH] [--format table|csv|json] [--year YEAR]
    python make_maps.py export [--routes PATH ...] --format geojson|gpkg|csv|kml --out PATH
    python make_maps.py route --from LON,LAT --to LON,LAT [--via LON,LAT ...] [--cell-km 5] [--avoid ISO3 ...] [--out PATH]
    python make_maps.py figure [--kind map|comparison|profiles] [--out PATH.png|.svg|.pdf] [--routes PATH ...]

This is the only module that knows file paths: the shipped data under
``geo/data/``, the output folder ``maps/`` and, for ``--offline``, the
Leaflet files that ``npm ci`` puts in ``node_modules/``. Bad data or usage prints one
line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import functools
import gc
import hashlib
import importlib
import io
import json
import math
import mimetypes
import os
import pickle
import re
import secrets
import shutil
import signal
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import geopandas as gpd
import numpy as np
import shapely

import geo
from geo.asbuilt import load_routing_model
from geo.catalog import apply_traces, load_catalog, load_places, load_traces, read_routes
from geo.compare import FORMATS, comparison_csv, comparison_records, format_comparison
from geo.countries import OUTSIDE, build_country_index, load_countries, load_source_record
from geo.elevation import load_elevation, route_profile
from geo.errors import RouteDataError, RouteDataWarning
from geo.estimates import estimate_records
from geo.export import routes_geojson, write_gpkg, write_kml
from geo.geodesic import DEFAULT_MAX_SEGMENT_M, densified_vertex_count, offset_geodesic, segment_lengths_m
from geo.measure import measure_routes
from geo.names import page_slugs
from geo.network import Network, basis_paths, basis_records, load_network, parse_basis, resolve_network
from geo.projection import STUDY_PROJ4
from geo.trade import ENERGY_COLUMNS, format_trade, load_energy, load_trade, trade_summary
from geo.trade import FORMATS as TRADE_FORMATS
from layers.profile import profile_png
from layers.style import line_colours

# folium and the layers built on it (0.4 s to import) are loaded only by `build`, the one command
# that draws pages: see _build_into

if TYPE_CHECKING:
    from geo.leastcost import Progress
    from layers.page import Asset

DATA_DIR = Path(geo.__file__).resolve().parent / "data"
ROUTES_PATH = DATA_DIR / "routes.toml"
PLACES_PATH = DATA_DIR / "places.toml"
NETWORK_PATH = DATA_DIR / "network.toml"
ROUTING_FACTORS_PATH = DATA_DIR / "routing_factors.json"
COUNTRIES_PATH = DATA_DIR / "countries.geojson"
COUNTRIES_DISPLAY_PATH = DATA_DIR / "countries_display.geojson"
COUNTRIES_OVERVIEW_PATH = DATA_DIR / "countries_overview.geojson"
COUNTRIES_SOURCE_PATH = DATA_DIR / "countries.source.json"
COST_PATH = DATA_DIR / "cost.toml"
SUGGESTED_PATH = DATA_DIR / "suggested_routes.geojson"
SUGGESTED_SOURCE_PATH = DATA_DIR / "suggested_routes.source.json"
TRACES_PATH = DATA_DIR / "traced_pipelines.geojson"
TRACES_SOURCE_PATH = DATA_DIR / "traced_pipelines.source.json"
DEFAULT_ROUTE_FILES = (ROUTES_PATH, SUGGESTED_PATH)
"""Without --routes: the catalog and the least-cost suggestions."""
LAKES_PATH = DATA_DIR / "lakes.geojson"
ELEVATION_PATH = DATA_DIR / "elevation_5min.npz"
ELEVATION_SOURCE_PATH = DATA_DIR / "elevation.source.json"
TRADE_PATH = DATA_DIR / "trade.csv"
ENERGY_PATH = DATA_DIR / "energy.csv"
TRADE_PLACES_PATH = DATA_DIR / "trade_places.toml"
TRADE_ARC_OFFSET_M = 120_000.0  # the two trade arcs bow this far apart, each side
DEFAULT_OUT_DIR = Path("maps")
RESERVED_PAGES = ("index", "trade")  # pages build writes besides one per route
EXPORT_FORMATS = ("geojson", "gpkg", "csv", "kml")
EXPORT_SUFFIXES = {"geojson": (".geojson", ".json"), "gpkg": (".gpkg",), "csv": (".csv",), "kml": (".kml",)}
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
PACKAGE_JSON = NODE_MODULES.parent / "package.json"
PACKAGE_LOCK = NODE_MODULES.parent / "package-lock.json"
ASSET_CACHE_ENV = "POS2_ASSET_CACHE"
"""Where ``--offline`` keeps the packages it fetched when there is no node_modules (default:
``$XDG_CACHE_HOME/pos2-route-mapper`` or ``~/.cache/pos2-route-mapper``)."""
MAX_TARBALL_BYTES = 50_000_000
NPM_REGISTRY = "https://registry.npmjs.org"
EXIT_BAD_INPUT = 2
EXIT_BUG = 1
STAGING_PREFIX = ".staging-"  # build's private folders inside --out
LOCK_NAME = ".make_maps.lock"
MANIFEST_NAME = ".make_maps.files"  # what the last build wrote, so the next can remove pages of routes gone
MAX_BUILD_ROUTES = 500
"""build writes a page per route; more is a job for compare or export."""
MAX_VERTICES = 10_000_000
"""Densified vertices per run: 10,000 routes x 200 vertices at 10 km make 4 million and take 0.8 GB."""
MAX_VIA = 20
"""Via points of one `route` call (each adds a leg to solve)."""
MAX_ESTIMATED_ROUTES = 500
"""More routes than this get no as-built estimate (a warning says so): the Monte Carlo costs up to
about 35 ms per 500-vertex line, so 500 routes add at most about 20 s."""
MAX_ESTIMATED_VERTICES = 5_000
"""A route with more vertices gets no as-built estimate (a warning says so): its samples would take
about 50 bytes x 2,000 samples x vertices, 0.5 GB at this limit."""


# pragma: no mutate start


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="make_maps.py", description="Measure and map Power of Siberia 2 route options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {geo.__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--routes",
            nargs="+",
            type=Path,
            metavar="PATH",
            help="route files (.toml catalog or .geojson); default: the built-in catalog",
        )
        p.add_argument(
            "--basis",
            metavar="FROM,TO",
            help="supply and market node ids of the basis every route is compared on"
            " (default: the network's, nadym-pur-taz,beijing; see geo/data/network.toml)",
        )
        p.add_argument(
            "--max-segment-km",
            type=_positive_float,
            default=DEFAULT_MAX_SEGMENT_M / 1000,
            metavar="KM",
            help="densify along geodesics to at most this spacing (default %(default)g km)",
        )

    build = sub.add_parser("build", help="write the HTML maps, routes.geojson and comparison.csv (default command)")
    common(build)
    build.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="output folder (default %(default)s)")
    build.add_argument(
        "--offline",
        action="store_true",
        help="inline every script and stylesheet so the maps open with no network (needs `npm ci` once)",
    )
    build.add_argument("--no-tiles", action="store_true", help="draw no web map tiles, only the country outlines")
    build.add_argument(
        "--profile-heights",
        choices=("shared", "own"),
        default="shared",
        help="the height axis of the route pages' profiles: one for all routes, so the pages compare at a glance"
        " (default), or each route its own, to see the small rises of a flat route",
    )
    build.add_argument("--trade", type=Path, metavar="PATH", help="trade CSV for the trade overlay (default: built-in)")
    compare = sub.add_parser("compare", help="print one row per route: km, km per country, crossings")
    common(compare)
    compare.add_argument("--format", choices=FORMATS, default="table", help="output format (default %(default)s)")
    export = sub.add_parser("export", help="write the measured routes as GeoJSON, GeoPackage, CSV or KML")
    common(export)
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="file format")
    export.add_argument("--out", type=Path, required=True, metavar="PATH", help="the file to write")
    route = sub.add_parser("route", help="suggest a least-cost route between two points (and via points)")
    route.add_argument("--from", dest="start", type=_lonlat_arg, required=True, metavar="LON,LAT")
    route.add_argument("--to", dest="end", type=_lonlat_arg, required=True, metavar="LON,LAT")
    route.add_argument("--via", type=_lonlat_arg, nargs="+", default=[], metavar="LON,LAT", help="points to pass, in order")
    route.add_argument("--cell-km", type=_positive_float, default=5.0, metavar="KM", help="grid cell size (default %(default)g km)")
    route.add_argument("--avoid", nargs="+", default=[], metavar="ISO3", help="countries the route may not enter")
    route.add_argument("--out", type=Path, metavar="PATH", help="write the suggested route as GeoJSON")
    route.add_argument("--format", choices=FORMATS, default="table", help="output format (default %(default)s)")
    trade = sub.add_parser("trade", help="print China-Russia trade by year and the headline figures")
    trade.add_argument("--trade", type=Path, metavar="PATH", help="your own trade CSV (same columns as geo/data/trade.csv)")
    trade.add_argument("--format", choices=TRADE_FORMATS, default="table", help="output format (default %(default)s)")
    trade.add_argument("--year", type=int, help="year of the summary (default: latest year with high confidence)")
    figure = sub.add_parser("figure", help="draw a figure for reports and slides: the map, the comparison chart or the profiles")
    common(figure)
    figure.add_argument("--kind", choices=FIGURE_KINDS, default="map", help="what to draw (default %(default)s)")
    figure.add_argument(
        "--out", type=Path, metavar="PATH", help="file to write; .png (300 dpi), .svg or .pdf (default figure-KIND.png)"
    )
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    parser.set_defaults(debug=False)
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"{text!r} is not a number"
        raise argparse.ArgumentTypeError(msg) from None
    if not (value > 0 and math.isfinite(value)):
        msg = f"{text!r} must be a positive number"
        raise argparse.ArgumentTypeError(msg)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Bad input, and output that cannot be written, is one line on stderr and
    status 2 (nothing written); anything unexpected is one line and status 1
    (``--debug`` shows the traceback instead).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")):
        args_list = ["build", *args_list]
    args = _parser().parse_args(args_list)
    commands = {"compare": _compare, "trade": _trade, "export": _export, "route": _route, "figure": _figure}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RouteDataWarning)
        try:
            _build_date()  # SOURCE_DATE_EPOCH is checked before any work
            status = commands.get(args.command, _build)(args)
            sys.stdout.flush()
        except RouteDataError as exc:
            status = _error(str(exc), EXIT_BAD_INPUT)
        except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
            _detach_stdout()
            status = EXIT_BUG
        except OSError as exc:
            where = exc.filename or "standard output"
            if where == "standard output":
                _detach_stdout()
            status = _error(f"{where}: cannot write ({exc.strerror or exc}); free space or choose another place", EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            status = _error("interrupted; nothing was written", 130)
        except Exception as exc:  # a bug: still one line, unless asked for the traceback
            if args.debug:
                raise
            status = _error(f"unexpected {type(exc).__name__}: {exc} (a bug; run again with --debug and report it)", EXIT_BUG)
    for warning in caught:
        if issubclass(warning.category, RouteDataWarning):
            if status == EXIT_BAD_INPUT:
                continue  # an input error is one line; what was skipped on the way no longer matters
            print(f"make_maps.py: warning: {warning.message}", file=sys.stderr)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    return status


def _error(message: str, status: int) -> int:
    """Print one line (line breaks of any kind made spaces, at most 1,000 characters) and return ``status``."""
    line = " ".join(message.splitlines())
    if len(line) > 1000:
        line = line[:999] + "…"
    print(f"make_maps.py: error: {line}", file=sys.stderr)
    return status


def _detach_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush does not fail a second time."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _measure(args: argparse.Namespace) -> tuple[Any, Any, list[dict[str, Any]]]:
    routes, measured, records, _ = _measure_with_profiles(args)
    return routes, measured, records


def _measure_with_profiles(
    args: argparse.Namespace, *, max_routes: int | None = None, as_built: bool = True
) -> tuple[Any, Any, list[dict[str, Any]], list[dict[str, Any]]]:
    if not args.routes:
        _warn_if_suggestions_stale()
    network = _network()
    basis = network.basis if args.basis is None else parse_basis(args.basis, network)
    traces = load_traces(TRACES_PATH)  # routes that say trace = [...] are drawn along these (issue 11 part 3)
    routes = apply_traces(read_routes(args.routes or list(DEFAULT_ROUTE_FILES)), traces)
    # the network's legs run on the catalog: read it again only when the routes are someone else's
    catalog = routes[routes["source_file"] == str(ROUTES_PATH)] if not args.routes else apply_traces(load_catalog(ROUTES_PATH), traces)
    resolved = resolve_network(network, catalog)
    _check_limits(routes, max_segment_m=args.max_segment_km * 1000, max_routes=max_routes)
    index = build_country_index(load_countries(COUNTRIES_PATH))
    measured = measure_routes(routes, index, max_segment_m=args.max_segment_km * 1000)
    for route_id, source, length_m in zip(routes["id"], routes["source_file"], measured["length_m"], strict=True):
        if not length_m > 0:
            msg = "the line has no length (its points are one place, e.g. 180 and -180 on one parallel); give two places"
            raise RouteDataError(msg, path=source, record=route_id, field="geometry")
    outside = [route_id for route_id, km in zip(routes["id"], measured["country_m"], strict=True) if OUTSIDE in km]
    if outside:
        west, south, east, north = index.box_lonlat
        warnings.warn(
            f"{len(outside)} route(s) run partly outside the boundary extract ({west:g}-{east:g} E, {south:g}-{north:g} N),"
            f" first {outside[0]!r}; those km are reported as {OUTSIDE!r}, not as any country or water",
            RouteDataWarning,
            stacklevel=2,
        )
    grid = load_elevation(ELEVATION_PATH)
    profiles = [route_profile(geometry, grid) for geometry in measured.geometry.values]
    paths = basis_paths(routes, resolved, basis=basis)
    bases = basis_records(paths, index, max_segment_m=args.max_segment_km * 1000)
    estimates = None
    if as_built and len(routes) > MAX_ESTIMATED_ROUTES:
        warnings.warn(
            f"{len(routes):,} routes: no as-built estimates (at most {MAX_ESTIMATED_ROUTES:,} routes get them,"
            " about 35 ms each for a 500-vertex line); pass fewer routes for estimates",
            RouteDataWarning,
            stacklevel=2,
        )
    elif as_built:
        dense = [rid for rid, line in zip(routes["id"], routes.geometry, strict=True) if shapely.get_num_coordinates(line) > MAX_ESTIMATED_VERTICES]
        if dense:
            warnings.warn(
                f"{len(dense):,} route(s) of more than {MAX_ESTIMATED_VERTICES:,} vertices get no as-built estimate"
                f" (first {dense[0]!r}); a line that dense follows the ground already (factor about 1.01)",
                RouteDataWarning,
                stacklevel=2,
            )
        model = load_routing_model(ROUTING_FACTORS_PATH)
        estimates = estimate_records(
            routes, paths, resolved, index, catalog=catalog, model=model, elevation=grid, max_vertices=MAX_ESTIMATED_VERTICES
        )
    records = comparison_records(routes, measured, profiles=profiles, bases=bases, estimates=estimates)
    return routes, measured, records, profiles


def _check_limits(routes: gpd.GeoDataFrame, *, max_segment_m: float, max_routes: int | None) -> None:
    """Refuse work too large for one run before it starts (one line that names the limit and the way out)."""
    if max_routes is not None and len(routes) > max_routes:
        msg = (
            f"{len(routes):,} routes; build draws at most {max_routes:,} (a page each);"
            " use `compare` or `export` for more, or pass fewer routes"
        )
        raise RouteDataError(msg, path=", ".join(sorted(set(map(str, routes["source_file"])))), field="--routes")
    parts, _ = shapely.get_parts(routes.geometry.values, return_index=True)
    coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
    starts = np.flatnonzero(np.r_[True, vertex_part[1:] != vertex_part[:-1]])
    vertices = densified_vertex_count(coords[:, 0], coords[:, 1], starts, max_segment_m=max_segment_m)
    if vertices > MAX_VERTICES:
        length_m = float(segment_lengths_m(coords[:, 0], coords[:, 1], starts).sum())
        spacing_km = math.ceil(length_m / MAX_VERTICES) / 1000
        msg = (
            f"densifying to {max_segment_m / 1000:g} km would make {vertices:,} vertices, over the limit of"
            f" {MAX_VERTICES:,}; use --max-segment-km {spacing_km:g} or more"
        )
        raise RouteDataError(msg, field="--max-segment-km")


def _warn_if_suggestions_stale() -> None:
    """Warn when cost.toml changed after the shipped suggestions were computed."""
    recorded = load_source_record(SUGGESTED_SOURCE_PATH)["input_sha256"].get(COST_PATH.name)
    if recorded != hashlib.sha256(COST_PATH.read_bytes()).hexdigest():
        warnings.warn(
            f"{SUGGESTED_PATH.name} was computed with another {COST_PATH.name}; run tools/build_suggestions.py",
            RouteDataWarning,
            stacklevel=2,
        )


def _compare(args: argparse.Namespace) -> int:
    _, _, records = _measure(args)
    sys.stdout.write(format_comparison(records, args.format, basis_name=_basis(args.basis)[1]))
    return 0


def _network() -> Network:
    """The network file, read once per run: the measurement and the method note both need it."""
    try:
        stat = NETWORK_PATH.stat()
    except OSError:
        return load_network(NETWORK_PATH)  # which says what is wrong
    return _read_network(NETWORK_PATH, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_network(path: Path, _mtime_ns: int, _size: int) -> Network:
    """:func:`geo.network.load_network` of a file as it is (its time and size in the key: a changed file is read again)."""
    return load_network(path)


def _basis(text: str | None) -> tuple[tuple[str, str], str]:
    """The basis of ``--basis`` (None: the network's default): its node ids and its name
    (the network's name for its default, else 'FROM name to TO name')."""
    network = _network()
    if text is None:
        return network.basis, network.basis_name
    start, end = parse_basis(text, network)
    return (start, end), f"{network.nodes[start].name} to {network.nodes[end].name}"


def _lonlat_arg(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(part) for part in text.split(","))
    except ValueError:
        msg = f"{text!r} is not LON,LAT (two numbers, e.g. 104.28,52.29)"
        raise argparse.ArgumentTypeError(msg) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"{text!r} is outside -180..180, -90..90 (lon first)"
        raise argparse.ArgumentTypeError(msg)
    return lon, lat


def _route(args: argparse.Namespace) -> int:
    from geo.leastcost import load_cost_config, load_lakes, suggest_route  # the route command's solver only

    if args.out is not None:
        _check_out_file(args.out, EXPORT_SUFFIXES["geojson"], "GeoJSON")
    if len(args.via) > MAX_VIA:
        msg = f"{len(args.via)} via points; a route takes at most {MAX_VIA} (each is a leg to solve): split it into several routes"
        raise RouteDataError(msg, field="--via")
    points = [args.start, *args.via, args.end]
    config = load_cost_config(COST_PATH)
    index = build_country_index(load_countries(COUNTRIES_PATH))
    grid = load_elevation(ELEVATION_PATH)
    with _progress_bar("route") as progress:
        line, cost_km, _ = suggest_route(
            points, cell_km=args.cell_km, countries=index, elevation=grid, lakes=load_lakes(LAKES_PATH), config=config,
            avoid=args.avoid, progress=progress,
        )  # fmt: skip
    name = f"Suggested route {points[0]} to {points[-1]}" + (f" avoiding {', '.join(args.avoid)}" if args.avoid else "")
    routes = gpd.GeoDataFrame(
        [{"id": "suggested", "name": name, "kind": "imported", "status": "least-cost suggestion", "capacity_bcm": None,
          "diameter_mm": None, "confidence": "low", "segments": [], "yearly_flow": None, "source_file": str(COST_PATH),
          "sources": [{"publisher": "this tool", "year": None, "title": "least-cost path over geo/data/cost.toml"}],
          "waypoints": [{"name": "from"}, {"name": "to"}]}],
        geometry=[line], crs="EPSG:4326",
    )  # fmt: skip
    measured = measure_routes(routes, index)
    records = comparison_records(routes, measured, profiles=[route_profile(measured.geometry.iloc[0], grid)])
    records[0]["cost"] = round(cost_km, 1)
    records[0]["cost_unit"] = "km of flat pipe in one country"
    sys.stdout.write(format_comparison(records, args.format))
    if args.format == "table":
        print(f"cost: {records[0]['cost']:,.1f} {records[0]['cost_unit']} (parameters: {COST_PATH.name})")
    if args.out is not None:
        method = method_note(max_segment_km=DEFAULT_MAX_SEGMENT_M / 1000)
        write_atomic(args.out, routes_geojson(measured, records, method=method))
        _progress(f"wrote {args.out}")
    return 0


def _check_out_file(out: Path, suffixes: Sequence[str], what: str) -> None:
    """The checks of an --out file, before any work: a file (not a folder) in an existing folder, named for its format."""
    if out.is_dir():
        msg = "is a folder; give the path of the file to write"
        raise RouteDataError(msg, path=out)
    if not out.parent.is_dir():
        msg = f"folder {out.parent} does not exist; create it first"
        raise RouteDataError(msg, path=out)
    if out.suffix.lower() not in suffixes:
        msg = f"a {what} file should be named *{suffixes[0]}, not *{out.suffix or '(no extension)'}; rename --out or change --format"
        raise RouteDataError(msg, path=out)


def _export(args: argparse.Namespace) -> int:
    out: Path = args.out
    _check_out_file(out, EXPORT_SUFFIXES[args.format], args.format)
    _, measured, records = _measure(args)
    places = load_places(PLACES_PATH) if not args.routes else None
    if args.format == "geojson":
        method = method_note(max_segment_km=args.max_segment_km, basis=args.basis)
        write_atomic(out, routes_geojson(measured, records, method=method, points=True, places=places))
    elif args.format == "csv":
        write_atomic(out, comparison_csv(records))
    elif args.format == "gpkg":
        write_file_atomic(out, lambda tmp: write_gpkg(tmp, measured, records, places))
    else:
        write_file_atomic(out, lambda tmp: write_kml(tmp, measured, records))
    _progress(f"wrote {out} ({len(records)} routes, {args.format})")
    return 0


def _trade(args: argparse.Namespace) -> int:
    rows = load_trade(args.trade or TRADE_PATH)
    sys.stdout.write(format_trade(rows, trade_summary(rows, year=args.year), args.format))
    return 0


def _trade_inputs(args: argparse.Namespace, routes: Any, measured: Any) -> dict[str, Any]:
    """Load the trade data and lay out the arcs and pipelines of the trade overlay."""
    from layers.trade import ends_lonlat
    trade_rows = load_trade(args.trade or TRADE_PATH)
    trade_places = load_places(TRADE_PLACES_PATH)
    ru_end, cn_end = ends_lonlat(trade_places)
    arcs = {
        "ru_cn": offset_geodesic(ru_end, cn_end, offset_m=TRADE_ARC_OFFSET_M),
        "cn_ru": offset_geodesic(cn_end, ru_end, offset_m=TRADE_ARC_OFFSET_M),
    }
    pipelines = []
    for route, geometry in zip(routes.itertuples(index=False), measured.geometry.values, strict=True):
        column = route.yearly_flow if isinstance(route.yearly_flow, str) else None
        if column is not None and column not in ENERGY_COLUMNS[1:4]:
            msg = f"yearly_flow {column!r} is not a column of {ENERGY_PATH.name}; use one of {', '.join(ENERGY_COLUMNS[1:4])}"
            raise RouteDataError(msg, path=route.source_file, record=route.id, field="yearly_flow")
        capacity = None if route.capacity_bcm is None or math.isnan(route.capacity_bcm) else route.capacity_bcm
        pipelines.append((route.name, shapely.get_coordinates(geometry), column, capacity))
    extent = np.vstack([*arcs.values(), *(p[1] for p in pipelines)])
    return {
        "trade": trade_rows,
        "energy": load_energy(ENERGY_PATH),
        "places": trade_places,
        "pipelines": pipelines,
        "arcs": arcs,
        "summary": trade_summary(trade_rows),
        "bounds": [[extent[:, 1].min(), extent[:, 0].min()], [extent[:, 1].max(), extent[:, 0].max()]],
    }


def _trade_overlay(inputs: dict[str, Any]) -> Any:
    """Build the trade layers (anew for each map: a folium element has one parent)."""
    from layers.trade import trade_layers
    return trade_layers(inputs["trade"], inputs["energy"], inputs["places"], inputs["pipelines"], inputs["arcs"])


def _build(args: argparse.Namespace) -> int:
    out_dir: Path = args.out
    created = _make_folder(out_dir)  # before any work: an --out that cannot be made stops at once
    try:
        return _build_into(args, out_dir)
    except BaseException:
        for folder in reversed(created):  # a failed build leaves no new empty folders behind
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _build_into(args: argparse.Namespace, out_dir: Path) -> int:
    assets = _asset_root() if args.offline else None
    fetch = None if assets is None else _node_modules_fetch(assets)
    figures = FigureChild(report_figures)  # forked now: it loads matplotlib while this process measures
    try:
        routes, measured, records, profiles = _measure_with_profiles(args, max_routes=MAX_BUILD_ROUTES)
        method = method_note(max_segment_km=args.max_segment_km, basis=args.basis)
        figures.draw(routes, measured, records, profiles, method=method)  # drawn while the pages render
        outputs, images = _pages(args, routes, measured, records, profiles, method=method)
        if fetch is not None:
            outputs = _inline_assets(outputs, fetch, assets=assets)
        images |= figures.result()  # overview.png, comparison.png
    finally:
        figures.stop()
    files = {name: text.encode("utf-8") for name, text in outputs.items()} | images
    publish(out_dir, files)
    _progress(f"wrote {len(files)} files to {out_dir}/ (open {out_dir / 'index.html'})")
    return 0


def _pages(
    args: argparse.Namespace, routes: gpd.GeoDataFrame, measured: gpd.GeoDataFrame, records: list[dict[str, Any]],
    profiles: list[dict[str, Any]], *, method: dict[str, Any],
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The build's pages and downloads (text by file name) and its profile images (bytes by file name)."""
    from layers.countries import encode_countries  # folium: loaded only by the command that draws pages
    from layers.maps import index_map, route_map, trade_map
    from layers.page import render_html

    slugs = page_slugs([r["id"] for r in records], reserved=RESERVED_PAGES)
    places = load_places(PLACES_PATH) if not args.routes else None
    countries = encode_countries(load_countries(COUNTRIES_DISPLAY_PATH))
    overview = encode_countries(load_countries(COUNTRIES_OVERVIEW_PATH))
    geojson_file, csv_file = "routes.geojson", "comparison.csv"  # beside index.html, which links them for download
    outputs = {geojson_file: routes_geojson(measured, records, method=method), csv_file: comparison_csv(records)}
    tiles = not args.no_tiles
    trade = _trade_inputs(args, routes, measured)
    _progress(f"measured {len(records)} routes; drawing index.html, trade.html and one map per route")
    index = index_map(
        records,
        measured,
        countries=overview,
        places=places,
        method=method,
        geojson_file=geojson_file,
        csv_file=csv_file,
        tiles=tiles,
        trade=_trade_overlay(trade),
        route_pages={r["id"]: f"{slug}.html" for r, slug in zip(records, slugs, strict=True)},
    )
    outputs["index.html"] = render_html(index)
    trade_page = trade_map(
        _trade_overlay(trade),
        trade["trade"],
        trade["summary"],
        bounds_latlon=trade["bounds"],
        countries=overview,
        method=method,
        tiles=tiles,
    )
    outputs["trade.html"] = render_html(trade_page)
    colours = line_colours(records)  # a suggestion in its option's colour, as on the overview
    images = {}
    heights = [h for profile in profiles for h in (profile["min_m"], profile["max_m"]) if h is not None]
    # one height axis for every route's profile, so the pages compare at a glance (unless --profile-heights own)
    height_range_m = (
        min(0.0, 500.0 * math.floor(min(heights, default=0.0) / 500.0)),
        max(500.0, 500.0 * math.ceil(max(heights, default=500.0) / 500.0)),
    ) if args.profile_heights == "shared" else None
    for record, slug, geometry, posts, profile in zip(
        records, slugs, measured.geometry.values, measured["km_posts"], profiles, strict=True
    ):
        image_name = f"{slug}-profile.png"
        images[image_name] = profile_png(profile, record, colour=colours[record["id"]], height_range_m=height_range_m)
        page = route_map(
            record, geometry, posts, colour=colours[record["id"]], countries=countries, method=method, tiles=tiles,
            profile_image=image_name,
        )  # fmt: skip
        outputs[f"{slug}.html"] = render_html(page)
    return outputs, images


def _inline_assets(outputs: dict[str, str], fetch: Callable[[str], Asset], *, assets: Path | None) -> dict[str, str]:
    """The pages with the scripts and stylesheets they load written into them (``--offline``)."""
    from layers.page import inline_assets

    _progress("inlining scripts and stylesheets (--offline)")
    try:
        return {name: inline_assets(t, fetch) if name.endswith(".html") else t for name, t in outputs.items()}
    except LookupError as exc:
        raise RouteDataError(str(exc), path=assets) from None


FIGURE_KINDS = ("map", "comparison", "profiles")
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
BUILD_FIGURES = {"overview.png": "map", "comparison.png": "comparison"}
"""The figures build writes beside the pages (linked from index.html's title block)."""
BUILD_FIGURE_DPI = 150
"""Resolution of the build's figures: for the screen, at half the pixels of ``figure``'s 300 dpi
(the build's figures took 3.5 s of a 7 s build at 300 dpi); ``make_maps.py figure`` makes print copies."""


def _figure(args: argparse.Namespace) -> int:
    """``figure``: draw one figure (``--kind``) into ``--out``, its format from the extension."""
    out: Path = args.out if args.out is not None else Path(f"figure-{args.kind}.png")
    if out.suffix.lower() not in FIGURE_SUFFIXES:
        msg = f"a figure is written as .png (300 dpi), .svg or .pdf, not {out.suffix or '(no extension)'}; rename --out"
        raise RouteDataError(msg, path=out)
    _check_out_file(out, FIGURE_SUFFIXES, "figure")
    figure = FigureChild(functools.partial(_figure_file, args.kind, out.suffix.lower().lstrip(".")))  # loads matplotlib meanwhile
    try:
        # the map and the profiles need no as-built bands: the estimates are skipped for them
        routes, measured, records, profiles = _measure_with_profiles(args, as_built=args.kind == "comparison")
        figure.draw(routes, measured, records, profiles, method=method_note(max_segment_km=args.max_segment_km, basis=args.basis))
        data = figure.result()
    finally:
        figure.stop()
    write_file_atomic(out, lambda tmp: tmp.write_bytes(data))
    _progress(f"wrote {out} ({args.kind}, {len(records)} routes)")
    return 0


class FigureChild:
    """Figures drawn in a child process, beside the rest of a command's work.

    ``draw(routes, measured, records, profiles, *, method)`` makes them (for
    ``build``, :func:`report_figures`; for ``figure``, one file's bytes).
    Forked when the command starts, the child loads matplotlib while the
    command measures, receives the measured routes through a pipe
    (:meth:`draw`), draws while ``build`` renders its pages, and sends the
    result back (:meth:`result`): on two cores ``build`` then takes about the
    longer of pages and figures, not their sum (0.5 s less of 3 s), and
    ``figure`` gains the import (0.3 s of 2.5 s). The result is the same as
    ``draw`` gives in one process.

    Only on Linux, where the child can be told to die with the command
    (:func:`_figure_child`), with two cores or more, and when this process
    runs no other thread (forking a threaded process can deadlock; the tests
    drive the CLI in-process beside a browser). Otherwise, or if the child
    fails, the figures are drawn here by :meth:`result`, so an error is
    raised as if they had never left. :meth:`stop` (always call it) ends a
    child that is no longer wanted.
    """

    def __init__(self, draw: Callable[..., Any]) -> None:
        self._draw = draw
        self._inputs: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._pid: int | None = None
        self._to_child: int | None = None
        self._from_child: int | None = None
        if not _may_fork():
            return
        import fcntl  # Linux only, as the fork is

        to_child, from_child = os.pipe(), os.pipe()
        with contextlib.suppress(OSError):  # room for the measured routes (about 0.6 MB) without waiting
            fcntl.fcntl(to_child[1], fcntl.F_SETPIPE_SZ, 1 << 20)
        build_pid = os.getpid()
        gc.freeze()  # what is loaded stays shared: a collection in the child would touch, so copy, every object
        with warnings.catch_warnings():  # Python 3.12+ warns of numpy's idle BLAS threads; the child never uses BLAS
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            os.close(to_child[1])
            os.close(from_child[0])
            _figure_child(draw, to_child[0], from_child[1], build_pid)
        gc.unfreeze()
        os.close(to_child[0])
        os.close(from_child[1])
        self._pid, self._to_child, self._from_child = pid, to_child[1], from_child[0]

    def draw(
        self, routes: gpd.GeoDataFrame, measured: gpd.GeoDataFrame, records: list[dict[str, Any]],
        profiles: list[dict[str, Any]], *, method: dict[str, Any],
    ) -> None:
        """Hand the measured routes to the child (or keep them, to draw here in :meth:`result`)."""
        self._inputs = ((routes, measured, records, profiles), method)
        if self._to_child is not None:
            fd, self._to_child = self._to_child, None
            with contextlib.suppress(OSError), os.fdopen(fd, "wb") as pipe:  # a child gone: result() draws here
                pickle.dump(self._inputs, pipe, protocol=pickle.HIGHEST_PROTOCOL)

    def result(self) -> Any:
        """What ``draw`` returns, from the child or drawn here."""
        if self._inputs is None:
            msg = "draw() first"
            raise RuntimeError(msg)
        if self._pid is not None and self._from_child is not None:
            fd, self._from_child = self._from_child, None
            with os.fdopen(fd, "rb") as pipe:
                data = pipe.read()
            pid, self._pid = self._pid, None
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                return pickle.loads(data)  # noqa: S301 (our own child's bytes, through a pipe only we hold)
        inputs, method = self._inputs
        return self._draw(*inputs, method=method)

    def stop(self) -> None:
        """Close the pipes and end the child if it still runs (a build that failed on the way)."""
        for fd in (self._to_child, self._from_child):
            if fd is not None:
                os.close(fd)
        self._to_child = self._from_child = None
        if self._pid is not None:
            pid, self._pid = self._pid, None
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _may_fork() -> bool:
    """Whether a command may draw its figures in a forked child (see :class:`FigureChild`)."""
    import threading

    return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def _figure_child(draw: Callable[..., Any], read_fd: int, write_fd: int, build_pid: int) -> NoReturn:
    """The forked child: die with the command, hold none of its caller's files, draw, send, exit.

    A command killed with ``kill -9`` takes the child with it (Linux's
    parent-death signal); the child's standard streams are closed, so a
    caller that reads the command's output until it ends is not kept waiting
    by it. It exits without running the command's exit handlers; status 1 on
    any error, or when the command sends nothing (it failed before measuring).
    """
    import ctypes

    status = 1
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == build_pid:  # else the build was gone before the line above
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the command, and the command its child
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            importlib.import_module("layers.figures")  # matplotlib, 0.4 s, while the build measures
            with os.fdopen(read_fd, "rb") as pipe:
                inputs, method = pickle.load(pipe)  # noqa: S301 (from the build, through our own pipe)
            result = draw(*inputs, method=method)
            with os.fdopen(write_fd, "wb") as pipe:
                pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
    finally:
        os._exit(status)


def _figure_file(
    kind: str, fmt: str, routes: gpd.GeoDataFrame, measured: gpd.GeoDataFrame, records: list[dict[str, Any]],
    profiles: list[dict[str, Any]], *, method: dict[str, Any], dpi: float | None = None,
) -> bytes:
    """One figure of ``kind`` as ``fmt`` bytes (png at ``dpi``, 300 by default; svg; pdf)."""
    from layers.figures import figure_bytes

    return figure_bytes(_draw_figure(kind, routes, measured, records, profiles, method=method, dpi=dpi), fmt)


def report_figures(
    routes: gpd.GeoDataFrame, measured: gpd.GeoDataFrame, records: list[dict[str, Any]], profiles: list[dict[str, Any]], *,
    method: dict[str, Any],
) -> dict[str, bytes]:
    """The PNG figures ``build`` writes into the maps folder (:data:`BUILD_FIGURES`, at :data:`BUILD_FIGURE_DPI`)."""
    return {
        name: _figure_file(kind, "png", routes, measured, records, profiles, method=method, dpi=BUILD_FIGURE_DPI)
        for name, kind in BUILD_FIGURES.items()
    }


def _draw_figure(
    kind: str, routes: gpd.GeoDataFrame, measured: gpd.GeoDataFrame, records: list[dict[str, Any]],
    profiles: list[dict[str, Any]], *, method: dict[str, Any], dpi: float | None = None,
) -> Any:
    """One figure of :mod:`layers.figures` from the measured routes, with the credits of what it draws.

    ``dpi`` is the PNG's (the figures' 300 by default).
    """
    from geo.leastcost import load_lakes
    from layers.figures import PNG_DPI, comparison_figure, map_figure, profiles_figure

    dpi = PNG_DPI if dpi is None else dpi

    credits = [load_source_record(COUNTRIES_SOURCE_PATH)["attribution"].split(".")[0]]  # "Made with Natural Earth"
    drawn = routes["geometry_source"] if "geometry_source" in routes else []
    if kind == "map" and any(source == "trace" for source in drawn):  # ODbL: credited where traced lines are drawn
        credits.append(f"pipeline traces {load_source_record(TRACES_SOURCE_PATH)['attribution_short']}")
    if kind == "profiles":
        credits.append(method["elevation_attribution"])
    if kind == "map":
        countries = load_countries(COUNTRIES_DISPLAY_PATH)
        lakes = load_lakes(LAKES_PATH)
        return map_figure(records, measured, countries=countries, lakes=lakes, method=method, credits=" · ".join(credits), dpi=dpi)
    if kind == "comparison":
        return comparison_figure(records, method=method, credits=" · ".join(credits), dpi=dpi)
    return profiles_figure(records, profiles, method=method, credits=" · ".join(credits), dpi=dpi)


def _progress(message: str) -> None:
    print(f"make_maps.py: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _progress_bar(label: str) -> Iterator[Progress]:
    """Yield a progress callback that draws a bar on stderr (tqdm).

    The bar appears only if the work lasts more than a second and stderr is
    a terminal; it is cleared when the work ends or fails. Logs and pipes
    get the first message as one line instead.
    """
    from tqdm import tqdm  # only the route command draws a bar

    steps = 1000
    bar_format = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}"
    # disable=None: no bar unless stderr is a terminal; delay: none for work under a second.
    options = {"disable": None, "delay": 1.0, "leave": False, "file": sys.stderr}
    with tqdm(total=steps, desc=label, bar_format=bar_format, **options) as bar:
        announced = False

        def update(fraction: float, text: str) -> None:
            nonlocal announced
            if bar.disable:
                if not announced:
                    _progress(f"{label}: {text} ...")
                    announced = True
                return
            bar.set_postfix_str(text, refresh=False)
            bar.update(max(0, round(fraction * steps) - bar.n))

        yield update


# Where each CDN file folium asks for lives in node_modules (package.json pins
# the same versions). Anything else is reported as missing.
_CDN_TO_NPM = [
    (re.compile(r"^https://cdn\.jsdelivr\.net/npm/(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<ver>[^/]+)/(?P<path>.+)$"), "{pkg}/{path}"),
    (re.compile(r"^https://cdn\.jsdelivr\.net/gh/ljagis/leaflet-measure@(?P<ver>[^/]+)/(?P<path>.+)$"), "leaflet-measure/{path}"),
    (re.compile(r"^https://code\.jquery\.com/jquery-(?P<ver>[\d.]+)(?P<min>\.min)?\.js$"), "jquery/dist/jquery{min}.js"),
    (
        re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/leaflet-groupedlayercontrol/(?P<ver>[^/]+)/(?P<path>.+)$"),
        "leaflet-groupedlayercontrol/dist/{path}",
    ),
]


def _node_modules_fetch(root: Path) -> Callable[[str], Asset]:
    """Return a fetch function that serves CDN URLs from ``node_modules``."""
    if not root.is_dir():
        msg = "not found; run `npm ci --ignore-scripts` in the repository once, then build with --offline again"
        raise RouteDataError(msg, path=root)

    from layers.page import Asset

    def fetch(url: str) -> Asset:
        for pattern, template in _CDN_TO_NPM:
            match = pattern.match(url)
            if match is None:
                continue
            parts = {k: v or "" for k, v in match.groupdict().items()}
            path = root / template.format(**parts)
            for candidate in (path, _toggle_min(path)):
                if candidate.is_file():
                    _check_version(root, candidate, parts.get("ver"))
                    mime = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                    return Asset(candidate.read_bytes(), mime)
        msg = f"no local copy of {url}; add its package to package.json and run `npm ci --ignore-scripts`"
        raise LookupError(msg)

    return fetch


def _asset_root() -> Path:
    """node_modules when `npm ci` made it; else the pinned packages, fetched once into a user cache."""
    if NODE_MODULES.is_dir():
        return NODE_MODULES
    cache = Path(os.environ.get(ASSET_CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pos2-route-mapper")
    return fetch_pinned_packages(PACKAGE_JSON, PACKAGE_LOCK, cache)


def fetch_pinned_packages(
    package_json: Path, lock: Path, cache: Path, *, opener: Callable[..., Any] = urllib.request.urlopen
) -> Path:
    """Fetch the packages package.json depends on, as package-lock.json pins them, into ``cache`` once.

    For users with pip but no npm: each package's tarball is downloaded from
    the lock's ``resolved`` URL (https, or file for tests; the registry's
    standard tarball address when the lock has none), checked against
    its ``integrity`` hash (SHA-512) and unpacked with the tarfile "data"
    filter (no paths outside the folder, no links out, no devices). The
    folder is named for the lock's SHA-256 and appears only when every
    package is in (renamed from a staging folder), so a failed fetch leaves
    nothing half-done.

    Returns
    -------
    root
        A folder laid out like node_modules.

    Raises
    ------
    RouteDataError
        A package missing from the lock, a download that fails or is too
        large, a hash that does not match, a tarball that is not one.
    """
    lock_bytes = lock.read_bytes()
    root = cache / f"node_modules-{hashlib.sha256(lock_bytes).hexdigest()[:16]}"
    if (root / ".complete").is_file():
        return root
    manifest = json.loads(package_json.read_text(encoding="utf-8"))
    names = sorted(manifest.get("dependencies", {}))  # what the pages load; devDependencies are for benchmarks
    pinned = json.loads(lock_bytes).get("packages", {})
    _progress(f"no node_modules: fetching the {len(names)} packages that package-lock.json pins into {root} (once)")
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".fetch-"))
    try:
        for name in names:
            _unpack(name, pinned.get(f"node_modules/{name}") or {}, staging / name, lock=lock, opener=opener)
        (staging / ".complete").write_text(f"{lock.name} sha256 {hashlib.sha256(lock_bytes).hexdigest()}\n", encoding="utf-8")
        with contextlib.suppress(OSError):  # another build finished first: its copy is the same
            staging.rename(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def _unpack(name: str, entry: dict[str, Any], folder: Path, *, lock: Path, opener: Callable[..., Any]) -> None:
    version, integrity = entry.get("version"), entry.get("integrity")
    # npm may leave 'resolved' out of the lock; the registry's tarball address is then the standard one
    url = entry.get("resolved") or f"{NPM_REGISTRY}/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
    if not isinstance(version, str) or not isinstance(integrity, str) or not url.startswith(("https://", "file:")):
        msg = f"{name} has no version, https address and 'integrity' hash in {lock.name}; run `npm install --package-lock-only`"
        raise RouteDataError(msg, path=lock, record=name)
    try:
        with opener(url, timeout=60) as response:
            data = response.read(MAX_TARBALL_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        msg = f"cannot download {url}: {getattr(exc, 'reason', exc)}; connect once, or run `npm ci --ignore-scripts`"
        raise RouteDataError(msg, record=name) from None
    if len(data) > MAX_TARBALL_BYTES:
        raise RouteDataError(f"{url} is over {MAX_TARBALL_BYTES:,} bytes; not a package tarball", record=name)
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha512", "sha384", "sha256"):
        raise RouteDataError(f"integrity {integrity[:20]!r}... is not a sha512/sha384/sha256 hash", path=lock, record=name)
    if base64.b64encode(hashlib.new(algorithm, data).digest()).decode("ascii") != expected:
        msg = f"{url} does not match its {algorithm} integrity hash in {lock.name}: not the pinned file, not unpacked"
        raise RouteDataError(msg, path=lock, record=name)
    folder.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = []
            for member in tar.getmembers():
                top, _, rest = member.name.partition("/")
                if rest:  # npm tarballs put everything under one top folder, usually "package/"
                    member.name = rest
                    members.append(member)
            tar.extractall(folder, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise RouteDataError(f"{url} is not a usable package tarball: {exc}", record=name) from None


def _toggle_min(path: Path) -> Path:
    name = path.name
    if ".min." in name:
        return path.with_name(name.replace(".min.", ".", 1))
    stem, dot, ext = name.rpartition(".")
    return path.with_name(f"{stem}.min.{ext}") if dot else path


def _check_version(root: Path, file: Path, version: str | None) -> None:
    package_dir = root / file.relative_to(root).parts[0]
    if file.relative_to(root).parts[0].startswith("@"):
        package_dir = root.joinpath(*file.relative_to(root).parts[:2])
    if version and version[0].isdigit():
        found = json.loads((package_dir / "package.json").read_text(encoding="utf-8")).get("version")
        if found != version:
            msg = f"{package_dir.name} {found} in node_modules, but the page asks for {version}; run `npm ci --ignore-scripts`"
            raise LookupError(msg)


def method_note(*, max_segment_km: float, basis: str | None = None) -> dict[str, Any]:
    """Describe how the numbers were made, for files and map attributions.

    ``basis`` is the ``--basis`` text (None: the network's default); the
    note gives its nodes (ids ``from``, ``to``; names ``from_name``,
    ``to_name``) and says what basis km are.
    """
    source = load_source_record(COUNTRIES_SOURCE_PATH)
    traces = load_source_record(TRACES_SOURCE_PATH)
    (start, end), basis_name = _basis(basis)
    nodes = _network().nodes
    return {
        "lengths": "geodesic on the WGS84 ellipsoid (pyproj.Geod, Karney 2013)",
        "densify_max_segment_km": max_segment_km,
        "boundaries": f"{source['dataset']} v{source['version']} (de facto borders; land only)",
        "boundaries_sha256": source["output_sha256"]["countries.geojson"],
        "planar_crs": STUDY_PROJ4,
        "build_date": _build_date(),
        # short enough for one line at laptop width; the full credits are in "boundaries", "traces" and the README
        "attribution": f"{source['attribution'].split('.')[0]} · pipeline traces {traces['attribution_short']}",
        "traces": f"{traces['dataset']} ({traces['repository']} {traces['commit']}; {traces['licence']})",
        "elevation": "pvlib 5 arc-minute altitude grid (Tilezen/Mapzen terrain), 28 m steps, sampled every 5 km",
        "elevation_attribution": load_source_record(ELEVATION_SOURCE_PATH)["attribution"],
        "basis": {
            "from": start,
            "to": end,
            "from_name": nodes[start].name,
            "to_name": nodes[end].name,
            "name": basis_name,
            "what": "basis km: the route's path from the supply node to the market node, its own line joined to both"
            " by the legs of geo/data/network.toml; new-build km: the part of that path no pipeline runs along today",
        },
    }


def _build_date() -> str:
    # SOURCE_DATE_EPOCH makes builds reproducible across days.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        if not epoch.isascii() or not epoch.isdigit() or len(epoch) > 12:
            raise ValueError
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        msg = f"SOURCE_DATE_EPOCH {epoch[:40]!r} is not a whole number of seconds since 1970 (e.g. 1767225600); fix or unset it"
        raise RouteDataError(msg) from None


# The output writer. Mutation testing ([tool.mutmut] in pyproject.toml) changes geo/ and this part of
# the file only: the command-line functions above are checked end to end (tests/test_make_maps.py and
# the hostile-build tests), which a mutant-by-mutant run would repeat for hours.
# pragma: no mutate end


def publish(out_dir: Path, files: dict[str, bytes], *, lock_timeout_s: float = 120.0) -> None:
    """Put a build's files into ``out_dir`` all together, or not at all.

    Everything is rendered before this is called. The files are written
    into a private staging folder inside ``out_dir`` (a unique
    ``.staging-*`` name, on the same file system), then each is renamed into
    place. A build that fails before the renames leaves the folder as it
    was; one killed in the middle leaves its staging folder, which the next
    build removes. The names written are kept in ``.make_maps.files``; files
    the previous build wrote that this one does not (pages of routes no
    longer built) are removed, and nothing else. Builds into one folder take turns through a lock file
    (``.make_maps.lock``, released by the system even if the process is
    killed); one that waits longer than ``lock_timeout_s`` stops with one line.
    """
    _make_folder(out_dir)
    manifest = {**files, MANIFEST_NAME: "".join(f"{name}\n" for name in sorted(files)).encode("utf-8")}
    with _folder_lock(out_dir, timeout_s=lock_timeout_s):
        for stale in out_dir.glob(f"{STAGING_PREFIX}*"):  # no other build stages while we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        previous = _manifest(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        try:
            for name, data in manifest.items():
                (staging / name).write_bytes(data)
                os.chmod(staging / name, 0o644)  # outputs are meant to be shared
            for name in manifest:
                os.replace(staging / name, out_dir / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for name in previous - files.keys():  # pages of routes that are gone; only files a build wrote
            with contextlib.suppress(OSError):
                (out_dir / name).unlink()


def _manifest(folder: Path) -> set[str]:
    """Route pages and profiles the last build wrote into ``folder`` (slug names only; nothing else is ever removed)."""
    try:
        lines = (folder / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line for line in lines if re.fullmatch(r"[a-z0-9][a-z0-9-]*(\.html|-profile\.png)", line)}


@contextlib.contextmanager
def _folder_lock(folder: Path, *, timeout_s: float) -> Iterator[None]:
    """Hold an exclusive lock on ``folder/.make_maps.lock`` (POSIX ``flock``)."""
    import fcntl  # POSIX only, like the build's file handling

    path = folder / LOCK_NAME
    try:
        handle = path.open("a+b")
    except OSError as exc:
        msg = f"cannot write into the output folder ({exc.strerror}); pass another --out"
        raise RouteDataError(msg, path=folder) from None
    with handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    msg = f"another build has been writing into this folder for over {timeout_s:g} s ({LOCK_NAME}); wait for it or pass another --out"
                    raise RouteDataError(msg, path=folder) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    if folder.exists() and not folder.is_dir():
        msg = "exists and is not a folder; pass another --out"
        raise RouteDataError(msg, path=folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        for made in reversed(missing):
            with contextlib.suppress(OSError):
                made.rmdir()
        msg = f"cannot create the output folder ({exc.strerror}); pass another --out"
        raise RouteDataError(msg, path=folder) from None
    return missing


def write_atomic(path: Path, text: str) -> None:
    """Write a UTF-8 text file through a temporary file and a rename."""
    write_file_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))


def write_file_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` fill a temporary file next to ``path``, then rename it over ``path``.

    An interrupted build leaves either the old file or the new one, never
    half of one. The temporary name keeps the suffix, so GDAL picks the
    driver from it.
    """
    tmp = path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp{path.suffix}")  # unique per writer
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    raise SystemExit(main())
