"""Tests for geo.elevation: the shipped grid and route profiles."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import shapely

import make_maps
from geo.elevation import ElevationGrid, load_elevation, route_profile
from geo.countries import load_source_record
from geo.errors import RouteDataError
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
    """Oracle: hand calculation. The ramp rises 10 m per 0.1 degree of longitude (column c holds
    10 c metres, centred on 100 + 0.1 c E): from 100 E (column 0, 0 m) to 115 E (column 150,
    1,500 m) a line climbs 1,500 m and never descends; reversed, it descends 1,500 m."""
    ramp = _ramp(10.0)
    line = shapely.LineString([(100.0, 52.0), (115.0, 52.0)])
    profile = route_profile(line, ramp, spacing_m=5_000)
    assert profile["ascent_m"] == 1_500.0
    assert profile["descent_m"] == 0
    assert profile["max_m"] == 1_500.0 and profile["min_m"] == 0.0
    # The extremes are where the first sample reaches them: the top cell starts at 114.95 E.
    assert 114.95 <= profile["max_lonlat"][0] < 115.0 and profile["min_lonlat"] == pytest.approx((100.0, 52.0), abs=1e-9)
    back = route_profile(line.reverse(), ramp, spacing_m=5_000)
    assert back["descent_m"] == 1_500.0 and back["ascent_m"] == 0
    assert back["max_lonlat"] == pytest.approx((115.0, 52.0), abs=1e-9) and 100.0 < back["min_lonlat"][0] < 100.05


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


# --- numbers read by hand from the grid (issue 14) -------------------------------------------------
#
# Expected heights come from the .npz read with numpy, decoded as load_elevation's docstring says
# (code x 28 - 450 m, code 255: no data), at the cell the module docstring names: the cell holding
# the point, cell (r, c) centred on (lon0 + c step, lat0 - r step), row 0 the northern edge.


@pytest.fixture(scope="module")
def raw():
    with np.load(make_maps.ELEVATION_PATH) as data:
        return {k: data[k] for k in data.files}


def _centre(raw, r, c):
    step = float(raw["step_deg"])
    return float(raw["lon0"]) + c * step, float(raw["lat0"]) - r * step


def _decoded(raw, r, c):
    code = int(raw["code"][r, c])
    return np.nan if code == 255 else code * 28.0 - 450.0


@pytest.mark.parametrize("cell", [(263, 600), (462, 420), (527, 0), (100, 1000), (0, 0), (300, 1199), (527, 1199)])
def test_grid__sample_is_the_cell_holding_the_point(grid, raw, cell):
    """Oracle: the code of the cell read from the .npz with numpy and decoded by hand; points up
    to 0.49 of a cell from its centre, either way, are in it."""
    r, c = cell
    lon, lat = _centre(raw, r, c)
    step = float(raw["step_deg"])
    offsets = [(0, 0), (0.49, 0.49), (-0.49, -0.49), (0.49, -0.49), (-0.49, 0.49)]
    lons = np.array([lon + dx * step for dx, _ in offsets])
    lats = np.array([lat + dy * step for _, dy in offsets])
    np.testing.assert_array_equal(grid.sample(lons, lats), np.full(len(offsets), _decoded(raw, r, c)))


def test_grid__nearest_cell_changes_half_way(grid, raw):
    """Oracle: hand lookup: 0.51 of a cell east of the centre of (462, 420) is cell (462, 421),
    0.51 south is (463, 420), 0.51 west (462, 419), 0.51 north (461, 420); the heights differ."""
    step = float(raw["step_deg"])
    lon, lat = _centre(raw, 462, 420)
    moves = {(0.51, 0): (462, 421), (0, -0.51): (463, 420), (-0.51, 0): (462, 419), (0, 0.51): (461, 420)}
    expected = [_decoded(raw, *cell) for cell in moves.values()]
    assert len({*expected, _decoded(raw, 462, 420)}) >= 3
    got = grid.sample(np.array([lon + dx * step for dx, _ in moves]), np.array([lat + dy * step for _, dy in moves]))
    np.testing.assert_array_equal(got, expected)


def test_grid__edges(grid, raw):
    """Oracle: the grid's size read from the .npz: cells on the first and last row and column are
    sampled; half a cell and more beyond any edge there is no data (NaN)."""
    rows, cols = raw["code"].shape
    step = float(raw["step_deg"])
    lon_w, lat_n = _centre(raw, 0, 0)
    lon_e, lat_s = _centre(raw, rows - 1, cols - 1)
    inside = [(lon_w - 0.49 * step, lat_s), (lon_e + 0.49 * step, lat_s), (lon_e, lat_n + 0.49 * step), (lon_e, lat_s - 0.49 * step)]
    expected = [_decoded(raw, rows - 1, 0), _decoded(raw, rows - 1, cols - 1), _decoded(raw, 0, cols - 1), _decoded(raw, rows - 1, cols - 1)]
    got = grid.sample(np.array([p[0] for p in inside]), np.array([p[1] for p in inside]))
    np.testing.assert_array_equal(got, expected)
    assert np.isfinite(expected[0]) and np.isfinite(expected[2] if np.isfinite(expected[2]) else expected[0])
    outside = [(lon_w - 0.51 * step, lat_s), (lon_e + 0.51 * step, lat_s), (lon_e, lat_n + 0.51 * step), (lon_e, lat_s - 0.51 * step)]
    assert np.isnan(grid.sample(np.array([p[0] for p in outside]), np.array([p[1] for p in outside]))).all()


def test_grid__sample_keeps_the_shape_and_nan_for_no_data():
    """Oracle: hand lookup on a 2 x 3 synthetic grid (1-degree cells centred on 100-102 E, 51 and
    50 N): a 2 x 2 array of points gives a 2 x 2 array of heights; NaN stays NaN."""
    synthetic = ElevationGrid(np.array([[1.0, 2.0, np.nan], [4.0, 5.0, 6.0]]), lon0=100.0, lat0=51.0, step_deg=1.0)
    got = synthetic.sample(np.array([[100.2, 101.6], [101.9, 99.4]]), np.array([[50.6, 50.4], [51.3, 50.0]]))
    np.testing.assert_array_equal(got, np.array([[1.0, 6.0], [np.nan, np.nan]]))
    assert synthetic.sample(np.array([100.0]), np.array([50.0]))[0] == 4.0


def test_load_elevation__decodes_codes(tmp_path):
    """Oracle: the load_elevation docstring: height = code x 28 - 450 m, code 255 none."""
    path = tmp_path / "e.npz"
    np.savez(path, code=np.array([[0, 1, 16], [100, 254, 255]], dtype=np.uint8), lon0=np.float64(60.5), lat0=np.float64(55.25), step_deg=np.float64(0.5))
    loaded = load_elevation(path)
    np.testing.assert_array_equal(loaded.height_m, [[-450.0, -422.0, -2.0], [2350.0, 6662.0, np.nan]])
    assert (loaded.lon0, loaded.lat0, loaded.step_deg) == (60.5, 55.25, 0.5)
    assert type(loaded.lon0) is float and type(loaded.step_deg) is float
    assert load_elevation(str(path)).height_m.dtype == np.float64


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "FileNotFoundError"),
        ({"code": np.zeros((2, 2), dtype=np.uint8), "lon0": 1.0, "lat0": 2.0}, "KeyError"),
        ({"code": np.array([[1, 2]], dtype=object), "lon0": 1.0, "lat0": 2.0, "step_deg": 0.5}, "ValueError"),
        (b"not a zip file at all", "ValueError"),
    ],
)
def test_load_elevation__unreadable(tmp_path, content, error):
    """Oracle: the load_elevation contract: a missing file, a missing array, pickled data (never
    loaded) or a file that is no .npz are refused with one line naming the file and the tool."""
    path = tmp_path / "e.npz"
    if isinstance(content, dict):
        np.savez(path, **content)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(RouteDataError) as caught:
        load_elevation(path)
    assert str(caught.value) == f"{path}: cannot read the elevation grid ({error}); rebuild it with tools/build_elevation.py"


def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def test_route_profile__hill_up_and_down():
    """Oracle: hand calculation. A ridge 1,000 m high at 105 E falling 10 m per 0.1 degree each
    way (column c: 1,000 - 10 |c - 50|): from 100 E (500 m) over it to 110 E (500 m) a line
    climbs 500 m and descends 500 m; the lowest point is the start (first of the equal lows)."""
    cols = np.arange(101, dtype=float)
    ridge = ElevationGrid(np.tile(1_000.0 - 10.0 * np.abs(cols - 50), (80, 1)), lon0=100.0, lat0=56.0, step_deg=0.1)
    profile = route_profile(shapely.LineString([(100.0, 52.0), (110.0, 52.0)]), ridge, spacing_m=2_000)
    assert profile["ascent_m"] == 500.0 and profile["descent_m"] == 500.0
    assert profile["max_m"] == 1_000.0 and profile["min_m"] == 500.0
    assert profile["min_lonlat"] == pytest.approx((100.0, 52.0), abs=1e-9)
    assert abs(profile["max_lonlat"][0] - 105.0) <= 0.05  # in the peak's cell


def test_route_profile__samples_placed_and_read_by_hand():
    """Oracle: pyproj's Geod (the samples lie every 5 km along the geodesic from the start, the
    last at its end) and the ramp read by hand at each sample (column: the nearest 0.1 degree
    of longitude, 10 m per column)."""
    ramp = _ramp(10.0)
    start, end = (100.0, 52.0), (101.0, 52.3)
    az, _, length = _geod().inv(*start, *end)
    profile = route_profile(shapely.LineString([start, end]), ramp, spacing_m=5_000)
    n = int(np.ceil(length / 5_000))
    assert len(profile["distance_m"]) == n + 1
    np.testing.assert_allclose(profile["distance_m"][:-1], np.arange(n) * 5_000.0)
    assert profile["distance_m"][-1] == pytest.approx(length, abs=1e-6)
    lon, lat, _ = _geod().fwd(np.full(n + 1, start[0]), np.full(n + 1, start[1]), np.full(n + 1, az), profile["distance_m"])
    np.testing.assert_allclose(profile["lon"], lon, atol=1e-7)
    np.testing.assert_allclose(profile["lat"], lat, atol=1e-7)
    hand = np.floor((lon - 100.0) / 0.1 + 0.5) * 10.0
    np.testing.assert_array_equal(profile["height_m"], hand)
    assert profile["ascent_m"] == hand[-1] - hand[0] == 100.0


def test_route_profile__gaps_in_the_data_are_bridged():
    """Oracle: hand calculation. The ramp (10 m per 0.1 degree) has no data from 105 to 108 E:
    samples there are NaN, and the climb counts from the last sample before the gap to the
    first after it, so 100 -> 115 E still climbs 1,500 m; the maximum is at the end."""
    heights = np.tile(np.arange(200, dtype=float) * 10.0, (50, 1))
    heights[:, 50:81] = np.nan
    grid = ElevationGrid(heights, lon0=100.0, lat0=55.0, step_deg=0.1)
    profile = route_profile(shapely.LineString([(100.0, 52.0), (115.0, 52.0)]), grid, spacing_m=5_000)
    assert np.isnan(profile["height_m"]).sum() > 10
    assert profile["ascent_m"] == 1_500.0 and profile["descent_m"] == 0.0
    assert profile["max_m"] == 1_500.0 and 114.95 <= profile["max_lonlat"][0] < 115.0


def test_route_profile__no_data_at_all():
    """Oracle: the docstring: with no data along the line, no climb and no extremes (None)."""
    empty = ElevationGrid(np.full((10, 10), np.nan), lon0=100.0, lat0=55.0, step_deg=0.1)
    profile = route_profile(shapely.LineString([(100.0, 54.5), (100.5, 54.5)]), empty)
    assert profile["ascent_m"] == 0.0 and profile["descent_m"] == 0.0
    assert profile["max_m"] is profile["min_m"] is profile["max_lonlat"] is profile["min_lonlat"] is None


def test_route_profile__parts_end_to_end():
    """Oracle: pyproj's Geod: the distance along a two-part line is the sum of its parts' geodesic
    lengths (nothing for the gap between them); the ramp read by hand at the ends gives the rise
    from 100 E (0 m) to 107 E (700 m)."""
    parts = shapely.MultiLineString([[(100.0, 52.0), (102.0, 52.0)], [(105.0, 52.0), (107.0, 52.0)]])
    profile = route_profile(parts, _ramp(10.0), spacing_m=5_000)
    expected = _geod().inv(100.0, 52.0, 102.0, 52.0)[2] + _geod().inv(105.0, 52.0, 107.0, 52.0)[2]
    assert profile["distance_m"][-1] == pytest.approx(expected, abs=1e-6)
    assert profile["ascent_m"] == 700.0 and 106.95 <= profile["max_lonlat"][0] <= 107.0


def test_route_profile__default_spacing_is_5_km():
    """Oracle: the DEFAULT_PROFILE_SPACING_M documentation (at least every 5 km)."""
    profile = route_profile(shapely.LineString([(100.0, 52.0), (101.0, 52.0)]), _ramp(1.0))
    assert np.diff(profile["distance_m"])[:-1] == pytest.approx(5_000.0)


def test_route_profile__rises_under_a_metre_count():
    """Oracle: hand calculation: every rise counts, however small. A ramp of 0.5 m per 0.1 degree
    from 100 E to 115 E (150 columns) climbs 75 m and descends 0 m; reversed, the opposite."""
    line = shapely.LineString([(100.0, 52.0), (115.0, 52.0)])
    profile = route_profile(line, _ramp(0.5), spacing_m=5_000)
    assert profile["ascent_m"] == 75.0 and profile["descent_m"] == 0.0
    back = route_profile(line.reverse(), _ramp(0.5), spacing_m=5_000)
    assert back["ascent_m"] == 0.0 and back["descent_m"] == 75.0
