"""Property-based tests (hypothesis): round trips and robustness against any input."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Geod

import make_maps
from geo.catalog import read_routes
from geo.compare import comparison_records
from geo.export import routes_geojson, write_gpkg, write_kml
from geo.measure import measure_routes
from tests.conftest import METHOD_NOTE, routes_frame

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
"""Example counts and seeds come from the profile loaded in conftest.py (fixed in CI)."""

GEOD = Geod(ellps="WGS84")
ROUNDING_SHIFT_M = 0.08
"""How far writing 6 decimals can move a vertex: half of 1e-6 degree on each axis is
at most 0.0557 m of latitude and 0.0557 m of longitude, 0.079 m together."""

lonlat = st.tuples(
    st.floats(min_value=50, max_value=140, allow_nan=False).map(lambda v: round(v, 6)),
    st.floats(min_value=32, max_value=70, allow_nan=False).map(lambda v: round(v, 6)),
)
lines = st.lists(lonlat, min_size=2, max_size=12).filter(
    lambda pts: all(a != b for a, b in zip(pts[:-1], pts[1:], strict=False))
)


def split_shift_bound_m(line: shapely.Geometry, country_index) -> float:
    """How far all the country splits of ``line`` can move when its vertices move by ROUNDING_SHIFT_M.

    A split is where the line meets a boundary at an angle theta; moving the
    line sideways by d slides that point by up to d / sin(theta) along it.
    Angles are taken in lon/lat scaled by cos(lat), from the segments of the
    line and of the boundary that hold each intersection (the smallest sine
    when it lies on several). A split is found on the straight lon/lat chord
    of the segment that holds it, not on its geodesic; the two lie up to the
    chord's offset at mid-segment apart (about 2 m on a 10 km segment at
    55 N), and the segments differ between the two measurements (the read
    line is densified again), so a split can also slide by twice that offset
    / sin(theta). A line grazing a border is ill-conditioned, and the bound
    grows without limit as it should.
    """
    chunks = country_index.boundary_chunks[country_index.boundary_tree.query(line, predicate="intersects")]
    hits = shapely.get_coordinates(shapely.intersection(line, chunks))
    route_segments, route_dirs = _segments([line])
    ends = shapely.get_coordinates(route_segments).reshape(-1, 2, 2)
    lon1, lat1, lon2, lat2 = ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1]
    azimuth, _, length_m = GEOD.inv(lon1, lat1, lon2, lat2)
    mid_lon, mid_lat, _ = GEOD.fwd(lon1, lat1, azimuth, np.asarray(length_m) / 2)
    offset_m = np.asarray(GEOD.inv(mid_lon, mid_lat, (lon1 + lon2) / 2, (lat1 + lat2) / 2)[2])
    border_segments, border_dirs = _segments(chunks)
    bound = 0.0
    for point in shapely.points(hits):
        near = shapely.dwithin(route_segments, point, 1e-7)
        u = route_dirs[near]
        v = border_dirs[shapely.dwithin(border_segments, point, 1e-7)]
        sines = np.abs(u[:, None, 0] * v[None, :, 1] - u[:, None, 1] * v[None, :, 0])
        bound += (ROUNDING_SHIFT_M + 2 * offset_m[near].max(initial=0.0)) / max(sines.min(initial=1.0), 1e-12)
    return bound


def _segments(lines) -> tuple[np.ndarray, np.ndarray]:
    """Every segment of ``lines`` as a LineString, with its unit direction (x scaled by cos lat)."""
    xy, owner = shapely.get_coordinates(shapely.get_parts(np.asarray(lines, dtype=object)), return_index=True)
    keep = (owner[1:] == owner[:-1]) & (xy[1:] != xy[:-1]).any(axis=1)
    a, b = xy[:-1][keep], xy[1:][keep]
    step = (b - a) * np.column_stack([np.cos(np.radians(a[:, 1])), np.ones(len(a))])
    return shapely.linestrings(np.stack([a, b], axis=1)), step / np.hypot(step[:, 0], step[:, 1])[:, None]


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@SETTINGS
@given(points=lines, fmt=st.sampled_from(["geojson", "gpkg", "kml"]))
@example(points=[(106.2, 51.0), (106.2, 49.5)], fmt="gpkg")
@example(points=[(127.0, 57.0), (139.0, 57.0), (127.0, 57.0)], fmt="geojson")  # doubles back over a coast
@example(points=[(75.25839, 43.415399), (62.625217, 62.625217), (75.25839, 43.415399)], fmt="geojson")  # split moved 1.4 m
def test_random_lines_round_trip(country_index, points, fmt):
    """Oracle: the file holds the measured line to 6 decimals, so length moves by < 1 m and
    each country's km by < 1 m plus what the rounding can move the splits (split_shift_bound_m)."""
    measured = measure_routes(routes_frame({"r": shapely.LineString(points)}), country_index)
    routes = routes_frame({"r": shapely.LineString(points)})
    routes = routes.assign(name="r", kind="option", status=None, capacity_bcm=None, diameter_mm=None,
                           confidence="low", segments=[[]], waypoints=[[{"name": "a"}, {"name": "b"}]], sources=[[]])  # fmt: skip
    records = comparison_records(routes, measured)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"r.{fmt}"
        if fmt == "geojson":
            path.write_text(routes_geojson(measured, records, method=METHOD_NOTE, points=True))
        elif fmt == "gpkg":
            write_gpkg(path, measured, records, None)
        else:
            write_kml(path, measured, records)
        back = read_routes([path])
    np.testing.assert_allclose(
        shapely.get_coordinates(back.geometry.iloc[0]), shapely.get_coordinates(measured.geometry.iloc[0]), atol=1e-6
    )
    again = measure_routes(back, country_index).iloc[0]
    assert abs(again["length_m"] - measured["length_m"].iloc[0]) <= 1.0
    tolerance_m = 1.0 + split_shift_bound_m(measured.geometry.iloc[0], country_index)
    for iso in set(measured["country_m"].iloc[0]) | set(again["country_m"]):
        before, after = measured["country_m"].iloc[0].get(iso, 0.0), again["country_m"].get(iso, 0.0)
        assert abs(after - before) <= tolerance_m, (iso, before, after, tolerance_m)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
geojson_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["FeatureCollection", "Feature", "LineString", "MultiLineString", "Point", "Nope"]),
        "features": st.lists(
            st.fixed_dictionaries(
                {"type": st.just("Feature"), "id": json_values, "properties": json_values,
                 "geometry": json_values | st.fixed_dictionaries(
                     {"type": st.sampled_from(["LineString", "MultiLineString", "Polygon"]), "coordinates": json_values})}
            ),
            max_size=3,
        ),
        "coordinates": json_values,
        "crs": json_values,
    }
)  # fmt: skip


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(deadline=None)
@given(document=geojson_like | json_values, raw=st.binary(max_size=40), as_text=st.booleans())
@example(  # the only feature is skipped: one error line, not an error and a warning
    document={"type": "FeatureCollection", "features": [{"type": "Feature", "id": "a", "properties": {}, "geometry": None}]},
    raw=b"", as_text=True,
)
def test_random_documents_never_raise(document, raw, as_text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.geojson"
        if as_text:
            path.write_text(json.dumps(document))
        else:
            path.write_bytes(raw)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = make_maps.main(["compare", "--format", "json", "--routes", str(path)])
    assert status in (0, 2)
    if status == 2:
        assert len(err.getvalue().strip().splitlines()) == 1
        assert "Traceback" not in err.getvalue()
