"""As-built length estimates (geo/asbuilt.py), the cleaned traces and their calibration.

Oracles: a model with a known factor and no spread against pyproj's geodesic
computed here; the traces' lengths against the figures of the traced-pipelines
README (one-way files); the country index for P1124; the leave-one-out
backtest with a generous bound.
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from dataclasses import replace

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.asbuilt import (
    RADIUS_TO_SIGMA,
    AsBuilt,
    ClassFactor,
    SampleBlock,
    _displaced_lengths,
    as_built,
    load_routing_model,
    ruggedness_m,
    terrain_class,
)
from geo.elevation import load_elevation
from geo.errors import RouteDataError
from tests.conftest import DATA_DIR, REPO_DIR

GEOD = Geod(ellps="WGS84")
MODEL_PATH = DATA_DIR / "routing_factors.json"
TRACES_PATH = DATA_DIR / "traced_pipelines.geojson"
SKETCHES = tomllib.loads((DATA_DIR / "calibration_sketches.toml").read_text("utf-8"))["sketch"]
TRACES = {f["properties"]["id"]: f for f in json.loads(TRACES_PATH.read_text("utf-8"))["features"]}
LINE = np.column_stack([np.linspace(100.0, 120.0, 25), np.linspace(50.0, 45.0, 25)])


@pytest.fixture(scope="module")
def elevation():
    return load_elevation(DATA_DIR / "elevation_5min.npz")


@pytest.fixture(scope="module")
def model():
    return load_routing_model(MODEL_PATH)


def fixed(model, factor: float):
    """The model with one factor for every class and length, no spread."""
    klass = ClassFactor(math.log(factor), 0.0, 1)
    ones = tuple(1.0 for _ in model.length_km)
    return replace(model, classes={c: klass for c in model.classes}, mean_ratio=ones, sd_ratio=ones)


def geodesic_m(lonlat: np.ndarray) -> float:
    return sum(GEOD.inv(a[0], a[1], b[0], b[1])[2] for a, b in zip(lonlat[:-1], lonlat[1:], strict=True))


def test_known_factor_gives_factor_times_geodesic(model, elevation):
    result = as_built(LINE, model=fixed(model, 1.2), elevation=elevation, samples=200)
    band = result.band()
    expected = round(1.2 * geodesic_m(LINE) / 1000.0, 1)
    assert band["estimate"] == pytest.approx(expected, abs=0.1)
    assert band["low"] == pytest.approx(expected, abs=0.1) and band["high"] == pytest.approx(expected, abs=0.1)
    assert result.samples_m.shape == (200, 24)


def test_position_noise_widens_and_lengthens(model, elevation):
    exact = as_built(LINE, model=fixed(model, 1.0), elevation=elevation).band()
    noisy = as_built(LINE, model=fixed(model, 1.0), elevation=elevation, grades=[("low", "low")] * 25).band()
    assert noisy["high"] - noisy["low"] > 50.0 > exact["high"] - exact["low"]
    assert noisy["estimate"] > exact["estimate"]  # random offsets of the vertices add length on average


def test_seeded_reproducible(model, elevation):
    grades = [("medium", "low")] * 25
    a = as_built(LINE, model=model, elevation=elevation, grades=grades, seed=7)
    b = as_built(LINE, model=model, elevation=elevation, grades=grades, seed=7)
    c = as_built(LINE, model=model, elevation=elevation, grades=grades, seed=8)
    assert np.array_equal(a.samples_m, b.samples_m) and a.band() == b.band()
    assert not np.array_equal(a.samples_m, c.samples_m)


def test_band_shape_and_strict_json(model, elevation):
    band = as_built(LINE, model=model, elevation=elevation, grades=[("high", "medium")] * 25).band()
    assert set(band) == {"estimate", "low", "high", "coverage"}
    assert band["low"] < band["estimate"] < band["high"]
    assert band["coverage"] == 0.9
    assert all(type(v) is float and math.isfinite(v) for v in band.values())
    json.dumps(band, allow_nan=False)
    assert band["estimate"] > geodesic_m(LINE) / 1000.0  # built pipelines run longer


def test_coverage_option_narrows_the_band(model, elevation):
    wide = as_built(LINE, model=model, elevation=elevation, coverage=0.9).band()
    narrow = as_built(LINE, model=model, elevation=elevation, coverage=0.5).band()
    assert narrow["coverage"] == 0.5
    assert wide["low"] < narrow["low"] < narrow["high"] < wide["high"]


def test_traced_is_measured_with_a_small_band(model, elevation):
    measured = geodesic_m(LINE) / 1000.0
    band = as_built(LINE, model=model, elevation=elevation, traced=True, grades=[("low", "low")] * 25).band()
    assert band["estimate"] == pytest.approx(measured, rel=0.002)
    assert band["low"] < measured < band["high"]
    assert band["high"] - band["low"] < 0.05 * measured


def test_spans_add_up(model, elevation):
    result = as_built(LINE, model=model, elevation=elevation, grades=[("medium", "medium")] * 25)
    total = result.samples_m.sum(axis=1)
    parts = result.samples_m[:, :10].sum(axis=1) + result.samples_m[:, 10:].sum(axis=1)
    assert np.allclose(total, parts)
    first, second = result.band_between(0, 10), result.band_between(10, 24)
    assert first["estimate"] + second["estimate"] == pytest.approx(result.band()["estimate"], rel=0.02)
    assert result.band_between(0, 24) == result.band()
    with pytest.raises(ValueError):
        result.band_between(5, 5)
    with pytest.raises(ValueError):
        result.band_between(0, 25)


def test_dense_line_gets_a_small_factor(model, elevation):
    """A line with a vertex every ~2 km already follows the ground: no 150-km-leg factor."""
    lon, lat = np.linspace(110.0, 112.0, 80), np.full(80, 52.0)
    dense = np.column_stack([lon, lat])
    sparse = dense[[0, -1]]
    d = as_built(dense, model=model, elevation=elevation).band()
    s = as_built(sparse, model=model, elevation=elevation).band()
    measured = geodesic_m(dense) / 1000.0
    assert d["estimate"] / measured < 1.03
    assert s["estimate"] / measured > d["estimate"] / measured + 0.01


def test_bad_inputs(model, elevation):
    with pytest.raises(RouteDataError, match=r"grades\[3\]"):
        as_built(LINE, model=model, elevation=elevation, grades=[("high", "high")] * 3 + [("bad", "high")] * 22)
    with pytest.raises(RouteDataError, match="grades"):
        as_built(LINE, model=model, elevation=elevation, grades=[("high", "high")])
    with pytest.raises(ValueError):
        as_built(LINE[:1], model=model, elevation=elevation)
    with pytest.raises(ValueError):
        as_built(LINE, model=model, elevation=elevation, coverage=1.0)


def test_model_file(model, tmp_path):
    doc = json.loads(MODEL_PATH.read_text("utf-8"))
    json.dumps(doc, allow_nan=False)
    assert "OpenStreetMap" in doc["licence"] and doc["source"] and doc["confidence"]
    assert set(doc["input_sha256"]) == {"traced_pipelines.geojson", "calibration_sketches.toml", "elevation_5min.npz"}
    assert sum(c.n for c in model.classes.values()) == doc["sections"] >= 25
    broken = dict(doc, coord_radius_km={"high": 1.0})
    (tmp_path / "m.json").write_text(json.dumps(broken))
    with pytest.raises(RouteDataError, match="coord_radius_km"):
        load_routing_model(tmp_path / "m.json")


def test_terrain_classes(elevation):
    flat = np.array([[62.0, 44.5], [63.0, 44.5]])  # Kyzylkum / Aral lowland
    mountain = np.array([[86.5, 49.5], [88.5, 49.8]])  # Altai
    assert terrain_class(flat, elevation=elevation) == ["flat"]
    assert terrain_class(mountain, elevation=elevation) == ["mountain"]
    assert ruggedness_m(mountain, elevation=elevation)[0] > ruggedness_m(flat, elevation=elevation)[0]


def test_asbuilt_dataclass_band_is_plain():
    block = SampleBlock(0, 2, per_segment_m=np.full((100, 2), 1500.0))
    result = AsBuilt(np.array([1000.0, 1000.0]), 0.9, (block,))
    assert result.band() == {"estimate": 3.0, "low": 3.0, "high": 3.0, "coverage": 0.9}


def test_sample_blocks_sum_like_the_full_array():
    # Oracle: the (samples, segments) array written out by hand; a traced block is its measured
    # lengths times one factor per sample, so every span and weighted sum must equal the
    # plain numpy sums of that array, across block boundaries and after joining.
    measured = np.array([1000.0, 2000.0, 3000.0, 4000.0, 5000.0])
    dense = np.array([[1100.0, 2300.0], [900.0, 1800.0], [1000.0, 2100.0]])
    factor = np.array([1.5, 0.5, 2.0])
    head = AsBuilt(measured[:2], 0.9, (SampleBlock(0, 2, per_segment_m=dense),))
    tail = AsBuilt(measured[2:], 0.9, (SampleBlock(0, 3, factor=factor),))
    whole = AsBuilt.joined([head, tail], 0.9)
    full = np.hstack([dense, factor[:, None] * np.array([[3000.0, 4000.0, 5000.0]])])
    assert np.array_equal(whole.samples_m, full)
    assert [(b.first, b.count) for b in whole.blocks] == [(0, 2), (2, 3)]
    for i, j in [(0, 5), (1, 3), (2, 4), (3, 5), (0, 1), (4, 5)]:
        np.testing.assert_allclose(whole.span_m(i, j), full[:, i:j].sum(axis=1), rtol=1e-15)
    weights = np.array([0.0, 0.5, 1.0, 0.25, 0.0])
    np.testing.assert_allclose(whole.weighted_m(weights), full @ weights, rtol=1e-15)
    np.testing.assert_allclose(whole.span_m(2, 5), [18000.0, 6000.0, 24000.0])
    with pytest.raises(ValueError, match="must satisfy"):
        whole.span_m(3, 3)


# --- the cleaned traces ---------------------------------------------------------------------------------------------


def test_traces_schema():
    assert list(TRACES) == ["P2353", "P2352", "P4484", "P4482", "P1124", "P0758", "P2348", "P5538"]
    for f in TRACES.values():
        p = f["properties"]
        assert set(p) == {"id", "name", "osm_ways", "method", "parts", "gap_km", "length_km", "source", "licence",
                          "confidence"}  # fmt: skip
        assert "ODbL" in p["licence"] and "CC BY 4.0" in p["licence"] and p["confidence"] in ("high", "medium", "low")
        coords = np.array(f["geometry"]["coordinates"])
        assert f["geometry"]["type"] == "LineString"
        assert p["length_km"] == pytest.approx(geodesic_m(coords) / 1000.0, abs=0.01)
    assert TRACES_PATH.stat().st_size < 300_000


@pytest.mark.parametrize(("trace_id", "readme_km"), [("P2353", 1187), ("P1124", 1841), ("P4484", 1046)])
def test_one_way_traces_keep_their_length(trace_id, readme_km):
    assert TRACES[trace_id]["properties"]["length_km"] == pytest.approx(readme_km, rel=0.02)


def test_multi_way_traces_are_one_path():
    # P2352: 1,709 km of all parts with parallel strings and branches; the main path is shorter but continuous.
    p = TRACES["P2352"]["properties"]
    assert 1500 < p["length_km"] < 1709 and p["gap_km"] < 10


@pytest.mark.parametrize(
    ("trace_id", "axis", "sign"),
    [("P2353", 0, 1), ("P2352", 1, -1), ("P4484", 1, -1), ("P4482", 1, -1), ("P1124", 0, 1), ("P0758", 1, -1),
     ("P2348", 0, -1), ("P5538", 0, -1)],
)  # fmt: skip
def test_traces_run_from_source_to_market(trace_id, axis, sign):
    coords = TRACES[trace_id]["geometry"]["coordinates"]
    assert sign * (coords[-1][axis] - coords[0][axis]) > 0


def test_central_asia_china_never_enters_kyrgyzstan(country_index, countries):
    line = shapely.LineString(TRACES["P1124"]["geometry"]["coordinates"])
    kgz = countries.loc[countries["iso3"] == "KGZ", "geometry"].iloc[0]
    assert not line.intersects(kgz)
    kaz = countries.loc[countries["iso3"] == "KAZ", "geometry"].iloc[0]
    assert line.intersects(kaz)


def _points():
    for sketch in SKETCHES:
        for point in sketch["points"]:
            yield pytest.param(sketch["trace"], point, id=f"{sketch['trace']}-{point['name']}")


@pytest.mark.parametrize(("trace_id", "point"), list(_points()))
def test_sketch_point_near_its_trace(trace_id, point):
    assert point["source"] and point["confidence"] in ("high", "medium", "low")
    coords = np.array(TRACES[trace_id]["geometry"]["coordinates"])
    n = len(coords)
    _, _, dist = GEOD.inv(np.full(n, point["lon"]), np.full(n, point["lat"]), coords[:, 0], coords[:, 1])
    # Nearest vertex: traces have a vertex every few km at most, so this is within a few km of the true distance.
    assert dist.min() < 50_000.0


# --- the backtest ------------------------------------------------------------------------------------------------


def test_leave_one_out_backtest():
    sys.path.insert(0, str(REPO_DIR))
    from benchmarks.backtest_asbuilt import backtest

    result = backtest(samples=500)
    assert result["sections"] >= 25
    assert result["coverage"] >= 0.6
    assert result["whole_median_error_pct"] < result["whole_median_sketch_error_pct"]


def test_displaced_lengths__match_moved_geodesics():
    """Oracle: each end moved along a geodesic (Geod.fwd) by the same offsets, the segment measured
    again (Geod.inv): the tangent-plane formula is within 25 m for offsets of up to 50 km (90 %)."""
    lon, lat = np.array([100.0, 102.0, 102.5, 110.0]), np.array([55.0, 54.0, 53.8, 50.0])
    radius = np.array([50e3, 20e3, 50e3, 1e3])
    fast = _displaced_lengths(lon, lat, radius, np.random.default_rng(1), 2000)
    east, north = np.random.default_rng(1).standard_normal((2, 2000, 4)) * (radius * RADIUS_TO_SIGMA)
    moved_lon, moved_lat, _ = GEOD.fwd(
        np.broadcast_to(lon, (2000, 4)), np.broadcast_to(lat, (2000, 4)), np.degrees(np.arctan2(east, north)), np.hypot(east, north)
    )  # fmt: skip
    exact = GEOD.inv(moved_lon[:, :-1], moved_lat[:, :-1], moved_lon[:, 1:], moved_lat[:, 1:])[2]
    assert np.abs(fast - exact).max() < 25.0
    assert np.abs(fast - exact).max() > 0.0  # a different computation, not the same call
