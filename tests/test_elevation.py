"""Tests for geo.elevation: the shipped grid and route profiles."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import shapely

import make_maps
from geo.elevation import ElevationGrid, load_elevation, route_profile
from geo.countries import load_source_record
from tests.conftest import DEFAULT_IDS


@pytest.fixture(scope="module")
def grid():
    return load_elevation(make_maps.ELEVATION_PATH)


def test_source_record_matches_the_grid():
    record = load_source_record(make_maps.ELEVATION_SOURCE_PATH)
    digest = hashlib.sha256(make_maps.ELEVATION_PATH.read_bytes()).hexdigest()
    assert record["output_sha256"]["elevation_5min.npz"] == digest
    assert "Tilezen" in record["attribution"] or "tilezen" in record["attribution"]


@pytest.mark.parametrize(
    ("place", "lon", "lat", "pvlib_m"),
    [
        # pvlib.location.lookup_altitude at these places (shared research notes, data-sources.md section 2)
        ("Ulaanbaatar", 106.92, 47.92, 1370),
        ("Beijing", 116.41, 39.90, 54),
        ("Lake Baikal", 108.0, 53.5, 446),
    ],
)
def test_grid__same_heights_as_pvlib(grid, place, lon, lat, pvlib_m):
    assert grid.sample(np.array([lon]), np.array([lat]))[0] == pvlib_m, place


def test_grid__no_data_at_sea_and_outside(grid):
    heights = grid.sample(np.array([50.0, 0.0]), np.array([42.0, 0.0]))  # the Caspian; outside the box
    assert np.isnan(heights).all()


def _ramp(metres_per_cell: float) -> ElevationGrid:
    cols = np.arange(200, dtype=float)
    return ElevationGrid(np.tile(cols * metres_per_cell, (50, 1)), lon0=100.0, lat0=55.0, step_deg=0.1)


def test_route_profile__synthetic_ramp_has_the_expected_climb():
    ramp = _ramp(10.0)  # 10 m per 0.1 degree of longitude, rising to the east
    line = shapely.LineString([(100.0, 52.0), (115.0, 52.0)])
    profile = route_profile(line, ramp, spacing_m=5_000)
    expected = ramp.sample(np.array([115.0]), np.array([52.0]))[0] - ramp.sample(np.array([100.0]), np.array([52.0]))[0]
    assert profile["ascent_m"] == pytest.approx(expected)
    assert profile["descent_m"] == 0
    assert profile["max_lonlat"][0] == pytest.approx(115.0, abs=0.1)
    back = route_profile(line.reverse(), ramp, spacing_m=5_000)
    assert back["descent_m"] == pytest.approx(expected) and back["ascent_m"] == 0


def test_route_profile__samples_every_5_km_to_the_end(grid, catalog):
    geometry = catalog.geometry.iloc[0]
    profile = route_profile(geometry, grid)
    steps = np.diff(profile["distance_m"])
    assert steps.max() <= 5_000 + 1e-6
    from pyproj import Geod

    assert profile["distance_m"][-1] == pytest.approx(Geod(ellps="WGS84").geometry_length(geometry), abs=1.0)


def test_compare__elevation_fields_for_every_route():
    import json
    import subprocess
    import sys

    from tests.conftest import REPO_DIR

    result = subprocess.run(
        [sys.executable, str(REPO_DIR / "make_maps.py"), "compare", "--format", "json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    records = json.loads(result.stdout)
    assert [r["id"] for r in records] == DEFAULT_IDS
    for r in records:
        assert r["min_elevation_m"] <= r["max_elevation_m"]
        assert r["ascent_m"] >= 0 and r["descent_m"] >= 0
    altai = next(r for r in records if r["id"] == "altai")
    assert altai["max_elevation_m"] > 2_000  # the Ukok plateau and the Kanas pass
