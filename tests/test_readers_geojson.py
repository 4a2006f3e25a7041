"""Unit tests of geo/readers/geojson.py: the reader and its helpers, called directly (no CLI).

Covers the top-level document kinds (FeatureCollection, a single Feature, a
bare LineString or MultiLineString), every one-line error of the module with
its path, record and field, the parse-time compaction of number arrays
(``_compact``, ``_compact_lines``, ``_parse_int``), the parts of a line
geometry (``_parts``, ``_positions``), ids (``_feature_id``,
``_id_candidate``) and the legacy ``crs`` member (``_crs_transform``,
``_reproject``). Every oracle is written by hand: a coordinate typed into the
input, a rule of RFC 7946 / RFC 8259, the textbook Web Mercator formula, or the
message format of :class:`geo.errors.RouteDataError` (``path: record 'r':
field: problem``) filled in with the values the test wrote; never a value
copied from the program's output.
"""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal
from pyproj.exceptions import ProjError

import geo.readers.geojson as gj
from geo.errors import RouteDataError, RouteDataWarning
from geo.readers.common import OversizedNumber
from tests.conftest import error_message, web_mercator_xy

read_error = partial(error_message, gj.load_geojson_routes)
"""The message a GeoJSON file is refused with."""

LINE = [[104.25, 52.5], [106.0, 50.25], [107.5, 48.0]]
"""Three positions written by hand (binary-exact decimals)."""


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def line_feature(feature_id: object = "a", coordinates: object = LINE, **members: Any) -> dict[str, Any]:
    feature = {"type": "Feature", "id": feature_id, "properties": {},
               "geometry": {"type": "LineString", "coordinates": coordinates}}  # fmt: skip
    feature.update(members)
    return feature


def collection(*features: object, **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **members}


def crs_member(name: object) -> dict[str, Any]:
    """A legacy (GeoJSON 2008) named crs member."""
    return {"type": "name", "properties": {"name": name}}


def coords(geometry: shapely.Geometry) -> np.ndarray:
    return shapely.get_coordinates(geometry)


# --------------------------------------------------------------------------
# top-level document kinds


def test_bare_multilinestring_is_one_route_named_after_the_file(tmp_path: Path) -> None:
    """A bare MultiLineString (RFC 7946 3.1.5) is one route; with no id it is named after the file (docstring)."""
    parts = [[[100.0, 50.0], [101.0, 51.0]], [[102.0, 52.0], [103.5, 52.5]]]
    path = write_json(tmp_path / "two_parts.geojson", {"type": "MultiLineString", "coordinates": parts})
    routes = gj.load_geojson_routes(path)
    assert list(routes["id"]) == ["two_parts"]
    assert list(routes["name"]) == ["two_parts"]  # no name property: the id
    geometry = routes.geometry.iloc[0]
    assert geometry.geom_type == "MultiLineString"
    assert_array_equal(coords(geometry), np.array(parts[0] + parts[1]))
    # the two ends: first position of the first part, last of the last; 4 vertices counted across parts
    assert routes["waypoints"].iloc[0] == [
        {"name": "start", "lon": 100.0, "lat": 50.0},
        {"name": "end (vertex 3)", "lon": 103.5, "lat": 52.5},
    ]


def test_bare_linestring_is_one_route_named_after_the_file(tmp_path: Path) -> None:
    """A bare LineString (RFC 7946 3.1.4) is one route named after the file; its coordinates are kept."""
    path = write_json(tmp_path / "bare.geojson", {"type": "LineString", "coordinates": LINE})
    routes = gj.load_geojson_routes(path)
    assert list(routes["id"]) == ["bare"]
    assert routes.geometry.iloc[0].geom_type == "LineString"
    assert_array_equal(coords(routes.geometry.iloc[0]), np.array(LINE))


def test_single_feature_keeps_its_own_id(tmp_path: Path) -> None:
    """A top-level Feature with an id keeps it; the file name is only the fallback (docstring)."""
    path = write_json(tmp_path / "file_stem.geojson", line_feature("own-id"))
    routes = gj.load_geojson_routes(path)
    assert list(routes["id"]) == ["own-id"]
    assert_array_equal(coords(routes.geometry.iloc[0]), np.array(LINE))


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"id": None}, "file_stem"),  # no id at all: the file's stem
        ({"properties": {"name": "Named"}}, "Named"),  # the name property is an id (ID_PROPERTIES)
        ({"properties": {"ProjectID": "P-1", "name": "Named"}}, "P-1"),  # ProjectID comes first
    ],
)
def test_single_feature_id_fallbacks(tmp_path: Path, members: dict[str, Any], expected: str) -> None:
    """Without an id member, a Feature is named by ProjectID, then name, then the file (docstring)."""
    feature = line_feature()
    del feature["id"]
    feature.update(members)
    path = write_json(tmp_path / "file_stem.geojson", feature)
    assert list(gj.load_geojson_routes(path)["id"]) == [expected]


def test_single_feature_crs_member_is_reprojected(tmp_path: Path) -> None:
    """A top-level Feature's legacy crs member applies to it: EPSG:3857 positions from the textbook formula."""
    lonlat = [[100.0, 50.0], [110.0, 45.0]]
    feature = line_feature("m", [list(web_mercator_xy(lon, lat)) for lon, lat in lonlat], crs=crs_member("EPSG:3857"))
    routes = gj.load_geojson_routes(write_json(tmp_path / "merc.geojson", feature))
    assert_allclose(coords(routes.geometry.iloc[0]), np.array(lonlat), rtol=0, atol=1e-9)


@pytest.mark.parametrize("kind", ["LineString", "MultiLineString"])
def test_bare_geometry_crs_member_is_reprojected(tmp_path: Path, kind: str) -> None:
    """A bare geometry's legacy crs member applies to it, as on a Feature (it was ignored: EPSG:3857 metres were
    read as degrees). Oracle: positions written with the textbook formula read back to the lon/lat they came from."""
    lonlat = [[100.0, 50.0], [110.0, 45.0]]
    xy = [list(web_mercator_xy(lon, lat)) for lon, lat in lonlat]
    geometry = {"type": kind, "coordinates": xy if kind == "LineString" else [xy], "crs": crs_member("EPSG:3857")}
    routes = gj.load_geojson_routes(write_json(tmp_path / "merc.geojson", geometry))
    assert_allclose(coords(routes.geometry.iloc[0]), np.array(lonlat), rtol=0, atol=1e-9)


def test_single_feature_with_non_object_properties_is_refused(tmp_path: Path) -> None:
    """properties must be an object or null (RFC 7946 3.2), also on a lone Feature (it is feature #1)."""
    feature = line_feature(properties=[1])
    del feature["id"]
    path = write_json(tmp_path / "f.geojson", feature)
    assert read_error(path) == f"{path}: record 'feature #1': properties: properties must be an object, got [1]"


@pytest.mark.parametrize(
    ("document", "found"),
    [
        ({"type": "Polygon", "coordinates": []}, "'Polygon'"),
        ({"type": "GeometryCollection", "geometries": []}, "'GeometryCollection'"),
        ({"type": "featurecollection", "features": []}, "'featurecollection'"),  # type names are case-sensitive
        ({"features": []}, "None"),
        ([1, 2], "'list'"),
        ("text", "'str'"),
    ],
)
def test_top_level_type_must_be_known(tmp_path: Path, document: object, found: str) -> None:
    """RFC 7946 3: the top-level object has a type; only the four line-bearing ones are read."""
    path = write_json(tmp_path / "t.geojson", document)
    expected = f"top-level type is {found}; expected a FeatureCollection, a Feature or a (Multi)LineString"
    assert read_error(path) == f"{path}: type: {expected}"


@pytest.mark.parametrize(
    "document",
    [collection(), {"type": "FeatureCollection"}, {"type": "FeatureCollection", "features": {"a": 1}}],
)
def test_features_missing_or_empty(tmp_path: Path, document: dict[str, Any]) -> None:
    """RFC 7946 3.3: a FeatureCollection has a 'features' array; an empty one holds no route."""
    path = write_json(tmp_path / "fc.geojson", document)
    assert read_error(path) == f"{path}: features: 'features' is missing or empty; add at least one LineString feature"


@pytest.mark.parametrize(("bad", "shown"), [(5, "5"), ("x", "'x'"), (None, "None"), ([1], "[1]")])
def test_a_feature_that_is_not_an_object(tmp_path: Path, bad: object, shown: str) -> None:
    """RFC 7946 3.3: each element of 'features' is a Feature object; the second one here is not."""
    path = write_json(tmp_path / "fc.geojson", collection(line_feature("a"), bad))
    assert read_error(path) == f"{path}: record 'feature #2': features: expected a Feature object, got {shown}"


@pytest.mark.parametrize(("bad", "shown"), [([1], "[1]"), ("p", "'p'"), (3, "3")])
def test_properties_must_be_an_object(tmp_path: Path, bad: object, shown: str) -> None:
    """RFC 7946 3.2: 'properties' is an object or null."""
    path = write_json(tmp_path / "fc.geojson", collection(line_feature("a", properties=bad)))
    assert read_error(path) == f"{path}: record 'feature #1': properties: properties must be an object, got {shown}"


def test_null_properties_read_as_none_given(tmp_path: Path) -> None:
    """RFC 7946 3.2 allows "properties": null; the route is read with its defaults (name = id, kind imported)."""
    path = write_json(tmp_path / "fc.geojson", collection(line_feature("a", properties=None)))
    routes = gj.load_geojson_routes(path)
    assert (list(routes["id"]), list(routes["name"]), list(routes["kind"])) == (["a"], ["a"], ["imported"])


def test_feature_without_any_id(tmp_path: Path) -> None:
    """Inside a collection a feature needs an id (docstring); the message names the feature's number."""
    path = write_json(tmp_path / "fc.geojson", collection(line_feature(None, properties={"ProjectID": ""})))
    problem = "no id: set the feature's 'id' or a 'ProjectID' or 'name' property"
    assert read_error(path) == f"{path}: record 'feature #1': id: {problem}"


def test_feature_without_geometry_member(tmp_path: Path) -> None:
    """A Feature with no 'geometry' member at all (RFC 7946 3.2 requires one) is refused, not skipped."""
    feature = line_feature("a")
    del feature["geometry"]
    path = write_json(tmp_path / "fc.geojson", collection(feature))
    problem = "geometry is missing or null; give a LineString or MultiLineString"
    assert read_error(path) == f"{path}: record 'a': geometry: {problem}"


def test_null_geometry_is_skipped_with_one_warning(tmp_path: Path) -> None:
    """A null geometry (RFC 7946 3.2, an unlocated feature) is skipped with one warning naming it."""
    path = write_json(tmp_path / "fc.geojson", collection(line_feature("a"), line_feature("b", geometry=None)))
    with pytest.warns(RouteDataWarning) as record:
        routes = gj.load_geojson_routes(path)
    assert [str(w.message) for w in record] == [f"{path}: record 'b': geometry is null; feature skipped"]
    assert list(routes["id"]) == ["a"]


def test_heights_are_dropped_with_one_warning(tmp_path: Path) -> None:
    """RFC 7946 3.1.1: a third number is a height; it is dropped (one warning per file), lon/lat kept."""
    path = write_json(tmp_path / "fc.geojson", collection(line_feature("z", [[100.0, 50.0, 7.0], [101.0, 51.0, 9.0]])))
    with pytest.warns(RouteDataWarning) as record:
        routes = gj.load_geojson_routes(path)
    expected = f"{path}: heights dropped in 1 route(s), first in 'z'; routes are measured on the ellipsoid"
    assert [str(w.message) for w in record] == [expected]
    assert_array_equal(coords(routes.geometry.iloc[0]), np.array([[100.0, 50.0], [101.0, 51.0]]))


# --------------------------------------------------------------------------
# ids


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        ({"id": "a", "properties": {"ProjectID": "P", "name": "N"}}, ("id", "a")),
        ({"id": 0}, ("id", 0)),  # 0 is an id (only null and "" are absent)
        ({"id": None, "properties": {"ProjectID": "P", "name": "N"}}, ("properties.ProjectID", "P")),
        ({"id": "", "properties": {"ProjectID": "", "name": "N"}}, ("properties.name", "N")),
        ({"id": " ", "properties": {"name": "N"}}, ("id", " ")),  # spaces are present (and refused later)
        ({}, None),
        ({"properties": None}, None),
        ({"properties": "text"}, None),  # not an object: no id properties
        ({"properties": ["ProjectID"]}, None),
    ],
)
def test_id_candidate(feature: dict[str, Any], expected: tuple[str, Any] | None) -> None:
    """The id member first, then ProjectID, then name (docstring); None and "" count as absent."""
    assert gj._id_candidate(feature) == expected


def test_feature_id_number_becomes_text() -> None:
    """RFC 7946 3.2: an id may be a number; the route id is its decimal text."""
    assert gj._feature_id({"id": 7}, path=Path("f.geojson"), label="feature #1") == "7"


def test_feature_id_no_candidate() -> None:
    with pytest.raises(RouteDataError) as info:
        gj._feature_id({"id": None, "properties": {}}, path=Path("f.geojson"), label="feature #3")
    problem = "no id: set the feature's 'id' or a 'ProjectID' or 'name' property"
    assert str(info.value) == f"f.geojson: record 'feature #3': id: {problem}"


def test_feature_id_oversized_number() -> None:
    """A 201-digit integer id (kept as OversizedNumber by the parser) is refused, quoting its first 12 digits."""
    with pytest.raises(RouteDataError) as info:
        gj._feature_id({"id": OversizedNumber("9" * 201)}, path=Path("f.geojson"), label="feature #1")
    problem = "id 999999999999...(201 digits) is longer than 200 characters; shorten it"
    assert str(info.value) == f"f.geojson: record 'feature #1': id: {problem}"


def test_feature_id_oversized_number_from_the_file(tmp_path: Path) -> None:
    """The same through the parser: 201 digits written in the file."""
    path = tmp_path / "fc.geojson"
    path.write_text(json.dumps(collection(line_feature("ID"))).replace('"ID"', "1" * 201), encoding="utf-8")
    problem = "id 111111111111...(201 digits) is longer than 200 characters; shorten it"
    assert read_error(path) == f"{path}: record 'feature #1': id: {problem}"


def test_feature_id_refused_property_names_its_field() -> None:
    """An id property of spaces is present but empty: the message names that property, not 'id'."""
    feature = {"properties": {"ProjectID": "   "}}
    with pytest.raises(RouteDataError) as info:
        gj._feature_id(feature, path=Path("f.geojson"), label="feature #1")
    problem = "id '   ' is empty or only spaces; give each route a visible id"
    assert str(info.value) == f"f.geojson: record 'feature #1': properties.ProjectID: {problem}"


# --------------------------------------------------------------------------
# parts and positions

P = Path("p.geojson")


def parts_error(geometry: object) -> str:
    with pytest.raises(RouteDataError) as info:
        gj._parts(geometry, path=P, label="r")
    return str(info.value)


def test_parts_of_a_linestring_array() -> None:
    """A LineString already compacted while parsing: one (n, 2) part, field 'geometry.coordinates', no heights."""
    parts, fields, has_z = gj._parts({"type": "LineString", "coordinates": np.array(LINE)}, path=P, label="r")
    assert len(parts) == 1
    assert_array_equal(parts[0], np.array(LINE))
    assert (fields, has_z) == (["geometry.coordinates"], False)


def test_parts_of_a_multilinestring_name_each_part() -> None:
    """Each part of a MultiLineString is 'geometry.coordinates[p]', p counted from 0."""
    raw = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]
    parts, fields, has_z = gj._parts({"type": "MultiLineString", "coordinates": raw}, path=P, label="r")
    assert len(parts) == 2
    assert_array_equal(parts[0], np.array(raw[0]))
    assert_array_equal(parts[1], np.array(raw[1]))
    assert (fields, has_z) == (["geometry.coordinates[0]", "geometry.coordinates[1]"], False)


@pytest.mark.parametrize("compacted", [False, True])
def test_parts_heights_in_a_later_part_are_noticed_and_dropped(compacted: bool) -> None:
    """has_z is True when any part has a third number; every part is returned as lon/lat only, C-contiguous."""
    raw: list[Any] = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0, 100.0], [7.0, 8.0, 200.0]]]
    if compacted:
        raw = [np.array(part) for part in raw]
    parts, fields, has_z = gj._parts({"type": "MultiLineString", "coordinates": raw}, path=P, label="r")
    assert has_z is True
    assert [part.shape for part in parts] == [(2, 2), (2, 2)]
    assert_array_equal(parts[1], np.array([[5.0, 6.0], [7.0, 8.0]]))
    assert parts[1].flags.c_contiguous


def test_parts_heights_of_a_checked_linestring() -> None:
    """A LineString left as a list (not compacted while parsing) is checked position by position; heights count."""
    parts, _, has_z = gj._parts({"type": "LineString", "coordinates": [[1, 2, 3], [4.0, 5.0, 6.0]]}, path=P, label="r")
    assert has_z is True
    assert_array_equal(parts[0], np.array([[1.0, 2.0], [4.0, 5.0]]))


@pytest.mark.parametrize("geometry", [None, "LineString", [[1.0, 2.0]]])
def test_parts_geometry_not_an_object(geometry: object) -> None:
    problem = "geometry is missing or null; give a LineString or MultiLineString"
    assert parts_error(geometry) == f"p.geojson: record 'r': geometry: {problem}"


@pytest.mark.parametrize(("coordinates", "shown"), [([], "[]"), ("x", "'x'"), (None, "None")])
def test_parts_multilinestring_needs_an_array_of_lines(coordinates: object, shown: str) -> None:
    """RFC 7946 3.1.5: MultiLineString coordinates are an array of LineString coordinate arrays."""
    problem = f"coordinates are {shown}; a MultiLineString needs an array of lines"
    expected = f"p.geojson: record 'r': geometry.coordinates: {problem}"
    assert parts_error({"type": "MultiLineString", "coordinates": coordinates}) == expected


@pytest.mark.parametrize(("kind", "shown"), [("Point", "'Point'"), ("linestring", "'linestring'"), (None, "None")])
def test_parts_other_geometry_types(kind: object, shown: str) -> None:
    problem = f"geometry type {shown} is not a line; give a LineString or MultiLineString"
    expected = f"p.geojson: record 'r': geometry.type: {problem}"
    assert parts_error({"type": kind, "coordinates": [[1.0, 2.0]]}) == expected


@pytest.mark.parametrize(
    ("geometry", "field", "shown"),
    [
        ({"type": "LineString", "coordinates": []}, "geometry.coordinates", "[]"),
        ({"type": "LineString", "coordinates": "x"}, "geometry.coordinates", "'x'"),
        ({"type": "MultiLineString", "coordinates": [[[1.0, 2.0], [3.0, 4.0]], 5]}, "geometry.coordinates[1]", "5"),
    ],
)
def test_parts_a_line_that_is_not_an_array_of_positions(geometry: dict[str, Any], field: str, shown: str) -> None:
    problem = f"coordinates are {shown}; give an array of [lon, lat] positions"
    assert parts_error(geometry) == f"p.geojson: record 'r': {field}: {problem}"


@pytest.mark.parametrize(
    ("raw", "width"),
    [
        ([[1.0, 2.0], [3.0, 4.0]], 2),
        ([[1.0, 2.0, 9.0], [3.0, 4.0, 9.0]], 3),
        ([[1.0, 2.0], [3.0, 4.0, 9.0]], 3),  # one height is enough for a third column
    ],
)
def test_positions_shape(raw: list[Any], width: int) -> None:
    """RFC 7946 3.1.1: a position is 2 or 3 numbers; the array has a third column when any position has one."""
    part = gj._positions(raw, path=P, label="r", field="f")
    assert part.shape == (len(raw), width)
    assert_array_equal(part[:, :2], np.array([position[:2] for position in raw]))


@pytest.mark.parametrize(("bad", "shown"), [([1.0], "[1.0]"), ([1, 2, 3, 4], "[1, 2, 3, 4]"), ("x", "'x'")])
def test_positions_bad_position(bad: object, shown: str) -> None:
    """A position of 1 or 4 numbers, or not an array, is refused with its index."""
    with pytest.raises(RouteDataError) as info:
        gj._positions([[1.0, 2.0], bad], path=P, label="r", field="geometry.coordinates")
    problem = f"position {shown} is not [lon, lat] or [lon, lat, height]"
    assert str(info.value) == f"p.geojson: record 'r': geometry.coordinates[1]: {problem}"


def test_positions_text_number() -> None:
    """A number written as text is not a JSON number (RFC 8259 6); the message names [i][j]."""
    with pytest.raises(RouteDataError) as info:
        gj._positions([[1.0, 2.0], [3.0, "4"]], path=P, label="r", field="geometry.coordinates")
    problem = "'4' is not a number; write it without quotes, e.g. 104.28"
    assert str(info.value) == f"p.geojson: record 'r': geometry.coordinates[1][1]: {problem}"


# --------------------------------------------------------------------------
# legacy crs member


@pytest.mark.parametrize(
    "crs", [None, crs_member("EPSG:4326"), crs_member("OGC:CRS84"), crs_member("urn:ogc:def:crs:OGC:1.3:CRS84")]
)
def test_crs_wgs84_needs_no_transform(crs: object) -> None:
    """RFC 7946 4: GeoJSON is WGS84 lon/lat; no crs, EPSG:4326 and CRS84 give no transformer."""
    assert gj._crs_transform(crs, path=P) is None


def test_crs_web_mercator_transformer_gives_lon_lat() -> None:
    """EPSG:3857 positions from the textbook formula come back as the lon/lat written here, lon first."""
    transform = gj._crs_transform(crs_member("EPSG:3857"), path=P)
    assert transform is not None
    lonlat = np.array([[10.0, 50.0], [-73.5, 40.75], [139.75, -35.5]])
    xy = np.array([web_mercator_xy(lon, lat) for lon, lat in lonlat])
    lon, lat = transform.transform(xy[:, 0], xy[:, 1])
    assert_allclose(np.column_stack([lon, lat]), lonlat, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("crs", "shown"),
    [
        ({}, "{}"),
        ("EPSG:3857", "'EPSG:3857'"),  # the 2008 form is an object, not a string
        ({"type": "name"}, "{'type': 'name'}"),
        (crs_member(""), "{'properties': {'name': ''}, 'type': 'name'}"),
        (crs_member("  "), "{'properties': {'name': '  '}, 'type': 'name'}"),
        (crs_member(4326), "{'properties': {'name': 4326}, 'type': 'name'}"),
    ],
)
def test_crs_without_a_name(crs: object, shown: str) -> None:
    with pytest.raises(RouteDataError) as info:
        gj._crs_transform(crs, path=P)
    problem = f"crs member {shown} has no properties.name text; remove it (RFC 7946 GeoJSON is WGS84)"
    assert str(info.value) == f"p.geojson: crs: {problem}"


def test_crs_unknown_name() -> None:
    with pytest.raises(RouteDataError) as info:
        gj._crs_transform(crs_member("EPSG:999999"), path=P)
    problem = "unknown crs 'EPSG:999999'; reproject the file to WGS84 (EPSG:4326) and remove the crs member"
    assert str(info.value) == f"p.geojson: crs: {problem}"


@pytest.mark.parametrize("name", ["EPSG:4979", "EPSG:4978"])  # WGS84 3D geographic; WGS84 geocentric (3D, neither)
def test_crs_not_2d_geographic_or_projected(name: str) -> None:
    with pytest.raises(RouteDataError) as info:
        gj._crs_transform(crs_member(name), path=P)
    problem = f"crs '{name}' is not a 2D geographic or projected CRS; reproject the file to WGS84 (EPSG:4326)"
    assert str(info.value) == f"p.geojson: crs: {problem}"


def test_crs_that_cannot_be_transformed(monkeypatch: pytest.MonkeyPatch) -> None:
    """When pyproj finds no operation to WGS84, the message says so (pyproj stubbed to refuse)."""

    class Refusing:
        @staticmethod
        def from_crs(*args: object, **kwargs: object) -> None:
            raise ProjError("no operation")

    monkeypatch.setattr(gj, "Transformer", Refusing)
    with pytest.raises(RouteDataError) as info:
        gj._crs_transform(crs_member("EPSG:3857"), path=P)
    problem = "crs 'EPSG:3857' cannot be transformed to WGS84; reproject the file to WGS84 (EPSG:4326)"
    assert str(info.value) == f"p.geojson: crs: {problem}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_reproject_web_mercator() -> None:
    """x and y are read in that order: lon from x, lat from y (textbook formula, lon != lat here)."""
    transform = gj._crs_transform(crs_member("EPSG:3857"), path=P)
    assert transform is not None
    lonlat = np.array([[100.0, 50.0], [110.0, 45.0]])
    part = np.array([web_mercator_xy(lon, lat) for lon, lat in lonlat])
    out = gj._reproject(part, transform, path=P, label="r", field="geometry.coordinates")
    assert out.shape == (2, 2)
    assert_allclose(out, lonlat, rtol=0, atol=1e-9)


def test_reproject_position_without_wgs84_position() -> None:
    """An infinite x (JSON 1e999 parses to inf) has no lon/lat; the message quotes x then y of that position."""
    transform = gj._crs_transform(crs_member("EPSG:3857"), path=P)
    assert transform is not None
    part = np.array([[0.0, 0.0], [math.inf, 5.0]])
    with pytest.raises(RouteDataError) as info:
        gj._reproject(part, transform, path=P, label="r", field="geometry.coordinates[2]")
    problem = "position (inf, 5) has no WGS84 position in the file's crs; check the crs member"
    assert str(info.value) == f"p.geojson: record 'r': geometry.coordinates[2][1]: {problem}"


# --------------------------------------------------------------------------
# parsing: integers, compaction


@pytest.mark.parametrize("digits", [1, 199, 200])
def test_parse_int_up_to_200_digits_is_an_int(digits: int) -> None:
    assert gj._parse_int("7" * digits) == int("7" * digits)


@pytest.mark.parametrize("digits", [201, 5000])
def test_parse_int_over_200_digits_is_kept_as_text(digits: int) -> None:
    number = gj._parse_int("7" * digits)
    assert isinstance(number, OversizedNumber)
    assert number.text == "7" * digits


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        ([[1, 2], [3, 4]], [[1.0, 2.0], [3.0, 4.0]]),  # ints become floats
        ([[1.5, -2.25], [3, 4.75]], [[1.5, -2.25], [3.0, 4.75]]),
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),  # heights kept here
        ([[0, 1], [1, 0]], [[0.0, 1.0], [1.0, 0.0]]),  # 0 and 1 as numbers, not booleans
        ([[2.0, 3.0]], [[2.0, 3.0]]),
    ],
)
def test_compact_numbers_become_a_float_array(positions: list[Any], expected: list[list[float]]) -> None:
    """A list of number pairs or triples becomes an (n, 2) or (n, 3) float64 array of the same values."""
    array = gj._compact(positions)
    assert isinstance(array, np.ndarray)
    assert array.dtype == np.float64
    assert array.shape == (len(expected), len(expected[0]))
    assert_array_equal(array, np.array(expected))


@pytest.mark.parametrize(
    "positions",
    [
        [],
        None,
        "text",
        ((1.0, 2.0), (3.0, 4.0)),  # not a JSON array (a list)
        np.array([[1.0, 2.0], [3.0, 4.0]]),  # already an array: not a list
        [1.0, 2.0],  # one position, not an array of them
        [[1.0, 2.0], [3.0]],  # ragged
        [[1.0], [2.0]],  # one number per position
        [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]],  # four numbers
        [[[1.0, 2.0]], [[3.0, 4.0]]],  # nested one level too deep
        [["1", "2"], ["3", "4"]],  # text
        [[1.0, None], [3.0, 4.0]],  # null
        [[1.0, True], [3.0, 4.0]],  # true would read as 1
        [[0.5, False], [1.0, 2.0]],  # false would read as 0
        [[True, False], [False, True]],  # booleans only
    ],
)
def test_compact_anything_else_stays_for_the_exact_check(positions: object) -> None:
    """Only a list of number lists of 2 or 3 is compacted (RFC 8259: true/false are not numbers); else None."""
    assert gj._compact(positions) is None


def test_compact_lines_linestring() -> None:
    obj = {"type": "LineString", "coordinates": [[1, 2], [3.5, 4]]}
    assert gj._compact_lines(obj) is obj
    assert isinstance(obj["coordinates"], np.ndarray)
    assert_array_equal(obj["coordinates"], np.array([[1.0, 2.0], [3.5, 4.0]]))
    assert set(obj) == {"type", "coordinates"}


def test_compact_lines_linestring_with_a_boolean_stays_a_list() -> None:
    coordinates = [[1.0, 2.0], [3.0, True]]
    obj = {"type": "LineString", "coordinates": coordinates}
    assert gj._compact_lines(obj) is obj
    assert obj["coordinates"] is coordinates and coordinates == [[1.0, 2.0], [3.0, True]]


def test_compact_lines_multilinestring_part_by_part() -> None:
    """Each part is compacted on its own: the numbers-only part becomes an array, the mixed one stays a list."""
    mixed = [[5.0, 6.0], ["7", 8.0]]
    coordinates: list[Any] = [[[1, 2], [3, 4]], mixed]
    obj = {"type": "MultiLineString", "coordinates": coordinates}
    assert gj._compact_lines(obj) is obj
    assert obj["coordinates"] is coordinates and len(coordinates) == 2
    assert isinstance(coordinates[0], np.ndarray)
    assert_array_equal(coordinates[0], np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert coordinates[1] is mixed


@pytest.mark.parametrize(
    "obj",
    [
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},  # not a line
        {"type": "Point", "coordinates": [1, 2]},
        {"coordinates": [[[1, 2], [3, 4]]]},  # no type
        {"type": "Feature", "properties": {"coordinates": [[1, 2], [3, 4]]}},
        {"type": "MultiLineString", "coordinates": "x"},
        {"type": "multilinestring", "coordinates": [[[1, 2], [3, 4]]]},  # type names are case-sensitive
        {"type": "linestring", "coordinates": [[1, 2], [3, 4]]},
    ],
)
def test_compact_lines_leaves_other_objects_alone(obj: dict[str, Any]) -> None:
    before = json.dumps(obj)
    assert gj._compact_lines(obj) is obj
    assert json.dumps(obj) == before  # would fail on an ndarray (not JSON serializable)
