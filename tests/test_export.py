"""Tests for geo.export: RFC 7946 GeoJSON, GeoPackage, KML, and round trips."""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from geojson_pydantic import FeatureCollection

import make_maps
from geo.asbuilt import load_routing_model
from geo.catalog import load_places, read_routes
from geo.compare import comparison_records
from geo.elevation import load_elevation, route_profile
from geo.estimates import estimate_records
from geo.export import point_tables, routes_geojson, routes_table, split_antimeridian, write_gpkg, write_kml
from geo.measure import measure_routes
from geo.network import basis_paths, basis_records, load_network, resolve_network
from tests.conftest import CATALOG_IDS, METHOD_NOTE, PLACES_PATH, meridian_arc_m, routes_frame
from tests.test_compare import ESTIMATE_CELLS, expected_cell


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
    """Oracle: the records and the measured lines themselves (structure, not copied numbers):
    one placemark per route named by it, its line to 1e-6 degrees, and a Length cell
    that is the record's km to one decimal."""
    path = tmp_path / "routes.kml"
    write_kml(path, measured_catalog, records)
    placemarks = read_kml(path)
    assert [p["name"] for p in placemarks] == [r["name"] for r in records]
    for placemark, record, line in zip(placemarks, records, measured_catalog.geometry.values, strict=True):
        np.testing.assert_allclose(placemark["coordinates"], shapely.get_coordinates(line), rtol=0, atol=1e-6)
        length = placemark["table"]["Length"]
        assert length.endswith(" km (geodesic, WGS84)")
        assert float(length.split(" km")[0].replace(",", "")) == pytest.approx(record["length_km"], abs=0.05 + 1e-9)
        assert placemark["route_id"] == record["id"]


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


# --- issue 14: exports checked cell by cell against records written by hand ---
#
# Two routes built by hand (no measuring): e1 with a border crossing and two km posts,
# e2 across the antimeridian with neither. Expected values are worked out in comments.

KML_NS = {"kml": "http://www.opengis.net/kml/2.2"}


def read_kml(path) -> list[dict]:
    """Placemarks of a KML file, read with xml.etree: name, route_id, coordinates and the
    description table as {th: td} (the description is HTML, parsed as XML)."""
    root = ET.parse(path).getroot()
    placemarks = []
    for placemark in root.iter("{http://www.opengis.net/kml/2.2}Placemark"):
        coordinates = placemark.find(".//kml:coordinates", KML_NS).text.split()
        description_text = placemark.find("kml:description", KML_NS).text
        description = ET.fromstring(description_text)
        data = {d.get("name"): d.text for d in placemark.iter("{http://www.opengis.net/kml/2.2}SimpleData")}
        placemarks.append({
            "name": placemark.find("kml:name", KML_NS).text,
            "route_id": data.get("route_id"),
            "data": data,
            "description": description_text,
            "coordinates": np.array([[float(v) for v in c.split(",")][:2] for c in coordinates]),
            "table": {tr.find("th").text: tr.find("td").text for tr in description.iter("tr")},
            "rows": [(tr.find("th").text, tr.find("td").text) for tr in description.iter("tr")],
        })  # fmt: skip
    return placemarks


E1_LINE = shapely.LineString([(100.0, 50.0), (100.1234567, 50.0000004), (101.5, 50.25)])
E2_LINE = shapely.LineString([(178.0, 10.0), (-179.0, 16.0)])


def hand_measured(lines=(E1_LINE, E2_LINE), posts=None) -> gpd.GeoDataFrame:
    posts = posts if posts is not None else [
        np.array([[0.0, 100.0, 50.0], [12_345.678, 100.1234567, 50.0000004]]),  # m from the start, lon, lat
        np.empty((0, 3)),
    ]  # fmt: skip
    return gpd.GeoDataFrame({"km_posts": list(posts)}, geometry=list(lines), crs="EPSG:4326")


def hand_export_records() -> list[dict]:
    return [
        {"id": "e1", "name": "Ёлка & <first>", "kind": "option", "length_km": 5080.26, "planar_deviation_pct": -0.5,
         "detour_ratio": None, "countries": {"RUS": 4000.04, "MNG": 1080.22},
         "border_crossings": [{"from": "RUS", "to": "MNG", "lon": 100.5, "lat": 50.1, "km": 4000.04}],
         "segments": [{"name": "Сегмент", "published_km": 962.9}], "capacity_bcm": 50.0},
        {"id": "e2", "name": "Chukotka", "kind": "suggested", "length_km": 380.0, "planar_deviation_pct": 0.25,
         "detour_ratio": 1.0, "countries": {"outside": 380.0}, "border_crossings": [], "segments": [],
         "capacity_bcm": None},
    ]  # fmt: skip


def hand_places() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Naushki"], "category": ["border_crossing"], "countries": [["RUS", "MNG"]], "description": ["d"],
         "coord_conf": ["high"], "source": ["s"], "role": [None]},
        geometry=[shapely.Point(106.1100004, 50.39)], crs="EPSG:4326",
    )  # fmt: skip


def test_kml__hand_records_names_coordinates_and_table(tmp_path):
    """Oracle, by hand: km with one decimal and thousands separators (5080.26 -> 5,080.3;
    4000.04 -> 4,000.0; 1080.22 -> 1,080.2), capacity with :g (50.0 -> 50), "none" and "-"
    for nothing; coordinates as given, to 1e-6; the KML folder named "routes"."""
    path = tmp_path / "hand.kml"
    path.write_text("stale")  # replaced, not appended to
    write_kml(path, hand_measured(), hand_export_records())
    e1, e2 = read_kml(path)
    assert (e1["name"], e1["route_id"], e2["name"], e2["route_id"]) == ("Ёлка & <first>", "e1", "Chukotka", "e2")
    assert e1["rows"] == [
        ("Length", "5,080.3 km (geodesic, WGS84)"),
        ("in RUS", "4,000.0 km"),
        ("in MNG", "1,080.2 km"),
        ("Border crossings", "RUS>MNG at km 4,000.0"),
        ("Capacity", "50 bcm/yr"),
    ]
    assert e2["rows"] == [
        ("Length", "380.0 km (geodesic, WGS84)"),
        ("in outside", "380.0 km"),
        ("Border crossings", "none"),
        ("Capacity", "-"),
    ]
    assert set(e1["data"]) == {"route_id"}  # name and description are KML's own elements, not extra data
    # the description as written (html.escape'd cells, rows one after another)
    assert e2["description"] == (
        "<table><tr><th>Length</th><td>380.0 km (geodesic, WGS84)</td></tr>"
        "<tr><th>in outside</th><td>380.0 km</td></tr>"
        "<tr><th>Border crossings</th><td>none</td></tr>"
        "<tr><th>Capacity</th><td>-</td></tr></table>"
    )
    np.testing.assert_allclose(e1["coordinates"], shapely.get_coordinates(E1_LINE), rtol=0, atol=1e-6)
    np.testing.assert_allclose(e2["coordinates"], shapely.get_coordinates(E2_LINE), rtol=0, atol=1e-6)
    root = ET.parse(path).getroot()
    assert [f.find("kml:name", KML_NS).text for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")] == ["routes"]


def test_kml__several_crossings_joined(tmp_path):
    """Oracle: the crossings in order, ", "-separated, km with one decimal (by hand)."""
    record = dict(hand_export_records()[0], border_crossings=[
        {"from": "RUS", "to": "MNG", "lon": 0, "lat": 0, "km": 1234.56},
        {"from": "MNG", "to": "CHN", "lon": 0, "lat": 0, "km": 2000.0},
    ])  # fmt: skip
    path = tmp_path / "x.kml"
    write_kml(path, hand_measured(lines=[E1_LINE], posts=[np.empty((0, 3))]), [record])
    (placemark,) = read_kml(path)
    assert placemark["table"]["Border crossings"] == "RUS>MNG at km 1,234.6, MNG>CHN at km 2,000.0"


def test_gpkg__hand_records_read_back(tmp_path):
    """Oracle: the hand records, read back with pyogrio: scalar fields as columns, km per
    country as km_<ISO> (0.0 where a route never is), nested fields as UTF-8 JSON text;
    crossings, km posts (12,345.678 m -> 12.346 km) and places as point layers in EPSG:4326."""
    path = tmp_path / "hand.gpkg"
    path.write_bytes(b"stale")  # replaced
    records = hand_export_records()
    write_gpkg(path, hand_measured(), records, hand_places())
    assert dict(pyogrio.list_layers(path)) == {
        "routes": "LineString", "border_crossings": "Point", "km_posts": "Point", "places": "Point"}  # fmt: skip
    for layer in ("routes", "border_crossings", "km_posts", "places"):
        assert pyogrio.read_info(path, layer=layer)["crs"] == "EPSG:4326"
    routes = pyogrio.read_dataframe(path, layer="routes")
    assert list(routes.columns) == [
        "id", "name", "kind", "length_km", "planar_deviation_pct", "detour_ratio", "capacity_bcm",
        "km_MNG", "km_RUS", "km_outside", "basis_km", "basis_new_build_km", "basis_existing_km", "basis_transit_km",
        "countries_json", "border_crossings_json", "segments_json", "basis_json", "geometry",
    ]  # fmt: skip
    e1, e2 = routes.to_dict("records")
    assert {k: e1[k] for k in ("id", "name", "kind", "length_km", "planar_deviation_pct", "capacity_bcm")} == {
        "id": "e1", "name": "Ёлка & <first>", "kind": "option", "length_km": 5080.26, "planar_deviation_pct": -0.5,
        "capacity_bcm": 50.0}  # fmt: skip
    assert (e1["km_MNG"], e1["km_RUS"], e1["km_outside"]) == (1080.22, 4000.04, 0.0)
    assert (e2["km_MNG"], e2["km_RUS"], e2["km_outside"]) == (0.0, 0.0, 380.0)
    assert math.isnan(e1["detour_ratio"]) and math.isnan(e2["capacity_bcm"])  # None is NULL
    assert e1["segments_json"] == '[{"name": "Сегмент", "published_km": 962.9}]'  # not \\u-escaped
    assert json.loads(e1["countries_json"]) == {"RUS": 4000.04, "MNG": 1080.22}
    assert json.loads(e1["border_crossings_json"]) == records[0]["border_crossings"]
    nested = (e2["countries_json"], e2["border_crossings_json"], e2["segments_json"])
    assert nested == ('{"outside": 380.0}', "[]", "[]")
    line = shapely.get_coordinates(routes.geometry.iloc[0])
    np.testing.assert_allclose(line, shapely.get_coordinates(E1_LINE), atol=1e-9)
    crossings = pyogrio.read_dataframe(path, layer="border_crossings")
    assert crossings.drop(columns="geometry").to_dict("records") == [
        {"feature_type": "border_crossing", "route_id": "e1", "from": "RUS", "to": "MNG", "km": 4000.04}]  # fmt: skip
    assert (crossings.geometry.x[0], crossings.geometry.y[0]) == (100.5, 50.1)
    posts = pyogrio.read_dataframe(path, layer="km_posts")
    assert posts.drop(columns="geometry").to_dict("records") == [
        {"feature_type": "km_post", "route_id": "e1", "km": 0.0},
        {"feature_type": "km_post", "route_id": "e1", "km": 12.346},
    ]
    post_lonlat = shapely.get_coordinates(posts.geometry)
    np.testing.assert_allclose(post_lonlat, [[100.0, 50.0], [100.1234567, 50.0000004]], atol=1e-9)
    places = pyogrio.read_dataframe(path, layer="places")
    assert places.drop(columns="geometry").to_dict("records") == [
        {"feature_type": "place", "name": "Naushki", "category": "border_crossing", "description": "d",
         "coord_conf": "high", "source": "s", "iso3": "RUS/MNG"}]  # fmt: skip


def test_gpkg__no_point_layers_without_points(tmp_path):
    """Oracle: e2 alone has no crossings and no km posts, and no places are given: one layer."""
    path = tmp_path / "e2.gpkg"
    write_gpkg(path, hand_measured(lines=[E2_LINE], posts=[np.empty((0, 3))]), hand_export_records()[1:], None)
    assert dict(pyogrio.list_layers(path)) == {"routes": "LineString"}


def test_point_tables__empty_tables_keep_their_columns():
    """Oracle: point_tables' docstring -- tables in EPSG:4326 with a feature_type column,
    also when a route has no crossings or posts (so a writer can still name the fields)."""
    tables = point_tables(hand_measured(lines=[E2_LINE], posts=[np.empty((0, 3))]), hand_export_records()[1:])
    assert set(tables) == {"border_crossings", "km_posts"}
    crossings, posts = tables["border_crossings"], tables["km_posts"]
    assert list(crossings.columns) == ["feature_type", "route_id", "from", "to", "km", "geometry"]
    assert list(posts.columns) == ["feature_type", "route_id", "km", "geometry"]
    for table in (crossings, posts):
        assert len(table) == 0 and table.geometry.name == "geometry" and table.crs.to_epsg() == 4326


def test_point_tables__records_and_measured_must_match():
    """Oracle: records and measured describe the same routes; one short is an error, not
    routes silently dropped."""
    with pytest.raises(ValueError, match="zip"):
        point_tables(hand_measured(), hand_export_records()[:1])
    with pytest.raises(ValueError, match="zip"):
        routes_geojson(hand_measured(), hand_export_records()[:1], method=METHOD_NOTE)


def geojson_lines(text: str) -> list[dict]:
    """The features of routes_geojson's text, checking its layout: one compact feature
    (no spaces after , and :, UTF-8 unescaped) per line between the collection's lines."""
    lines = text.split("\n")
    assert lines[0] == '{"type":"FeatureCollection","features":[' and lines[-2:] == ["]}", ""]
    features = []
    for i, line in enumerate(lines[1:-2]):
        body = line if i == len(lines) - 4 else line.removesuffix(",")
        feature = json.loads(body, parse_constant=refuse_constant)
        assert body == json.dumps(feature, ensure_ascii=False, separators=(",", ":")), body
        features.append(feature)
    assert json.loads(text)["features"] == features
    return features


def test_routes_geojson__hand_records_routes_only_by_default():
    """Oracle: by default only the routes, properties = feature_type + the record + method;
    coordinates to 6 decimals (100.1234567 -> 100.123457, 50.0000004 -> 50.0); e2 cut at
    180 degrees: from 178 E to 179 W is 2 + 1 degrees, cut 2/3 of the way, at latitude
    10 + 2/3 * (16 - 10) = 14."""
    records = hand_export_records()
    features = geojson_lines(routes_geojson(hand_measured(), records, method=METHOD_NOTE))
    assert [f["id"] for f in features] == ["e1", "e2"]
    for feature, record in zip(features, records, strict=True):
        assert feature["type"] == "Feature"
        assert feature["properties"] == {"feature_type": "route", **record, "method": METHOD_NOTE}
        assert list(feature["properties"]) == ["feature_type", *record, "method"]
    e1 = features[0]["geometry"]
    assert e1 == {"type": "LineString", "coordinates": [[100.0, 50.0], [100.123457, 50.0], [101.5, 50.25]]}
    e2 = features[1]["geometry"]
    assert e2["type"] == "MultiLineString"
    assert e2["coordinates"][0] == [[178.0, 10.0], [180.0, pytest.approx(14.0, abs=1e-9)]]
    assert e2["coordinates"][1] == [[-180.0, pytest.approx(14.0, abs=1e-9)], [-179.0, 16.0]]


def test_routes_geojson__points_and_places():
    """Oracle: the hand records -- one border_crossing point per crossing, one km_post per
    post (12,345.678 m -> 12.346 km; lon/lat to 6 decimals), one place per place (iso3 =
    countries joined by /); without points=True only the places are added."""
    records = hand_export_records()
    text = routes_geojson(hand_measured(), records, method=METHOD_NOTE, points=True, places=hand_places())
    features = geojson_lines(text)
    points = [(f["properties"], f["geometry"]) for f in features[2:]]
    assert points == [
        ({"feature_type": "border_crossing", "route_id": "e1", "from": "RUS", "to": "MNG", "km": 4000.04},
         {"type": "Point", "coordinates": [100.5, 50.1]}),
        ({"feature_type": "km_post", "route_id": "e1", "km": 0.0}, {"type": "Point", "coordinates": [100.0, 50.0]}),
        ({"feature_type": "km_post", "route_id": "e1", "km": 12.346},
         {"type": "Point", "coordinates": [100.123457, 50.0]}),
        ({"feature_type": "place", "name": "Naushki", "category": "border_crossing", "description": "d",
          "coord_conf": "high", "source": "s", "iso3": "RUS/MNG"}, {"type": "Point", "coordinates": [106.11, 50.39]}),
    ]  # fmt: skip
    place_keys = ["feature_type", "name", "category", "description", "coord_conf", "source", "iso3"]
    assert list(points[3][0]) == place_keys
    only_places = geojson_lines(routes_geojson(hand_measured(), records, method=METHOD_NOTE, places=hand_places()))
    assert [f["properties"]["feature_type"] for f in only_places] == ["route", "route", "place"]
    assert only_places[2] == features[-1]
    assert len(geojson_lines(routes_geojson(hand_measured(), records, method=METHOD_NOTE, points=False))) == 2


def test_routes_geojson__crossing_point_has_from():
    """Oracle: the point_tables columns (and the record's crossing keys): from, to, km.
    (make_maps.py export --format geojson wrote "_2":"RUS" for every border_crossing: a namedtuple rename.)"""
    features = geojson_lines(routes_geojson(hand_measured(), hand_export_records(), method=METHOD_NOTE, points=True))
    crossing = next(f["properties"] for f in features if f["properties"]["feature_type"] == "border_crossing")
    assert list(crossing) == ["feature_type", "route_id", "from", "to", "km"]


@pytest.mark.parametrize(
    ("coords", "parts"),
    [
        # west to east: 178 E -> 179 W, 2 + 1 degrees, cut at 2/3: latitude 10 + 2/3 * 6 = 14
        ([(178, 10), (-179, 16)], [[(178, 10), (180, 14)], [(-180, 14), (-179, 16)]]),
        # east to west: 179 W -> 178 E, cut at 1/3: 16 + 1/3 * (10 - 16) = 14
        ([(-179, 16), (178, 10)], [[(-179, 16), (-180, 14)], [(180, 14), (178, 10)]]),
        # 0.5 E -> 179.8 W is 179.5 + 0.2 degrees eastwards (180.3 westwards): cut at
        # 179.5 / 179.7 of the way, latitude 10 * 179.5 / 179.7
        ([(0.5, 0), (-179.8, 10)], [[(0.5, 0), (180, 10 * 179.5 / 179.7)], [(-180, 10 * 179.5 / 179.7), (-179.8, 10)]]),
        # 90 E -> 90.5 W: 90 + 89.5 degrees eastwards, cut at 90 / 179.5
        ([(90, 0), (-90.5, 10)], [[(90, 0), (180, 900 / 179.5)], [(-180, 900 / 179.5), (-90.5, 10)]]),
        # there and back: two cuts, three parts
        ([(178, 0), (-178, 2), (178, 4)],
         [[(178, 0), (180, 1)], [(-180, 1), (-178, 2), (-180, 3)], [(180, 3), (178, 4)]]),
        # a step of exactly 180 degrees is not "more than 180": no cut
        ([(-90, 0), (90, 10)], None),
        ([(100, 50), (110, 50), (100, 51)], None),
    ],
)
def test_split_antimeridian__cut_points_by_hand(coords, parts):
    """Oracle: RFC 7946 3.1.9 and linear interpolation across 180 degrees, worked by hand."""
    line = shapely.LineString(coords)
    result = split_antimeridian(line)
    if parts is None:
        assert result is line
        return
    assert result.geom_type == "MultiLineString"
    got = [shapely.get_coordinates(part) for part in shapely.get_parts(result)]
    assert len(got) == len(parts)
    for g, p in zip(got, parts, strict=True):
        np.testing.assert_allclose(g, np.array(p, dtype=float), rtol=0, atol=1e-9)


def test_split_antimeridian__vertex_on_the_meridian_and_multilines():
    """Oracle: a step from 180 to -180 is along the meridian itself; the cut lies between
    its ends (0..10 N). A MultiLineString's parts are cut one by one."""
    result = split_antimeridian(shapely.LineString([(180, 0), (-180, 10)]))
    (a, b) = [shapely.get_coordinates(p) for p in shapely.get_parts(result)]
    assert a[0].tolist() == [180, 0] and b[-1].tolist() == [-180, 10]
    assert a[-1][0] == 180 and b[0][0] == -180 and a[-1][1] == b[0][1] and 0 <= a[-1][1] <= 10
    multi = shapely.MultiLineString([[(100, 0), (101, 0)], [(178, 10), (-179, 16)]])
    got = [shapely.get_coordinates(p).tolist() for p in shapely.get_parts(split_antimeridian(multi))]
    assert got == [[[100, 0], [101, 0]], [[178, 10], [180, pytest.approx(14)]], [[-180, pytest.approx(14)], [-179, 16]]]


def test_routes_geojson__three_parts_keep_their_own_coordinates():
    """Oracle: there and back across 180 degrees (cuts at latitudes 1 and 3, as in the
    parametrized case) gives three parts of 2, 3 and 2 points, each its own."""
    line = shapely.LineString([(178, 0), (-178, 2), (178, 4)])
    (feature,) = geojson_lines(routes_geojson(hand_measured(lines=[line], posts=[np.empty((0, 3))]),
                                              [{"id": "x"}], method=METHOD_NOTE))  # fmt: skip
    assert feature["geometry"] == {
        "type": "MultiLineString",
        "coordinates": [
            [[178.0, 0.0], [180.0, 1.0]],
            [[-180.0, 1.0], [-178.0, 2.0], [-180.0, 3.0]],
            [[180.0, 3.0], [178.0, 4.0]],
        ],
    }


def test_routes_table__km_columns_and_json(measured_catalog, records):
    """Oracle: the records -- every scalar field a column with the record's value, every
    country of any route a km_<ISO> column (0.0 where a route never is), nested fields as JSON."""
    table = routes_table(measured_catalog, records)
    isos = sorted({iso for r in records for iso in r["countries"]})
    assert [c for c in table.columns if c.startswith("km_")] == [f"km_{iso}" for iso in isos]
    assert table.crs.to_epsg() == 4326
    for (_, row), record in zip(table.iterrows(), records, strict=True):
        for iso in isos:
            assert row[f"km_{iso}"] == record["countries"].get(iso, 0.0)
        for key, value in record.items():
            if key in ("countries", "border_crossings", "segments"):
                assert json.loads(row[f"{key}_json"]) == value, key
            elif isinstance(value, (list, dict)):
                assert key not in table.columns  # other nested fields (sources, lon/lat pairs) stay out
            elif value is None:
                assert row[key] is None or (isinstance(row[key], float) and math.isnan(row[key])), key
            else:
                assert row[key] == value, key


def test_routes_table__basis_columns(measured_catalog, records):
    """Oracle: a basis written by hand into the first record: its four km figures become the
    basis_* columns and the whole basis the basis_json text; a route with no basis has them empty."""
    with_basis = copy.deepcopy(list(records))
    basis = {"from": "yamal", "to": "beijing", "km": 6123.4, "new_build_km": 2500.5, "existing_km": 3622.9,
             "transit_km": 950.0, "border_crossings": 2}  # fmt: skip
    with_basis[0]["basis"] = basis
    with_basis[1]["basis"] = None
    table = routes_table(measured_catalog, with_basis)
    first, second = table.iloc[0], table.iloc[1]
    assert [first[f"basis_{k}"] for k in ("km", "new_build_km", "existing_km", "transit_km")] == [6123.4, 2500.5, 3622.9, 950.0]
    assert json.loads(first["basis_json"]) == basis
    assert all(second[f"basis_{k}"] is None or math.isnan(second[f"basis_{k}"]) for k in ("km", "new_build_km", "existing_km", "transit_km"))
    assert second["basis_json"] == "null"


# --- the export command: content, not size ---


@pytest.fixture(scope="module")
def cli_catalog(catalog):
    """The catalog as the commands measure it: reference lines drawn along their traces."""
    from geo.catalog import apply_traces, load_traces

    return apply_traces(catalog, load_traces(make_maps.TRACES_PATH))


@pytest.fixture(scope="module")
def cli_measured(cli_catalog, country_index):
    from geo.measure import measure_routes

    return measure_routes(cli_catalog, country_index)


@pytest.fixture(scope="module")
def catalog_export_records(cli_catalog, cli_measured, country_index):
    """The records export writes for the catalog: with the elevation profiles and bases, as the command makes them."""
    catalog, measured_catalog = cli_catalog, cli_measured
    grid = load_elevation(make_maps.ELEVATION_PATH)
    profiles = [route_profile(line, grid) for line in measured_catalog.geometry.values]
    resolved = resolve_network(load_network(make_maps.NETWORK_PATH), catalog)
    paths = basis_paths(catalog, resolved, basis=resolved.network.basis)
    bases = basis_records(paths, country_index)
    model = load_routing_model(make_maps.ROUTING_FACTORS_PATH)
    estimates = estimate_records(catalog, paths, resolved, country_index, catalog=catalog, model=model, elevation=grid)
    return comparison_records(catalog, measured_catalog, profiles=profiles, bases=bases, estimates=estimates)


def test_export_command__csv_every_cell(tmp_path, catalog_export_records, capsys):
    """Oracle: the records of the same routes; every cell is the record's value as text
    (None empty), km_<ISO> its km (0.0 where the route never is), crossings FROM>TO@km."""
    out = tmp_path / "routes.csv"
    assert make_maps.main(["export", "--routes", str(make_maps.ROUTES_PATH), "--format", "csv", "--out", str(out)]) == 0
    reader = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline=""))
    rows = list(reader)
    isos = sorted({iso for r in catalog_export_records for iso in r["countries"] if iso not in ("none", "outside")})
    assert [c for c in reader.fieldnames if c.startswith("km_")] == [f"km_{iso}" for iso in isos] + ["km_none"]
    assert len(rows) == len(catalog_export_records) == len(CATALOG_IDS)
    for row, record in zip(rows, catalog_export_records, strict=True):
        for column, cell in row.items():
            if column.startswith("km_"):
                assert float(cell) == record["countries"].get(column[3:], 0.0), column
            elif column == "border_crossings":
                assert cell == ";".join(f"{c['from']}>{c['to']}@{c['km']}" for c in record["border_crossings"])
            elif column in ESTIMATE_CELLS or column == "published_in_band" or column.startswith("basis_"):
                assert cell == expected_cell(record, column), column
            else:
                assert cell == ("" if record[column] is None else str(record[column])), column
        assert row["max_elevation_m"] != ""  # the export carries the elevation profile


def test_export_command__kml_content(tmp_path, cli_measured, catalog_export_records, capsys):
    """Oracle: the records and lines of the same routes: names, route ids, coordinates to
    1e-6 degrees, and every cell of the description table against the record's numbers."""
    out = tmp_path / "routes.kml"
    assert make_maps.main(["export", "--routes", str(make_maps.ROUTES_PATH), "--format", "kml", "--out", str(out)]) == 0
    placemarks = read_kml(out)
    assert [(p["name"], p["route_id"]) for p in placemarks] == [(r["name"], r["id"]) for r in catalog_export_records]
    lines = cli_measured.geometry.values
    for placemark, record, line in zip(placemarks, catalog_export_records, lines, strict=True):
        np.testing.assert_allclose(placemark["coordinates"], shapely.get_coordinates(line), rtol=0, atol=1e-6)
        heads = [k for k, _ in placemark["rows"]]
        assert heads == ["Length", *(f"in {iso}" for iso in record["countries"]), "Border crossings", "Capacity"]

        def km(text: str) -> float:
            return float(text.split(" km")[0].replace(",", ""))

        assert km(placemark["table"]["Length"]) == pytest.approx(record["length_km"], abs=0.05 + 1e-9)
        for iso, value in record["countries"].items():
            assert km(placemark["table"][f"in {iso}"]) == pytest.approx(value, abs=0.05 + 1e-9), iso
        crossings = placemark["table"]["Border crossings"]
        if record["border_crossings"]:
            parts = crossings.split(", ")
            pairs = [f"{c['from']}>{c['to']}" for c in record["border_crossings"]]
            assert [p.split(" at km ")[0] for p in parts] == pairs
            for part, c in zip(parts, record["border_crossings"], strict=True):
                assert float(part.split(" at km ")[1].replace(",", "")) == pytest.approx(c["km"], abs=0.05 + 1e-9)
        else:
            assert crossings == "none"
        capacity = placemark["table"]["Capacity"]
        if record["capacity_bcm"] is None:
            assert capacity == "-"
        else:
            assert capacity.endswith(" bcm/yr")
            assert float(capacity.removesuffix(" bcm/yr")) == record["capacity_bcm"]
