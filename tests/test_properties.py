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

import make_maps
from geo.catalog import read_routes
from geo.compare import comparison_records
from geo.export import routes_geojson, write_gpkg, write_kml
from geo.measure import measure_routes
from tests.conftest import METHOD_NOTE, routes_frame

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

lonlat = st.tuples(
    st.floats(min_value=50, max_value=140, allow_nan=False).map(lambda v: round(v, 6)),
    st.floats(min_value=32, max_value=70, allow_nan=False).map(lambda v: round(v, 6)),
)
lines = st.lists(lonlat, min_size=2, max_size=12).filter(
    lambda pts: all(a != b for a, b in zip(pts[:-1], pts[1:], strict=False))
)


@SETTINGS
@given(points=lines, fmt=st.sampled_from(["geojson", "gpkg", "kml"]))
@example(points=[(106.2, 51.0), (106.2, 49.5)], fmt="gpkg")
def test_random_lines_round_trip(country_index, points, fmt):
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
    for iso, metres in measured["country_m"].iloc[0].items():
        assert abs(again["country_m"].get(iso, 0.0) - metres) <= 1.0


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
@settings(max_examples=60, deadline=None)
@given(document=geojson_like | json_values, raw=st.binary(max_size=40), as_text=st.booleans())
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
