"""Command line of the Power of Siberia 2 route mapper.

    python make_maps.py                  # same as `build`
    python make_maps.py build [--out maps]
    python make_maps.py compare [--routes PATH ...] [--format table|csv|json|markdown]

This is the only module that knows file paths: the shipped data under
``geo/data/`` and the output folder ``maps/``. Bad data or usage prints one
line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import geo
from geo.catalog import read_routes
from geo.compare import FORMATS, comparison_csv, comparison_records, format_comparison
from geo.countries import build_country_index, load_countries, load_source_record
from geo.errors import RouteDataError
from geo.export import routes_geojson
from geo.geodesic import DEFAULT_MAX_SEGMENT_M
from geo.measure import measure_routes
from geo.projection import STUDY_PROJ4

DATA_DIR = Path(geo.__file__).resolve().parent / "data"
ROUTES_PATH = DATA_DIR / "routes.toml"
PLACES_PATH = DATA_DIR / "places.toml"
COUNTRIES_PATH = DATA_DIR / "countries.geojson"
COUNTRIES_DISPLAY_PATH = DATA_DIR / "countries_display.geojson"
COUNTRIES_SOURCE_PATH = DATA_DIR / "countries.source.json"
DEFAULT_OUT_DIR = Path("maps")
EXIT_BAD_INPUT = 2


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
            "--max-segment-km",
            type=_positive_float,
            default=DEFAULT_MAX_SEGMENT_M / 1000,
            metavar="KM",
            help="densify along geodesics to at most this spacing (default %(default)g km)",
        )

    build = sub.add_parser("build", help="write comparison.csv and routes.geojson (default command)")
    common(build)
    build.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="output folder (default %(default)s)")
    compare = sub.add_parser("compare", help="print one row per route: km, km per country, crossings")
    common(compare)
    compare.add_argument("--format", choices=FORMATS, default="table", help="output format (default %(default)s)")
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"{text!r} is not a number"
        raise argparse.ArgumentTypeError(msg) from None
    if not value > 0 or value != value or value == float("inf"):
        msg = f"{text!r} must be a positive number"
        raise argparse.ArgumentTypeError(msg)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version"):
        args_list = ["build", *args_list]
    args = _parser().parse_args(args_list)
    try:
        if args.command == "compare":
            return _compare(args)
        return _build(args)
    except RouteDataError as exc:
        print(f"make_maps.py: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _measure(args: argparse.Namespace) -> tuple[Any, Any, list[dict[str, Any]]]:
    routes = read_routes(args.routes or [ROUTES_PATH])
    index = build_country_index(load_countries(COUNTRIES_PATH))
    measured = measure_routes(routes, index, max_segment_m=args.max_segment_km * 1000)
    return routes, measured, comparison_records(routes, measured)


def _compare(args: argparse.Namespace) -> int:
    _, _, records = _measure(args)
    sys.stdout.write(format_comparison(records, args.format))
    return 0


def _build(args: argparse.Namespace) -> int:
    out_dir: Path = args.out
    if out_dir.exists() and not out_dir.is_dir():
        msg = "exists and is not a folder; pass another --out"
        raise RouteDataError(msg, path=out_dir)
    _, measured, records = _measure(args)
    method = method_note(max_segment_km=args.max_segment_km)
    outputs = {
        "routes.geojson": routes_geojson(measured, records, method=method),
        "comparison.csv": comparison_csv(records),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.items():
        write_atomic(out_dir / name, text)
        print(f"wrote {out_dir / name}", file=sys.stderr)
    return 0


def method_note(*, max_segment_km: float) -> dict[str, Any]:
    """Describe how the numbers were made, for files and map attributions."""
    source = load_source_record(COUNTRIES_SOURCE_PATH)
    return {
        "lengths": "geodesic on the WGS84 ellipsoid (pyproj.Geod, Karney 2013)",
        "densify_max_segment_km": max_segment_km,
        "boundaries": f"{source['dataset']} v{source['version']} (de facto borders; land only)",
        "boundaries_sha256": source["output_sha256"]["countries.geojson"],
        "planar_crs": STUDY_PROJ4,
        "build_date": _build_date(),
        "attribution": source["attribution"],
    }


def _build_date() -> str:
    # SOURCE_DATE_EPOCH makes builds reproducible across days.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.date().isoformat()


def write_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file and a rename.

    An interrupted build leaves either the old file or the new one, never
    half of one.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    raise SystemExit(main())
