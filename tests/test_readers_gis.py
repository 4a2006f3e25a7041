"""Direct unit tests of geo/readers/gis.py: GeoPackage and KML routes read through GDAL (pyogrio).

Each test writes a small GeoPackage (pyogrio, layer as the GeoPackage spec
allows several per file) or a KML document (OGC KML 2.2) to tmp_path and
calls load_gis_routes or its helpers directly, not the command line. Expected
values are written by hand from what the test wrote: ids, names, coordinates,
whole messages as geo/errors.py joins them (``path: record 'id': field: problem``)
and warning texts. No expected value is copied from the program's output.
"""

from __future__ import annotations

import math
import warnings
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import RouteDataError, RouteDataWarning
from geo.readers.common import ROUTE_COLUMNS
from geo.readers.gis import ID_FIELDS, _feature_id, _plain, load_gis_routes
from tests.conftest import error_message, warning_texts
from tests.test_hostile_readers import placemark

read = partial(warning_texts, load_gis_routes)
"""Read a GeoPackage or KML file: the routes and the texts of its RouteDataWarnings."""
refused = partial(error_message, load_gis_routes)
"""The message a GeoPackage or KML file is refused with."""

LINE = [(104.28, 52.29), (106.11, 50.39)]
OTHER = [(100.0, 40.0), (101.0, 41.0)]


def gpkg(path: Path, rows: list[dict], geometries: list, *, layer: str = "routes", crs: str = "EPSG:4326") -> Path:
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs=crs)
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    return path


def kml(path: Path, *placemarks: str) -> Path:
    body = "".join(f"<Placemark>{p}</Placemark>" for p in placemarks)
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}'
        "</Document></kml>",
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------
# helpers


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(np.float64(1.5), 1.5), (np.int64(3), 3), (np.bool_(True), True), (float("nan"), None),
     (np.float64("nan"), None), (pd.NaT, None), (np.datetime64("NaT"), None), ("x", "x"), (None, None), (0.0, 0.0)],
)  # fmt: skip
def test_plain(cell, expected):
    """Oracle: numpy scalars become the Python type of the same value; NaN and NaT (missing) become None."""
    value = _plain(cell)
    assert value == expected
    assert type(value) is type(expected)


def test_id_fields():
    assert ID_FIELDS == ("route_id", "id", "ProjectID", "name", "Name")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"route_id": "a", "id": "b", "ProjectID": "c", "name": "d", "Name": "e"}, "a"),
        ({"route_id": "", "id": "b", "ProjectID": "c"}, "b"),
        ({"route_id": None, "id": None, "ProjectID": 7, "name": "d"}, "7"),
        ({"name": "d", "Name": "e"}, "d"),
        ({"Name": " e "}, "e"),
        ({"other": "z"}, "fallback-1"),
    ],
)
def test_feature_id__first_given_field(values, expected):
    """Oracle: ID_FIELDS order, first present wins (None and '' are absent); the fallback when none is."""
    assert _feature_id(values, path=Path("p.kml"), label="feature #1", fallback="fallback-1") == expected


def test_feature_id__none_and_no_fallback():
    with pytest.raises(RouteDataError) as info:
        _feature_id({"route_id": "", "other": "z"}, path=Path("p.gpkg"), label="feature #3", fallback=None)
    assert str(info.value) == (
        "p.gpkg: record 'feature #3': id: no id: give the feature a 'route_id', 'id', 'ProjectID', 'name' field"
    )


def test_feature_id__spaces_are_present_and_refused():
    """Oracle: an id of spaces is present (absent() is None or '') and check_id refuses it under its field."""
    with pytest.raises(RouteDataError) as info:
        _feature_id({"route_id": "  ", "id": "b"}, path=Path("p.gpkg"), label="feature #2", fallback="f")
    assert str(info.value) == (
        "p.gpkg: record 'feature #2': route_id: id '  ' is empty or only spaces; give each route a visible id"
    )


# --------------------------------------------------------------------------
# GeoPackage


def test_load_gis_routes__gpkg_attributes_and_defaults(tmp_path):
    """Oracle: attributes as written; a route without them gets the imported defaults (name = id, kind
    imported, confidence low, publisher = file name)."""
    rows = [
        {"route_id": "a", "name": "Alpha", "kind": "reference", "confidence": "high", "capacity_bcm": 38.0,
         "diameter_mm": 1420.0, "status": "planned", "source": "Gazprom"},
        {"route_id": "b", "name": None, "kind": None, "confidence": None, "capacity_bcm": None,
         "diameter_mm": None, "status": None, "source": None},
    ]  # fmt: skip
    path = gpkg(tmp_path / "r.gpkg", rows, [shapely.LineString(LINE), shapely.LineString(OTHER)])
    routes, messages = read(str(path))
    assert messages == []
    assert list(routes.columns) == [*ROUTE_COLUMNS, "geometry"]
    assert routes["id"].tolist() == ["a", "b"]
    assert routes["name"].tolist() == ["Alpha", "b"]
    assert routes["kind"].tolist() == ["reference", "imported"]
    assert routes["confidence"].tolist() == ["high", "low"]
    assert routes["capacity_bcm"].tolist() == [38.0, None]
    assert routes["diameter_mm"].tolist() == [1420.0, None]
    assert routes["status"].tolist() == ["planned", None]
    assert routes["sources"].tolist() == [[{"publisher": "Gazprom", "year": None, "title": "r.gpkg"}],
                                          [{"publisher": "r.gpkg", "year": None, "title": "r.gpkg"}]]  # fmt: skip
    assert routes["source_file"].tolist() == [str(path)] * 2
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[0]), LINE)
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[1]), OTHER)
    assert routes.crs == "EPSG:4326"


def test_load_gis_routes__layer_routes_else_the_first(tmp_path):
    path = tmp_path / "two.gpkg"
    gpkg(path, [{"id": "first"}], [shapely.LineString(OTHER)], layer="aaa")
    gpkg(path, [{"id": "wanted"}], [shapely.LineString(LINE)], layer="routes")
    gpkg(path, [{"id": "last"}], [shapely.LineString(OTHER)], layer="zzz")
    assert read(path)[0]["id"].tolist() == ["wanted"]
    other = tmp_path / "one.gpkg"
    gpkg(other, [{"id": "only"}], [shapely.LineString(LINE)], layer="lines")
    assert read(other)[0]["id"].tolist() == ["only"]


def test_load_gis_routes__reprojected_to_wgs84(tmp_path):
    """Oracle: Web Mercator x = R * lon in radians with R = 6,378,137 m; 10 degrees is 1,113,194.9079 m."""
    x = 6_378_137.0 * math.radians(10.0)
    path = gpkg(tmp_path / "m.gpkg", [{"id": "m"}], [shapely.LineString([(0.0, 0.0), (x, 0.0)])], crs="EPSG:3857")
    routes, _ = read(path)
    assert routes.crs == "EPSG:4326"
    np.testing.assert_allclose(shapely.get_coordinates(routes.geometry[0]), [[0.0, 0.0], [10.0, 0.0]], atol=1e-9)


def test_load_gis_routes__multilinestring_parts_and_heights(tmp_path):
    """Oracle: two parts kept as a MultiLineString; the z of 3-D positions dropped with one warning;
    2 + 3 = 5 vertices, the last end is vertex 4."""
    multi = shapely.MultiLineString([[(0, 0, 5), (1, 1, 5)], [(2, 2, 5), (3, 3, 5), (4, 3, 5)]])
    path = gpkg(tmp_path / "z.gpkg", [{"id": "z"}, {"id": "flat"}], [multi, shapely.LineString(LINE)])
    routes, messages = read(path)
    assert messages == [f"{path}: heights dropped in 1 route(s), first in 'z'; routes are measured on the ellipsoid"]
    geometry = routes.geometry[0]
    assert geometry.geom_type == "MultiLineString"
    assert not shapely.has_z(geometry)
    np.testing.assert_array_equal(shapely.get_coordinates(geometry), [[0, 0], [1, 1], [2, 2], [3, 3], [4, 3]])
    assert routes["waypoints"][0] == [{"name": "start", "lon": 0.0, "lat": 0.0},
                                      {"name": "end (vertex 4)", "lon": 4.0, "lat": 3.0}]  # fmt: skip


def test_load_gis_routes__repeated_positions_dropped(tmp_path):
    line = shapely.LineString([(0, 0), (0, 0), (1, 1), (1, 1), (2, 2)])
    path = gpkg(tmp_path / "rep.gpkg", [{"id": "rep"}], [line])
    routes, messages = read(path)
    assert messages == [f"{path}: dropped 2 repeated consecutive position(s) in 1 route(s), first in 'rep'; "
                        "a line is measured through its distinct points"]  # fmt: skip
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[0]), [[0, 0], [1, 1], [2, 2]])


def test_load_gis_routes__feature_types_of_an_export(tmp_path):
    """Oracle: only features whose feature_type is 'route' or missing are routes."""
    rows = [{"id": "a", "feature_type": "route"}, {"id": "k", "feature_type": "km_post"},
            {"id": "b", "feature_type": None}, {"id": "c", "feature_type": "crossing"}]  # fmt: skip
    path = gpkg(tmp_path / "e.gpkg", rows, [shapely.LineString(LINE)] * 4)
    assert read(path)[0]["id"].tolist() == ["a", "b"]


def test_load_gis_routes__only_other_feature_types(tmp_path):
    path = gpkg(tmp_path / "e.gpkg", [{"id": "k", "feature_type": "place"}], [shapely.LineString(LINE)])
    assert refused(path) == f"{path}: no line features; add LineString features"


def test_load_gis_routes__null_geometry_skipped_with_a_warning(tmp_path):
    """Oracle: the null feature in the middle is skipped; the ones before and after it are read."""
    rows = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    path = gpkg(tmp_path / "n.gpkg", rows, [shapely.LineString(LINE), None, shapely.LineString(OTHER)])
    routes, messages = read(path)
    assert routes["id"].tolist() == ["a", "c"]
    assert messages == [f"{path}: record 'b': geometry is null; feature skipped"]


def test_load_gis_routes__only_null_geometry(tmp_path):
    path = gpkg(tmp_path / "n.gpkg", [{"id": "b"}], [None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RouteDataWarning)
        assert refused(path) == f"{path}: no line features; add LineString features"


def test_load_gis_routes__duplicate_id(tmp_path):
    """Oracle: the second 'a' is refused, even though its geometry is null (ids are checked first)."""
    path = gpkg(tmp_path / "d.gpkg", [{"id": "a"}, {"id": "x"}, {"id": "a"}], [shapely.LineString(LINE)] * 2 + [None])
    assert refused(path) == f"{path}: record 'a': id: duplicate id 'a'; give each feature its own id"


def test_load_gis_routes__not_a_line(tmp_path):
    path = gpkg(tmp_path / "p.gpkg", [{"id": "pt"}], [shapely.Point(1, 2)])
    assert refused(path) == (
        f"{path}: record 'pt': geometry: geometry type 'Point' is not a line; give a LineString or MultiLineString"
    )


def test_load_gis_routes__no_id_in_a_geopackage(tmp_path):
    """Oracle: features are numbered from 1; a GeoPackage gets no fallback id (only KML does)."""
    path = gpkg(tmp_path / "n.gpkg", [{"route_id": "a"}, {"route_id": None}], [shapely.LineString(LINE)] * 2)
    assert refused(path) == (
        f"{path}: record 'feature #2': id: no id: give the feature a 'route_id', 'id', 'ProjectID', 'name' field"
    )


@pytest.mark.parametrize(
    ("row", "problem"),
    [({"id": "a", "kind": "pipe"}, "kind: unknown kind 'pipe'; use one of option, reference, suggested, imported"),
     ({"id": "a", "capacity_bcm": -5.0}, "capacity_bcm: -5.0 must be positive; omit the field when it is unknown"),
     ({"id": "a", "confidence": "sure"}, "confidence: unknown confidence 'sure'; use one of high, medium, low")],
)  # fmt: skip
def test_load_gis_routes__bad_attribute(tmp_path, row, problem):
    """Oracle: attribute names are used as written, with no prefix (unlike GeoJSON's 'properties.')."""
    path = gpkg(tmp_path / "a.gpkg", [row], [shapely.LineString(LINE)])
    assert refused(path) == f"{path}: record 'a': {problem}"


def test_load_gis_routes__bad_part_named(tmp_path):
    multi = shapely.MultiLineString([LINE, [(5, 5), (5, 5)]])
    path = gpkg(tmp_path / "b.gpkg", [{"id": "a"}], [multi])
    assert refused(path) == (
        f"{path}: record 'a': geometry[1]: 2 point(s), 1 distinct; a route needs at least 2 distinct points"
    )


@pytest.mark.parametrize(("name", "kind"), [("junk.gpkg", "GPKG"), ("junk.kml", "KML")])
def test_load_gis_routes__unreadable(tmp_path, name, kind):
    """Oracle: the kind is the suffix in capitals; GDAL cannot open text that is no GeoPackage or KML."""
    path = tmp_path / name
    path.write_text("not a GIS file", encoding="utf-8")
    assert refused(path) == f"{path}: cannot read it as {kind} (DataSourceError); check the file"


# --------------------------------------------------------------------------
# KML


def test_load_gis_routes__kml_ids_names_and_fallback(tmp_path):
    """Oracle: a placemark's id is its route_id, else its name, else '<stem>-<n>' by its place (from 1);
    the route's name is the placemark name (KML's Name), else the id."""
    path = kml(
        tmp_path / "lines.kml",
        placemark("1,2 3,4", name="Alpha", data={"route_id": "r1"}),
        placemark("5,6 7,8"),
        placemark("9,10 11,12", name="Gamma"),
    )
    routes, messages = read(path)
    assert messages == []
    assert routes["id"].tolist() == ["r1", "lines-2", "Gamma"]
    assert routes["name"].tolist() == ["Alpha", "lines-2", "Gamma"]
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[1]), [[5, 6], [7, 8]])


def test_load_gis_routes__kml_fallback_repeated_id(tmp_path):
    """Oracle: placemark 2 is named 'f-1', the id placemark 1 gets by its place in f.kml."""
    path = kml(tmp_path / "f.kml", placemark("1,2 3,4"), placemark("5,6 7,8", name="f-1"))
    assert refused(path) == f"{path}: record 'f-1': id: duplicate id 'f-1'; give each feature its own id"


def test_load_gis_routes__kml_heights(tmp_path):
    path = kml(tmp_path / "h.kml", placemark("1,2,100 3,4,200", name="h"))
    routes, messages = read(path)
    assert messages == [f"{path}: heights dropped in 1 route(s), first in 'h'; routes are measured on the ellipsoid"]
    assert not shapely.has_z(routes.geometry[0])
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[0]), [[1, 2], [3, 4]])
