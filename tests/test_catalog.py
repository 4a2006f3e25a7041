"""Tests for geo.catalog: every catalog record loads; every bad input is named."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geo.catalog import KINDS, load_catalog, load_geojson_routes, load_places, read_routes
from geo.errors import RouteDataError, RouteDataWarning
from tests.conftest import CATALOG_IDS, PLACES_PATH, ROUTES_PATH

WAYPOINT = '{{ name = "{name}", lon = {lon}, lat = {lat}, role = "r", coord_conf = "high", route_conf = "low", basis = "b" }}'


def catalog_text(
    *,
    route_id: str = '"test-route"',
    kind: str = '"option"',
    sources: str = '[{ publisher = "P", year = 2025, title = "T" }]',
    points: tuple[tuple[object, object], ...] = ((104.28, 52.29), (106.11, 50.39)),
    extra: str = "",
) -> str:
    waypoints = ",\n  ".join(WAYPOINT.format(name=f"p{i}", lon=lon, lat=lat) for i, (lon, lat) in enumerate(points))
    return f"""
[[route]]
id = {route_id}
name = "Test route"
kind = {kind}
confidence = "low"
sources = {sources}
waypoints = [
  {waypoints}
]
{extra}
"""


@pytest.mark.parametrize("route_id", CATALOG_IDS)
def test_load_catalog__every_route_is_valid(catalog, route_id):
    route = catalog.set_index("id").loc[route_id]
    assert route["kind"] in ("option", "reference")
    assert route["sources"], "every route cites a source"
    assert route.geometry.is_valid and len(route.geometry.coords) == len(route["waypoints"]) >= 2
    for waypoint in route["waypoints"]:
        assert waypoint["basis"] and waypoint["coord_conf"] and waypoint["route_conf"]


def test_load_catalog__holds_every_route_option_of_the_brief(catalog):
    assert set(catalog["id"]) >= {
        "pos2-mongolia", "altai", "all-russian-zabaikalsk", "kazakhstan-transit",
        "mongolia-west", "far-eastern", "pos1", "central-asia-china",
    }  # fmt: skip
    pos2 = catalog.set_index("id").loc["pos2-mongolia"]
    assert pos2["capacity_bcm"] == 50 and pos2["diameter_mm"] == 1400
    assert any(s["country"] == "MNG" and s["length_km"] == 962.9 for s in pos2["segments"] if "country" in s)


def test_load_catalog__lonlat_order(catalog):
    # Irkutsk is at 104.28 E, 52.29 N: lon first.
    pos2 = catalog.set_index("id").loc["pos2-mongolia"]
    irkutsk = next(w for w in pos2["waypoints"] if w["name"] == "Irkutsk")
    assert shapely.Point(irkutsk["lon"], irkutsk["lat"]).within(pos2.geometry.buffer(1e-9))
    assert (irkutsk["lon"], irkutsk["lat"]) == (104.28, 52.29)


def test_load_places__every_place(write):
    places = load_places(PLACES_PATH)
    assert len(places) >= 40
    assert {"gas_field", "compressor_station", "border_crossing", "city"} <= set(places["category"])
    assert places["source"].str.len().min() > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (catalog_text(kind='"pipeline"'), r"record 'test-route': kind: unknown kind 'pipeline'; use one of option"),
        (catalog_text(sources="[]"), r"record 'test-route': sources: missing required field 'sources'"),
        (catalog_text(sources='[{ publisher = "P", year = 2025 }]'), r"sources\[0\]\.title: missing required field"),
        (catalog_text(points=((104.28, 52.29), (200.0, 50.39))), r"waypoints\[1\]\.lon: longitude 200\.0 is outside -180\.\.180"),
        (catalog_text(points=((104.28, 52.29), (10.0, 95.0))), r"waypoints\[1\]\.lat: latitude 95\.0 is outside -90\.\.90"),
        (
            catalog_text(points=((52.29, 104.28), (50.39, 106.11))),
            r"waypoints\[0\]\.lat: latitude 104\.28 is outside -90\.\.90; lon and lat look swapped",
        ),
        (catalog_text(points=((104.28, 52.29), ("nan", 50.0))), r"waypoints\[1\]\.lon: nan is not a finite number"),
        (catalog_text(points=((104.28, 52.29), ("inf", 50.0))), r"waypoints\[1\]\.lon: inf is not a finite number"),
        (catalog_text(points=((104.28, 52.29), ('"106.1"', 50.0))), r"waypoints\[1\]\.lon: '106\.1' is not a number"),
        (catalog_text(points=((104.28, 52.29),)), r"waypoints: 1 point\(s\), 1 distinct; a route needs at least 2"),
        (catalog_text(points=((104.28, 52.29), (104.28, 52.29))), r"waypoints: 2 point\(s\), 1 distinct"),
        (
            catalog_text(points=((104.28, 52.29), (106.11, 50.39), (106.11, 50.39))),
            r"waypoints\[2\]: point 2 repeats point 1 \(106\.11, 50\.39\); delete the duplicate",
        ),
        (catalog_text() + catalog_text(), r"record 'test-route': id: duplicate id 'test-route'"),
        (catalog_text(route_id='"a b"'), r"id: id 'a b' must be letters, digits"),
        (catalog_text().replace('name = "Test route"\n', ""), r"record 'test-route': name: missing required field 'name'"),
        ("", r"the file is empty"),
        ("route = [", r"not valid TOML"),
        ("[[other]]\nx = 1\n", r"no \[\[route\]\] tables"),
        (
            catalog_text(extra='segments = [{ name = "S", length_km = 10.0, source = "s", from = "p0", to = "nowhere" }]'),
            r"segments\[0\]\.to: 'nowhere' is not a waypoint name of this route",
        ),
        (
            catalog_text(extra='segments = [{ name = "S", length_km = -1.0, source = "s", country = "MNG" }]'),
            r"segments\[0\]\.length_km: -1\.0 must be positive",
        ),
    ],
)
def test_load_catalog__bad_input_names_file_record_field(write, text, message):
    path = write("bad.toml", text)
    with pytest.raises(RouteDataError, match=message) as info:
        load_catalog(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_load_catalog__unreadable_file(write):
    path = write("latin1.toml", "id = 'Z\xe9'".encode("latin-1"))
    with pytest.raises(RouteDataError, match="cannot read the file .*UTF-8"):
        load_catalog(path)


def test_load_catalog__missing_file(tmp_path):
    with pytest.raises(RouteDataError, match="missing.toml: file not found"):
        load_catalog(tmp_path / "missing.toml")


def _feature(coords, **props):
    return {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}


def test_load_geojson_routes__tracker_style(write):
    doc = {
        "type": "FeatureCollection",
        "features": [
            _feature([[104.28, 52.29], [106.11, 50.39]], ProjectID="P0001", name="Line one"),
            {
                "type": "Feature",
                "id": "two",
                "properties": {"capacity_bcm": 10},
                "geometry": {"type": "MultiLineString", "coordinates": [[[100, 50], [101, 50]], [[102, 50], [103, 50]]]},
            },
            _feature([[90, 50], [91, 51]], name="Named only"),
        ],
    }
    routes = load_geojson_routes(write("tracker.geojson", json.dumps(doc)))
    assert list(routes["id"]) == ["P0001", "two", "Named only"]
    assert routes["kind"].tolist() == ["imported"] * 3 and "imported" in KINDS
    assert routes.geometry.iloc[1].geom_type == "MultiLineString"
    assert routes["capacity_bcm"].iloc[1] == 10


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], r"top-level type is 'list'; expected a FeatureCollection, a Feature or a \(Multi\)LineString"),
        ({"type": "Feature"}, r"record 'bad': geometry: geometry is missing or null"),
        ({"type": "FeatureCollection", "features": []}, r"features: 'features' is missing or empty"),
        ({"type": "FeatureCollection", "features": [_feature([[1, 2], [3, 4]])]}, r"feature #1'?: id: no id"),
        (
            {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "x", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
            r"record 'x': geometry\.type: geometry type 'Point' is not a line",
        ),
        (
            {"type": "FeatureCollection", "features": [_feature([[1, 2]], name="x")]},
            r"geometry\.coordinates: 1 point\(s\)",
        ),
        (
            {"type": "FeatureCollection", "features": [_feature([[1, 2], [3, 100]], name="x")]},
            r"geometry\.coordinates\[1\]\.lat: latitude 100\.0 is outside",
        ),
        (
            {"type": "FeatureCollection", "features": [_feature([[1, 2], [3, 4]], name="x"), _feature([[1, 2], [3, 4]], name="x")]},
            r"record 'x': id: duplicate id 'x'",
        ),
    ],
)
def test_load_geojson_routes__bad_input(write, doc, message):
    with pytest.raises(RouteDataError, match=message):
        load_geojson_routes(write("bad.geojson", json.dumps(doc)))


def test_load_geojson_routes__nan_is_not_json(write):
    path = write("nan.geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","properties":{},'
                 '"geometry":{"type":"LineString","coordinates":[[1,2],[NaN,4]]}}]}')
    with pytest.raises(RouteDataError, match=r"NaN is not a number in JSON"):
        load_geojson_routes(path)


def test_load_geojson_routes__invalid_json(write):
    with pytest.raises(RouteDataError, match=r"bad\.geojson: not valid JSON: .* line 1 column"):
        load_geojson_routes(write("bad.geojson", '{"type": '))


def test_read_routes__merges_and_rejects_duplicate_ids(write):
    doc = {"type": "FeatureCollection", "features": [_feature([[104.28, 52.29], [106.11, 50.39]], name="altai")]}
    extra = write("extra.geojson", json.dumps(doc).replace('"altai"', '"mine"'))
    merged = read_routes([ROUTES_PATH, extra])
    assert merged["id"].iloc[-1] == "mine" and len(merged) == len(CATALOG_IDS) + 1
    clash = write("clash.geojson", json.dumps(doc))
    with pytest.raises(RouteDataError, match=r"clash\.geojson: record 'altai': id: duplicate route id 'altai', also in"):
        read_routes([ROUTES_PATH, clash])


def test_read_routes__unknown_suffix(write):
    with pytest.raises(RouteDataError, match=r"unknown route file type '\.shp'; use \.toml \(catalog\), \.geojson, \.gpkg, \.kml or \.csv"):
        read_routes([write("r.shp", "x")])


def test_load_geojson_routes__feature_and_bare_geometry(write):
    feature = {"type": "Feature", "properties": {"name": "One"}, "geometry": {"type": "LineString", "coordinates": [[100, 50], [101, 51]]}}
    assert list(read_routes([write("one.geojson", json.dumps(feature))])["id"]) == ["One"]
    bare = {"type": "MultiLineString", "coordinates": [[[100, 50], [101, 51]], [[102, 52], [103, 53]]]}
    routes = read_routes([write("bare.geojson", json.dumps(bare))])
    assert list(routes["id"]) == ["bare"] and routes.geometry.iloc[0].geom_type == "MultiLineString"


def test_load_geojson_routes__null_geometry_skipped_with_warning(write):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "gone", "properties": {}, "geometry": None},
        {"type": "Feature", "id": "kept", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[100, 50], [101, 51]]}},
    ]}  # fmt: skip
    with pytest.warns(RouteDataWarning, match=r"record 'gone': geometry is null; feature skipped"):
        routes = read_routes([write("n.geojson", json.dumps(doc))])
    assert list(routes["id"]) == ["kept"]


def test_load_geojson_routes__heights_dropped_with_warning(write):
    doc = {"type": "LineString", "coordinates": [[100, 50, 300], [101, 51, 350]]}
    with pytest.warns(RouteDataWarning, match="heights dropped"):
        routes = read_routes([write("z.geojson", json.dumps(doc))])
    assert routes.geometry.iloc[0].wkt == "LINESTRING (100 50, 101 51)"


def test_load_geojson_routes__legacy_crs_member_is_reprojected(write):
    from pyproj import Transformer

    to_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
    coords = [list(to_3857.transform(100.0, 50.0)), list(to_3857.transform(101.0, 51.0))]
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
           "features": [{"type": "Feature", "id": "m", "properties": {}, "geometry": {"type": "LineString", "coordinates": coords}}]}  # fmt: skip
    routes = read_routes([write("m.geojson", json.dumps(doc))])
    np.testing.assert_allclose(shapely.get_coordinates(routes.geometry.iloc[0]), [[100, 50], [101, 51]], atol=1e-9)


def test_load_csv_routes__waypoints_in_any_order(write):
    text = "route_id,seq,name,lon,lat\nr,2,Naushki,106.11,50.39\nr,1,Irkutsk,104.28,52.29\ns,1,A,90,50\ns,2,B,91,50\n"
    routes = read_routes([write("w.csv", text)])
    assert list(routes["id"]) == ["r", "s"]
    assert [w["name"] for w in routes["waypoints"].iloc[0]] == ["Irkutsk", "Naushki"]
    assert routes.geometry.iloc[0].coords[0] == (104.28, 52.29)
