"""Shared fixtures and canonical geometries for the test suite.

Reference values here are independent of the code under test: published
geodesics, a meridian-arc integral written out below, and per-country
lengths measured by a separate implementation (tests/data/oracle_routes.toml).
"""

from __future__ import annotations

import json
import os
import tomllib
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import settings

import make_maps
from geo.catalog import load_catalog
from geo.countries import build_country_index, load_countries
from geo.errors import RouteDataError, RouteDataWarning
from geo.measure import measure_routes
from tools.mutation_score import module_of

# Property tests: the same examples on every CI run (a failure there is replayed
# by the next run, not only from a local .hypothesis folder); wider and random
# locally. Failures found locally are pinned with @example in the test. Mutation runs (mutmut sets
# MUTANT_UNDER_TEST) use the CI examples too: a mutant is killed by a test, not by the draw.
settings.register_profile("ci", derandomize=True, database=None, max_examples=60, print_blob=True)
settings.register_profile("dev", max_examples=200)
_FIXED_EXAMPLES = bool(os.environ.get("CI")) or "MUTANT_UNDER_TEST" in os.environ
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if _FIXED_EXAMPLES else "dev"))

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent
DATA_DIR = make_maps.DATA_DIR
ROUTES_PATH = make_maps.ROUTES_PATH
PLACES_PATH = make_maps.PLACES_PATH
ORACLE_PATH = TESTS_DIR / "data" / "oracle_routes.toml"

CATALOG_IDS = [route["id"] for route in tomllib.loads(ROUTES_PATH.read_text("utf-8"))["route"]]
SUGGESTED_IDS = [f["id"] for f in __import__("json").loads(make_maps.SUGGESTED_PATH.read_text("utf-8"))["features"]]
DEFAULT_IDS = CATALOG_IDS + SUGGESTED_IDS
"""What the commands measure without --routes: the catalog and the least-cost suggestions."""
ORACLE_ROUTES = tomllib.loads(ORACLE_PATH.read_text("utf-8"))["route"]

# WGS84 defining constants (NIMA TR8350.2).
WGS84_A_M = 6_378_137.0
WGS84_F = 1 / 298.257223563

# A method note as make_maps.method_note writes it, for layer tests.
METHOD_NOTE = {
    "lengths": "geodesic on the WGS84 ellipsoid",
    "densify_max_segment_km": 10.0,
    "boundaries": "Natural Earth v5.1.1",
    "build_date": "2026-01-01",
    "attribution": "Made with Natural Earth <b>",
}

# Canonical geometries, lon/lat.
EQUATOR_1DEG = shapely.LineString([(0.0, 0.0), (1.0, 0.0)])
"""One degree of longitude on the equator: a * pi / 180 = 111,319.4908 m."""
MERIDIAN_106_2E = shapely.LineString([(106.2, 51.0), (106.2, 49.5)])
"""Due south along 106.2 E, from Buryatia (RUS) past Naushki into Mongolia."""


def meridian_arc_m(lat1_deg: float, lat2_deg: float) -> float:
    """Length of a meridian arc on WGS84 by direct numerical integration.

    M = integral of a (1 - e^2) / (1 - e^2 sin^2 phi)^1.5 dphi, Simpson's rule
    on 20,001 points: an oracle that shares no code with pyproj.
    """
    e2 = WGS84_F * (2 - WGS84_F)
    phi = np.radians(np.linspace(lat1_deg, lat2_deg, 20_001))
    f = WGS84_A_M * (1 - e2) / (1 - e2 * np.sin(phi) ** 2) ** 1.5
    h = (phi[-1] - phi[0]) / (len(phi) - 1)
    return float(abs(h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())))


def web_mercator_xy(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:3857 by its textbook formula, x = R lon, y = R ln(tan(pi/4 + lat/2)) with R the WGS84
    semi-major axis (metres): a second implementation, sharing nothing with PROJ."""
    return WGS84_A_M * np.radians(lon), WGS84_A_M * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def error_message(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    """The message of the RouteDataError that ``call(*args, **kwargs)`` raises."""
    with pytest.raises(RouteDataError) as info:
        call(*args, **kwargs)
    return str(info.value)


def caught_warnings(call: Callable[..., object], *args: object, **kwargs: object) -> tuple[object, list[warnings.WarningMessage]]:
    """``call``'s result and every warning it gave, each one recorded (none filtered away)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = call(*args, **kwargs)
    return result, list(seen)


def warning_texts(call: Callable[..., object], *args: object, **kwargs: object) -> tuple[object, list[str]]:
    """``call``'s result and the texts of its RouteDataWarnings (any other warning fails the test)."""
    result, seen = caught_warnings(call, *args, **kwargs)
    assert all(w.category is RouteDataWarning for w in seen), seen
    return result, [str(w.message) for w in seen]


def decode_polyline(text: str, precision: int) -> np.ndarray:
    """Reference decoder for the encoded polyline format, written from its spec."""
    values, value, shift = [], 0, 0
    for char in text:
        chunk = ord(char) - 63
        value |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            values.append(~(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    latlon = np.cumsum(np.array(values).reshape(-1, 2), axis=0) / 10**precision
    return latlon[:, ::-1]  # lon, lat


def routes_frame(lines: dict[str, shapely.Geometry]) -> gpd.GeoDataFrame:
    """A minimal routes table (id + geometry) in EPSG:4326."""
    return gpd.GeoDataFrame({"id": list(lines)}, geometry=list(lines.values()), crs="EPSG:4326")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never reach the network: any outgoing connection fails loudly."""
    import socket

    def refuse(self, address, *args, **kwargs):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            msg = f"test tried to reach the network: {address!r}"
            raise RuntimeError(msg)
        return real_connect(self, address, *args, **kwargs)

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)


def mutation_test_files(mutant_name: str, table: dict[str, list[str]]) -> list[str] | None:
    """The test files that may kill ``mutant_name``, from the ``[tool.mutation-tests]`` table, or None for all.

    ``mutant_name`` is mutmut's, e.g. ``"geo.readers.geojson.x_load_geojson_routes__mutmut_19"``; the
    table's keys are source files, or folders ending in "/" for every module under them.
    """
    source = module_of(mutant_name)
    keys = [key for key in table if source == key or (key.endswith("/") and source.startswith(key))]
    return table[max(keys, key=len)] if keys else None


@cache
def _mutation_tests_table() -> dict[str, list[str]]:
    """pyproject.toml's ``[tool.mutation-tests]``, read once (in mutmut's fork server, before it forks)."""
    return tomllib.loads((REPO_DIR / "pyproject.toml").read_text("utf-8"))["tool"]["mutation-tests"]


_RECORDED_DURATIONS_S: dict[str, float] = {}


def _recorded_durations_s() -> dict[str, float]:
    """Seconds each test took on mutmut's first pass (``mutants/mutmut-stats.json``), read once.

    Read in mutmut's fork server (its warm-up collects the tests) so that every forked
    mutant inherits it; empty before the first pass has written the file.
    """
    path = Path("mutmut-stats.json")  # mutmut runs the tests from inside mutants/
    if not _RECORDED_DURATIONS_S and path.is_file():
        _RECORDED_DURATIONS_S.update(json.loads(path.read_text("utf-8"))["duration_by_test"])
    return _RECORDED_DURATIONS_S


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """While mutmut checks a mutant: keep only the mutated module's tests, quickest first.

    Which tests may kill a mutant: pyproject.toml's ``[tool.mutation-tests]``. Quickest first (by the
    durations mutmut recorded, a file's tests kept together for its module fixtures): mutmut stops
    at the first failing test, and most mutants fail a unit test of a few milliseconds.
    """
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    duration_s, table = _recorded_durations_s(), _mutation_tests_table()
    mutant_name = os.environ["MUTANT_UNDER_TEST"]
    if "__mutmut_" not in mutant_name:  # not a mutant: the stats, clean and forced-fail runs
        return
    files = mutation_test_files(mutant_name, table)
    own = [files is None or item.nodeid.split("::")[0] in files for item in items]
    kept = [item for item, keep in zip(items, own, strict=True) if keep]
    config.hook.pytest_deselected(items=[item for item, keep in zip(items, own, strict=True) if not keep])
    file_s: dict[str, float] = {}
    for item in kept:
        file_s[item.path] = file_s.get(item.path, 0.0) + duration_s.get(item.nodeid, 0.0)
    items[:] = sorted(kept, key=lambda item: (file_s[item.path], duration_s.get(item.nodeid, 0.0)))


@pytest.fixture(scope="session")
def countries() -> gpd.GeoDataFrame:
    return load_countries(DATA_DIR / "countries.geojson")


@pytest.fixture(scope="session")
def country_index(countries):
    return build_country_index(countries)


@pytest.fixture(scope="session")
def catalog() -> gpd.GeoDataFrame:
    return load_catalog(ROUTES_PATH)


@pytest.fixture(scope="session")
def measured_catalog(catalog, country_index) -> gpd.GeoDataFrame:
    return measure_routes(catalog, country_index)


@pytest.fixture
def write(tmp_path):
    """Write a text (or bytes) file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
