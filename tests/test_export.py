"""Tests for geo.export: RFC 7946 GeoJSON, GeoPackage, KML, and round trips."""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import re

import numpy as np
import pyogrio
import pytest
import shapely
from geojson_pydantic import FeatureCollection

import make_maps
from geo.catalog import load_places, read_routes
from geo.compare import comparison_records
from geo.export import routes_geojson, routes_table, split_antimeridian, write_gpkg, write_kml
from geo.measure import measure_routes
from tests.conftest import CATALOG_IDS, METHOD_NOTE, PLACES_PATH, meridian_arc_m, routes_frame


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


@pytest.fixture(scope="module")
def geojson_text(measured_catalog, records):
    return routes_geojson(measured_catalog, records, method=METHOD_NOTE, points=True, places=load_places(PLACES_PATH))


def test_geojson__valid_for_an_outside_validator(geojson_text):
    collection = FeatureCollection.model_validate_json(geojson_text)
    kinds = [f.properties["feature_type"] for f in collection.features]
    assert kinds.count("route") == len(CATALOG_IDS)
    assert {"border_crossing", "km_post", "place"} <= set(kinds)


def test_geojson__rfc7946_details(geojson_text, tmp_path):
    doc = json.loads(geojson_text)
    assert "crs" not in doc
    assert max(len(d) for d in re.findall(r"-?\d+\.(\d+)(?=[,\]])", geojson_text.split('"features"')[1])) <= 6
    path = tmp_path / "routes.geojson"
    path.write_text(geojson_text)
    read_back = pyogrio.read_dataframe(path)  # GDAL reads it
    assert len(read_back) == len(doc["features"])
    assert read_back.crs.to_epsg() == 4326


def test_split_antimeridian__geojson_of_a_crossing_route(country_index):
    line = shapely.LineString([(178.0, 60.0), (-178.0, 62.0)])
    measured = measure_routes(routes_frame({"chukotka": line}), country_index)
    record = {"id": "chukotka", "border_crossings": []}
    feature = json.loads(routes_geojson(measured, [record], method=METHOD_NOTE))["features"][0]
    assert feature["geometry"]["type"] == "MultiLineString"
    west_end, east_start = feature["geometry"]["coordinates"][0][-1], feature["geometry"]["coordinates"][1][0]
    assert west_end[0] == 180.0 and east_start[0] == -180.0 and west_end[1] == east_start[1]
    assert split_antimeridian(shapely.LineString([(100, 50), (110, 50)])).geom_type == "LineString"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml"])
def test_round_trip__same_geometry_and_measurements(tmp_path, country_index, measured_catalog, records, fmt):
    path = tmp_path / f"routes.{fmt}"
    if fmt == "geojson":
        path.write_text(routes_geojson(measured_catalog, records, method=METHOD_NOTE, points=True, places=load_places(PLACES_PATH)))
    elif fmt == "gpkg":
        write_gpkg(path, measured_catalog, records, load_places(PLACES_PATH))
    else:
        write_kml(path, measured_catalog, records)
    routes = read_routes([path])
    assert list(routes["id"]) == CATALOG_IDS
    for before, after in zip(measured_catalog.geometry.values, routes.geometry.values, strict=True):
        np.testing.assert_allclose(shapely.get_coordinates(after), shapely.get_coordinates(before), atol=1e-6)
    again = measure_routes(routes, country_index)
    for (_, b), (_, a) in zip(measured_catalog.iterrows(), again.iterrows(), strict=True):
        assert a["length_m"] == pytest.approx(b["length_m"], abs=1.0)
        for iso, metres in b["country_m"].items():
            assert a["country_m"][iso] == pytest.approx(metres, abs=1.0), iso


def test_gpkg__layers_and_crs(tmp_path, measured_catalog, records):
    path = tmp_path / "routes.gpkg"
    write_gpkg(path, measured_catalog, records, load_places(PLACES_PATH))
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"routes", "border_crossings", "km_posts", "places"}
    assert layers["routes"] == "LineString" and layers["places"] == "Point"
    assert pyogrio.read_info(path, layer="routes")["crs"] == "EPSG:4326"
    table = pyogrio.read_dataframe(path, layer="routes")
    assert table["km_MNG"].iloc[0] == records[0]["countries"]["MNG"]


def test_kml__name_and_description(tmp_path, measured_catalog, records):
    path = tmp_path / "routes.kml"
    write_kml(path, measured_catalog, records)
    text = path.read_text()
    assert text.count("<Placemark") == len(records)
    assert "<name>Power of Siberia 2 via Mongolia (Soyuz Vostok)</name>" in text
    assert "5,080.2 km (geodesic, WGS84)" in text


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "kml"])
def test_export_command(tmp_path, fmt, capsys):
    out = tmp_path / f"routes.{fmt}"
    assert make_maps.main(["export", "--format", fmt, "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_export_command__missing_folder(tmp_path, capsys):
    assert make_maps.main(["export", "--format", "gpkg", "--out", str(tmp_path / "no" / "r.gpkg")]) == 2
    assert "does not exist; create it first" in capsys.readouterr().err


# --- strict JSON (RFC 8259: no NaN or Infinity) and km outside the extract in every export ---


def refuse_constant(name: str) -> None:
    """parse_constant for json.loads: NaN, Infinity and -Infinity are not JSON."""
    msg = f"non-JSON constant {name} in the output"
    raise AssertionError(msg)


@pytest.mark.parametrize("where", ["property", "countries", "segments", "method"])
@pytest.mark.parametrize("bad", [math.nan, math.inf], ids=["nan", "inf"])
def test_routes_geojson__rejects_nan(measured_catalog, records, where, bad):
    # Oracle: RFC 7946 is JSON (RFC 8259), which has no NaN or Infinity; writing one would
    # give a file other readers refuse, so it is an error (ValueError from json, allow_nan=False).
    broken = copy.deepcopy(list(records))
    method = dict(METHOD_NOTE)
    if where == "property":
        broken[0]["length_km"] = bad
    elif where == "countries":
        broken[0]["countries"]["MNG"] = bad
    elif where == "segments":
        broken[0]["segments"][0]["measured_km"] = bad
    else:
        method["densify_max_segment_km"] = bad
    with pytest.raises(ValueError, match="JSON compliant"):
        routes_geojson(measured_catalog, broken, method=method)


@pytest.mark.parametrize("key", ["countries", "border_crossings", "segments"])
def test_routes_table__json_columns_reject_nan(measured_catalog, records, key):
    broken = copy.deepcopy(list(records))
    if key == "countries":
        broken[0]["countries"]["MNG"] = math.nan
    elif key == "border_crossings":
        broken[0]["border_crossings"][0]["km"] = math.nan
    else:
        broken[0]["segments"][0]["published_km"] = math.nan
    with pytest.raises(ValueError, match="JSON compliant"):
        routes_table(measured_catalog, broken)


EDGE_LINES = {
    "loop": [[104.28, 52.29], [106.11, 50.39], [104.28, 52.29]],  # both ends at one place: no chord
    "north": [[100.0, 60.0], [100.0, 80.0]],  # leaves the extract at 74 N
    "chukotka": [[178.0, 60.0], [-178.0, 62.0]],  # across 180 degrees, wholly outside the extract
    '=HYPERLINK("http://x")': [[104.28, 52.29], [106.11, 50.39]],  # an id a spreadsheet would run
}


@pytest.fixture
def edge_file(write):
    features = [
        {"type": "Feature", "id": route_id, "properties": {}, "geometry": {"type": "LineString", "coordinates": coords}}
        for route_id, coords in EDGE_LINES.items()
    ]
    return write("edge.geojson", json.dumps({"type": "FeatureCollection", "features": features}))


def test_export_command__geojson_strict_with_outside_km(tmp_path, edge_file, capsys):
    out = tmp_path / "edge-out.geojson"
    assert make_maps.main(["export", "--routes", str(edge_file), "--format", "geojson", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"), parse_constant=refuse_constant)
    routes = {f["id"]: f["properties"] for f in doc["features"] if f["properties"]["feature_type"] == "route"}
    assert list(routes) == list(EDGE_LINES)
    assert routes["loop"]["detour_ratio"] is None
    # Oracle for the split: meridian arcs (conftest); beyond 74 N is 'outside', never water.
    assert routes["north"]["countries"]["outside"] == pytest.approx(meridian_arc_m(74, 80) / 1000, abs=0.002)
    assert "none" not in routes["north"]["countries"]
    assert set(routes["chukotka"]["countries"]) == {"outside"}


def test_export_command__csv_and_gpkg_carry_outside_km(tmp_path, edge_file, capsys):
    csv_path, gpkg_path = tmp_path / "edge.csv", tmp_path / "edge.gpkg"
    assert make_maps.main(["export", "--routes", str(edge_file), "--format", "csv", "--out", str(csv_path)]) == 0
    assert make_maps.main(["export", "--routes", str(edge_file), "--format", "gpkg", "--out", str(gpkg_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"), newline="")))
    header = list(rows[0])
    assert header[header.index("km_none") + 1] == "km_outside"
    assert [r["id"] for r in rows] == ["loop", "north", "chukotka", "'" + '=HYPERLINK("http://x")']  # OWASP: leading '
    table = pyogrio.read_dataframe(gpkg_path, layer="routes")
    north = table.set_index("id").loc["north"]
    assert north["km_outside"] == float(rows[1]["km_outside"]) > 0
    assert json.loads(north["countries_json"], parse_constant=refuse_constant)["outside"] == north["km_outside"]
