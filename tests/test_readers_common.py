"""Direct unit tests of geo/readers/common.py (the checks every reader shares) and of read_routes' dispatch.

Every expected value is written by hand from the input the test builds: whole
messages as geo/errors.py joins them (``path: line N: record 'r': field: problem``),
numbers worked out in the comments, published rules (RFC 8259 JSON, RFC 4180 CSV,
the reprlib cut of a long value to 60 characters) or a property that must hold.
No expected value is copied from the program's output. Each test takes
milliseconds: no command line, no maps.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import geo.readers.common as common
from geo.errors import RouteDataWarning
from geo.readers import read_routes
from tests.conftest import caught_warnings, error_message
from tests.test_catalog import catalog_text

P = Path("r.geojson")
"""A relative path: it appears in messages exactly as written."""
LINE = [[104.28, 52.29], [106.11, 50.39]]


def cut(text: str) -> str:
    """reprlib's cut of a repr longer than 60 characters: the first 28 and last 29 characters around '...'."""
    return text[:28] + "..." + text[-29:]


# --------------------------------------------------------------------------
# the returned table


def test_route_frame__every_column_is_object_and_none_stays_none():
    """Oracle: the docstring of object_frame: columns ROUTE_COLUMNS + geometry, object dtype, None kept."""
    line = shapely.LineString(LINE)
    rows = [{"id": "a", "capacity_bcm": None, "geometry": line}, {"id": "b", "capacity_bcm": 3.5, "geometry": line}]
    frame = common.route_frame(rows)
    assert list(frame.columns) == [*common.ROUTE_COLUMNS, "geometry"]
    assert all(frame[c].dtype == object for c in common.ROUTE_COLUMNS)
    assert frame["id"].tolist() == ["a", "b"]
    assert frame["capacity_bcm"].tolist() == [None, 3.5]
    assert frame["name"].tolist() == [None, None]
    assert frame.crs == "EPSG:4326"
    assert list(frame.geometry) == [line, line]


def test_object_frame__only_the_columns_given():
    frame = common.object_frame([{"a": 1, "b": 2, "geometry": shapely.Point(1, 2)}], ["b"])
    assert list(frame.columns) == ["b", "geometry"]
    assert frame["b"].tolist() == [2]
    assert frame.geometry[0] == shapely.Point(1, 2)


def test_end_waypoints__default_names_and_float_degrees():
    """Oracle: the docstring: 'start' and 'end (vertex N-1)' for an unnamed end; a 5-vertex line ends at vertex 4."""
    ends = common.end_waypoints(np.array([1, 2]), np.array([3.5, 4.5]), 5)
    assert ends == [{"name": "start", "lon": 1.0, "lat": 2.0}, {"name": "end (vertex 4)", "lon": 3.5, "lat": 4.5}]
    assert all(type(end[k]) is float for end in ends for k in ("lon", "lat"))


def test_end_waypoints__names_given():
    ends = common.end_waypoints((1, 2), (3, 4), 2, names=("Irkutsk", "Beijing"))
    assert ends == [{"name": "Irkutsk", "lon": 1.0, "lat": 2.0}, {"name": "Beijing", "lon": 3.0, "lat": 4.0}]
    ends = common.end_waypoints((1, 2), (3, 4), 2, names=(None, "Beijing"))
    assert [end["name"] for end in ends] == ["start", "Beijing"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("start", True), ("end", True), ("end (vertex 140)", True), ("end (vertex 0)", True), ("Beijing", False),
     ("end (vertex )", False), ("start (vertex 1)", False), ("the start", False), ("end (vertex 1) x", False)],
)  # fmt: skip
def test_is_unnamed_end(name, expected):
    """Oracle: the names end_waypoints gives, and only those (a full match)."""
    assert common.is_unnamed_end(name) is expected


# --------------------------------------------------------------------------
# warnings


def test_file_notes__one_line_per_kind_counting_routes_and_positions():
    """Oracle: 2 + 1,233 = 1,235 positions in 2 routes (the one with 0 is not counted); heights in 2 routes."""
    notes = common.FileNotes(P)
    notes.repeats("a", 2)
    notes.repeats("z", 0)
    notes.repeats("b", 1233)
    notes.heights("h1")
    notes.heights("h2")
    _, seen = caught_warnings(notes.warn)
    assert [str(w.message) for w in seen] == [
        "r.geojson: dropped 1,235 repeated consecutive position(s) in 2 route(s), first in 'a'; "
        "a line is measured through its distinct points",
        "r.geojson: heights dropped in 2 route(s), first in 'h1'; routes are measured on the ellipsoid",
    ]
    assert all(w.category is RouteDataWarning for w in seen)


def test_file_notes__nothing_dropped_no_warning():
    notes = common.FileNotes(P)
    notes.repeats("a", 0)
    _, seen = caught_warnings(notes.warn)
    assert seen == []


def test_file_notes__over_a_thousand_routes_get_a_separator():
    notes = common.FileNotes(P)
    for i in range(1000):
        notes.heights(f"h{i}")
    _, seen = caught_warnings(notes.warn)
    assert [str(w.message) for w in seen] == [
        "r.geojson: heights dropped in 1,000 route(s), first in 'h0'; routes are measured on the ellipsoid"
    ]


def test_warn_record__one_line_naming_the_caller():
    """Oracle: 'path: record <repr>: problem', a line break in the problem escaped (one line)."""
    _, seen = caught_warnings(common.warn_record, P, "x", "bad\nthing")
    assert [str(w.message) for w in seen] == ["r.geojson: record 'x': bad\\nthing"]
    assert seen[0].category is RouteDataWarning


# --------------------------------------------------------------------------
# ids and text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("  abc ", "abc"), (7, "7"), ("a b", "a b"), ("x" * 200, "x" * 200), ("Ünï-ço∂e", "Ünï-ço∂e"), (-3, "-3")],
)
def test_check_id__accepted(value, expected):
    """Oracle: the docstring: verbatim but for surrounding spaces; whole numbers as text; 200 characters allowed."""
    assert common.check_id(value, path=P, record="feature #1") == expected


ID_PROBLEMS = [
    (True, "id True is a boolean; give a string or a whole number"),
    (1.5, "id 1.5 is a number; give a string or a whole number"),
    (None, "id None is a NoneType; give a string or a whole number"),
    (["a"], "id ['a'] is a list; give a string or a whole number"),
    ("", "id '' is empty or only spaces; give each route a visible id"),
    ("   ", "id '   ' is empty or only spaces; give each route a visible id"),
    ("q" * 201, f"id {cut(repr('q' * 201))} has 201 characters; shorten it to at most 200"),
    ("q" * 1234, f"id {cut(repr('q' * 1234))} has 1,234 characters; shorten it to at most 200"),
    ("a\x00b", "id 'a\\x00b' holds U+0000, a control character, line separator or lone surrogate; remove it"),
    ("a\tb", "id 'a\\tb' holds U+0009, a control character, line separator or lone surrogate; remove it"),
    ("a\x7f", "id 'a\\x7f' holds U+007F, a control character, line separator or lone surrogate; remove it"),
    ("a\u2028b", "id 'a\\u2028b' holds U+2028, a control character, line separator or lone surrogate; remove it"),
    ("a\u2029b", "id 'a\\u2029b' holds U+2029, a control character, line separator or lone surrogate; remove it"),
    ("a\ud800", "id 'a\\ud800' holds U+D800, a control character, line separator or lone surrogate; remove it"),
]


@pytest.mark.parametrize(("value", "problem"), ID_PROBLEMS)
def test_check_id__refused(value, problem):
    """Oracle: the id rules of the module docstring; categories Cc, Cs, Zl, Zp per Unicode."""
    assert error_message(common.check_id, value, path=P, record="feature #1", field="properties.id") == (
        f"r.geojson: record 'feature #1': properties.id: {problem}"
    )


def test_check_id__field_defaults_to_id():
    assert error_message(common.check_id, "", path=P, record=3) == (
        "r.geojson: record 3: id: id '' is empty or only spaces; give each route a visible id"
    )


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_check_text__absent_is_none(value):
    assert common.check_text(value, path=P, record="r", field="name") is None


@pytest.mark.parametrize("value", ["Sila Sibiri", "a\tb\nc\rd", "line\u2028sep", " spaced "])
def test_check_text__text_kept_verbatim(value):
    """Oracle: tab and line breaks are allowed; U+2028 is Zl, neither Cc nor Cs, so allowed in text."""
    assert common.check_text(value, path=P, record="r", field="name") == value


def test_check_text__required():
    """Oracle: the message names the last dotted part of the field."""
    assert error_message(common.check_text, "  ", path=P, record="r", field="x.properties.name", required=True) == (
        "r.geojson: record 'r': x.properties.name: missing required field 'name'; add it"
    )
    assert common.check_text("n", path=P, record="r", field="name", required=True) == "n"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (5, "5 is a number where text belongs; write it as a quoted string"),
        (True, "True is a boolean where text belongs; write it as a quoted string"),
        (dt.date(2024, 1, 2), "2024-01-02 is a date where text belongs; write it as a quoted string"),
        ([1, 2], "[1, 2] is a list where text belongs; write it as a quoted string"),
        ({"a": 1}, "{'a': 1} is a table/object where text belongs; write it as a quoted string"),
        ("a\x00", "'a\\x00' holds U+0000, a control character or lone surrogate; remove it"),
        ("ok\n\x85", "'ok\\n\\x85' holds U+0085, a control character or lone surrogate; remove it"),
        ("\ud800x", "'\\ud800x' holds U+D800, a control character or lone surrogate; remove it"),
    ],
)
def test_check_text__refused(value, problem):
    assert error_message(common.check_text, value, path=P, record="r", field="properties.name") == (
        f"r.geojson: record 'r': properties.name: {problem}"
    )


@pytest.mark.parametrize(
    ("value", "absent", "given"),
    [(None, True, None), ("", True, None), ("  ", False, None), ("x", False, "x"), (0, False, 0),
     (False, False, False), ([], False, [])],
)  # fmt: skip
def test_absent_and_given(value, absent, given):
    """Oracle: docstrings: absent is None or ''; given also drops text of spaces only."""
    assert common.absent(value) is absent
    assert common.given(value) == given
    assert type(common.given(value)) is type(given)


def test_check_choice():
    assert common.check_choice("low", common.CONFIDENCES, path=P, record="r", field="confidence") == "low"
    field = "a.properties.confidence"
    assert error_message(common.check_choice, "Low", common.CONFIDENCES, path=P, record="r", field=field) == (
        "r.geojson: record 'r': a.properties.confidence: unknown confidence 'Low'; use one of high, medium, low"
    )
    assert error_message(common.check_choice, 1, ("x", "y"), path=P, record="r", field="kind") == (
        "r.geojson: record 'r': kind: unknown kind 1; use one of x, y"
    )


def test_check_bool():
    assert common.check_bool(True, path=P, record="r", field="f") is True
    assert common.check_bool(False, path=P, record="r", field="f") is False
    assert error_message(common.check_bool, "false", path=P, record="r", field="f") == (
        "r.geojson: record 'r': f: 'false' is text, not a boolean; write true or false without quotes"
    )
    assert error_message(common.check_bool, 0, path=P, record="r", field="f") == (
        "r.geojson: record 'r': f: 0 is a number, not a boolean; write true or false without quotes"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "a boolean"), (dt.datetime(2024, 1, 2, 3), "a datetime"), (dt.date(2024, 1, 2), "a date"),
     (dt.time(3), "a time"), (1, "a number"), (1.5, "a number"), (common.OversizedNumber("9" * 30), "a number"),
     ("s", "text"), ([1], "a list"), ((1,), "a list"), ({}, "a table/object"), (None, "a NoneType"),
     (set(), "a set")],
)  # fmt: skip
def test_type_name(value, expected):
    assert common._type_name(value) == expected


# --------------------------------------------------------------------------
# numbers and coordinates


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), (-2.5, -2.5), (0, 0.0), (10**300, 1e300)])
def test_check_number__finite(value, expected):
    number = common.check_number(value, path=P, record="r", field="f")
    assert number == expected
    assert type(number) is float


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (True, "True is not a number; write it without quotes, e.g. 104.28"),
        ("1", "'1' is not a number; write it without quotes, e.g. 104.28"),
        (None, "None is not a number; write it without quotes, e.g. 104.28"),
        (common.OversizedNumber("1" * 30),
         "number 111111111111...(30 digits) is far too long; give decimal degrees or a length such as 104.28"),
        (float("inf"), "inf is not a finite number (or too large to be one); give a real coordinate or length"),
        (float("nan"), "nan is not a finite number (or too large to be one); give a real coordinate or length"),
        # 10**400 overflows a float; its 401 digits are cut by reprlib to 28 + '...' + 29
        (10**400, f"{cut(str(10**400))} is not a finite number (or too large to be one); "
                  "give a real coordinate or length"),
    ],
)  # fmt: skip
def test_check_number__refused(value, problem):
    assert error_message(common.check_number, value, path=P, record="r", field="waypoints[0].lon") == (
        f"r.geojson: record 'r': waypoints[0].lon: {problem}"
    )


@pytest.mark.parametrize(("value", "expected"), [(None, None), (2, 2.0), (0.5, 0.5), (1e-9, 1e-9)])
def test_optional_positive__accepted(value, expected):
    assert common.optional_positive(value, path=P, record="r", field="capacity_bcm") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [(0, "0.0 must be positive; omit the field when it is unknown"),
     (-1, "-1.0 must be positive; omit the field when it is unknown"),
     ("3", "'3' is not a number; write it without quotes, e.g. 104.28")],
)  # fmt: skip
def test_optional_positive__refused(value, problem):
    assert error_message(common.optional_positive, value, path=P, record="r", field="properties.cost_km") == (
        f"r.geojson: record 'r': properties.cost_km: {problem}"
    )


@pytest.mark.parametrize(
    ("cell", "expected"), [("104.28", 104.28), ("+1", 1.0), ("-.5", -0.5), ("7.", 7.0), ("0", 0.0), ("-0012.50", -12.5)]
)
def test_decimal_cell__plain_decimals(cell, expected):
    assert common.decimal_cell(cell, path=P, line=3, field="lon", example="104.28") == expected


@pytest.mark.parametrize("cell", ["1e3", "1_04", "inf", "nan", "", "١٢", "1.2.3", " 1", "1,5", "12°", "+", "."])
def test_decimal_cell__not_plain(cell):
    """Oracle: DECIMAL: ASCII digits, one point, a sign; nothing else (not even what float() takes)."""
    assert error_message(common.decimal_cell, cell, path=P, line=3, field="lat", example="52.29") == (
        f"r.geojson: line 3: lat: {cell!r} is not a number; write plain decimals such as 52.29 "
        "(no unit, exponent, '_' or separator)"
    )


def test_decimal_cell__too_large():
    """Oracle: 400 nines are 1e400 after rounding, over the float maximum of about 1.8e308."""
    cell = "9" * 400
    assert error_message(common.decimal_cell, cell, path=P, line=2, field="lon", example="104.28") == (
        f"r.geojson: line 2: lon: {cut(repr(cell))} is too large to be a number here"
    )


@pytest.mark.parametrize(("lon", "lat"), [(180.0, 90.0), (-180.0, -90.0), (0.0, 0.0), (104.28, 52.29)])
def test_check_lonlat__in_range(lon, lat):
    common.check_lonlat(lon, lat, path=P, label="r")


LONLAT_PROBLEMS = [
    (180.5, 0.0, "lon", "longitude 180.5 is outside -180..180"),
    (-180.5, 0.0, "lon", "longitude -180.5 is outside -180..180"),
    (float("nan"), 0.0, "lon", "longitude nan is outside -180..180"),
    (0.0, 90.5, "lat", "latitude 90.5 is outside -90..90; lon and lat look swapped (lon=90.5, lat=0.0 would be valid)"),
    (0.0, -90.5, "lat",
     "latitude -90.5 is outside -90..90; lon and lat look swapped (lon=-90.5, lat=0.0 would be valid)"),
    (52.29, 104.28, "lat",
     "latitude 104.28 is outside -90..90; lon and lat look swapped (lon=104.28, lat=52.29 would be valid)"),
    # the edges of the swap: |lat| up to 180 and |lon| up to 90 may be swapped
    (90.0, 180.0, "lat",
     "latitude 180.0 is outside -90..90; lon and lat look swapped (lon=180.0, lat=90.0 would be valid)"),
    (-90.0, -180.0, "lat",
     "latitude -180.0 is outside -90..90; lon and lat look swapped (lon=-180.0, lat=-90.0 would be valid)"),
    (90.5, 100.0, "lat", "latitude 100.0 is outside -90..90"),  # |lon| > 90: no valid latitude after a swap
    (10.0, 180.5, "lat", "latitude 180.5 is outside -90..90"),  # |lat| > 180: no valid longitude after a swap
    (200.0, 100.0, "lon", "longitude 200.0 is outside -180..180"),
    (float("nan"), float("nan"), "lon", "longitude nan is outside -180..180"),
    (0.0, float("nan"), "lat", "latitude nan is outside -90..90"),
]  # fmt: skip


@pytest.mark.parametrize(("lon", "lat", "field", "problem"), LONLAT_PROBLEMS)
def test_check_lonlat__refused(lon, lat, field, problem):
    """Oracle: lon in -180..180, lat in -90..90; a swap is hinted when the swapped pair is valid."""
    assert error_message(common.check_lonlat, lon, lat, path=P, label="r", prefix="waypoints[2].") == (
        f"r.geojson: record 'r': waypoints[2].{field}: {problem}"
    )


def test_check_lonlat__no_prefix_no_path():
    assert error_message(common.check_lonlat, 0.0, 91.0, path=None, label=None) == (
        "lat: latitude 91.0 is outside -90..90; lon and lat look swapped (lon=91.0, lat=0.0 would be valid)"
    )


def test_check_positions__in_range_including_the_edges():
    common.check_positions(np.array([[180.0, 90.0], [-180.0, -90.0], [0.0, 0.0]]), path=P, record="r", field="g")


@pytest.mark.parametrize(
    ("points", "problem"),
    [
        ([[0, 0], [np.nan, 1]], "g[1][0]: nan is not a finite number (or too large to be one); "
                                "give a real coordinate or length"),
        ([[0, 0], [1, np.inf]], "g[1][1]: inf is not a finite number (or too large to be one); "
                                "give a real coordinate or length"),
        ([[0, 0], [1, -np.inf]], "g[1][1]: -inf is not a finite number (or too large to be one); "
                                 "give a real coordinate or length"),
        ([[0, 91], [1, 1]], "g[0].lat: latitude 91.0 is outside -90..90; lon and lat look swapped "
                            "(lon=91.0, lat=0.0 would be valid)"),
        ([[0, 0], [1, 1], [180.5, 0], [0, 100]], "g[2].lon: longitude 180.5 is outside -180..180"),
        ([[0, 0], [-181, 0]], "g[1].lon: longitude -181.0 is outside -180..180"),
        ([[0, 0], [0, -90.5]], "g[1].lat: latitude -90.5 is outside -90..90; lon and lat look swapped "
                               "(lon=-90.5, lat=0.0 would be valid)"),
        ([[0, 0], [200, 0], [np.nan, 0]], "g[1].lon: longitude 200.0 is outside -180..180"),  # the first bad row
    ],
)  # fmt: skip
def test_check_positions__first_bad_row_named(points, problem):
    assert error_message(common.check_positions, np.array(points, dtype=float), path=P, record="r", field="g") == (
        f"r.geojson: record 'r': {problem}"
    )


@pytest.mark.parametrize(
    "coords", [[[1, 2], [3, 4]], [[1, 2], [1, 3]], [[1, 2], [3, 2]], [[1, 2], [1, 2], [5, 6]], [1, 2, 3, 4]]
)
def test_check_distinct__two_distinct_points(coords):
    """Oracle: two points that differ in lon, or in lat only, are distinct; a flat list is read in pairs."""
    common.check_distinct(coords, path=P, record="r", field="w")


@pytest.mark.parametrize(
    ("coords", "counts"),
    [([], "0 point(s), 0 distinct"), ([[1, 2]], "1 point(s), 1 distinct"),
     ([[1, 2], [1, 2], [1, 2]], "3 point(s), 1 distinct")],
)  # fmt: skip
def test_check_distinct__refused(coords, counts):
    assert error_message(common.check_distinct, coords, path=P, record="r", field="w") == (
        f"r.geojson: record 'r': w: {counts}; a route needs at least 2 distinct points"
    )


def test_check_line__first_repeat_named():
    """Oracle: points 0..4; point 2 repeats point 1 (104.5, 52.25), point 4 repeats 3: the first is named."""
    coords = [[1, 1], [104.5, 52.25], [104.5, 52.25], [3, 3], [3, 3]]
    assert error_message(common.check_line, coords, path=P, label="r", field="waypoints") == (
        "r.geojson: record 'r': waypoints[2]: point 2 repeats point 1 (104.5, 52.25); delete the duplicate"
    )


def test_check_line__repeat_at_the_end_and_distinct_first():
    assert error_message(common.check_line, [[0, 0], [1, 0], [1, 0]], path=P, label="r", field="w") == (
        "r.geojson: record 'r': w[2]: point 2 repeats point 1 (1, 0); delete the duplicate"
    )
    assert error_message(common.check_line, [[5, 5]], path=P, label="r", field="w") == (
        "r.geojson: record 'r': w: 1 point(s), 1 distinct; a route needs at least 2 distinct points"
    )


def test_check_line__same_lon_or_same_lat_is_no_repeat():
    common.check_line([[0, 0], [1, 0], [1, 5], [2, 5]], path=P, label="r", field="w")


def test_not_repeated():
    """Oracle: a row is kept when it differs (in lon or lat) from the row before; the first is always kept."""
    points = np.array([[0, 0], [0, 0], [1, 0], [1, 0], [1, 1], [0, 0], [0, 0]], dtype=float)
    keep = common.not_repeated(points)
    np.testing.assert_array_equal(keep, [True, False, True, False, True, True, False])
    assert keep.dtype == bool
    np.testing.assert_array_equal(common.not_repeated(np.empty((0, 2))), np.array([], dtype=bool))
    np.testing.assert_array_equal(common.not_repeated(np.array([[1.0, 2.0]])), [True])


# --------------------------------------------------------------------------
# imported_route


def test_imported_route__every_column():
    """Oracle: the docstring's defaults; 5 positions with one repeat give 4 vertices, ends named by the file."""
    notes = common.FileNotes(P)
    parts = [np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0], [3.0, 1.0]])]
    values = {"name": "Alpha", "kind": "reference", "option": "pos2", "status": "planned", "confidence": "high",
              "capacity_bcm": 38, "diameter_mm": 1420, "cost_km": 2.5, "source": "Gazprom",
              "start_name": "Irkutsk", "end_name": "Beijing"}  # fmt: skip
    row = common.imported_route(path=P, route_id="a", values=values, parts=parts, fields=["g"], notes=notes)
    geometry = row.pop("geometry")
    assert geometry.geom_type == "LineString"
    np.testing.assert_array_equal(shapely.get_coordinates(geometry), [[0, 0], [1, 0], [2, 1], [3, 1]])
    assert row == {
        "id": "a", "name": "Alpha", "kind": "reference", "option": "pos2", "status": "planned",
        "capacity_bcm": 38.0, "diameter_mm": 1420.0, "confidence": "high",
        "sources": [{"publisher": "Gazprom", "year": None, "title": "r.geojson"}],
        "waypoints": [{"name": "Irkutsk", "lon": 0.0, "lat": 0.0}, {"name": "Beijing", "lon": 3.0, "lat": 1.0}],
        "segments": [], "yearly_flow": None, "cost_km": 2.5, "source_file": "r.geojson", "trace": None,
        "waypoint_vertex": range(4), "geometry_source": "waypoints",
    }  # fmt: skip
    assert set(row) | {"geometry"} == set(common.ROUTE_COLUMNS) | {"geometry"}
    _, seen = caught_warnings(notes.warn)
    assert [str(w.message) for w in seen] == [
        "r.geojson: dropped 1 repeated consecutive position(s) in 1 route(s), first in 'a'; "
        "a line is measured through its distinct points"
    ]


def test_imported_route__defaults_and_multiline():
    """Oracle: no attributes: name = id, kind imported, confidence low, publisher = file name;
    parts of 4 and 3 positions, one repeat in each: 1 + 1 = 2 dropped, 3 + 2 = 5 vertices, ends from the first
    and last part."""
    notes = common.FileNotes(P)
    parts = [np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]),
             np.array([[5.0, 5.0], [5.0, 5.0], [6.0, 7.0]])]  # fmt: skip
    values = {"name": "  ", "kind": "", "confidence": None, "source": ""}
    row = common.imported_route(path=P, route_id="b", values=values, parts=parts, fields=["g0", "g1"], notes=notes)
    assert row["geometry"].geom_type == "MultiLineString"
    assert [list(map(list, shapely.get_coordinates(p))) for p in shapely.get_parts(row["geometry"])] == [
        [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], [[5.0, 5.0], [6.0, 7.0]]]  # fmt: skip
    assert (row["name"], row["kind"], row["confidence"], row["option"], row["status"]) == (
        "b", "imported", "low", None, None)  # fmt: skip
    assert (row["capacity_bcm"], row["diameter_mm"], row["cost_km"]) == (None, None, None)
    assert row["sources"] == [{"publisher": "r.geojson", "year": None, "title": "r.geojson"}]
    assert row["waypoints"] == [{"name": "start", "lon": 0.0, "lat": 0.0},
                                {"name": "end (vertex 4)", "lon": 6.0, "lat": 7.0}]  # fmt: skip
    assert row["waypoint_vertex"] == range(5)
    _, seen = caught_warnings(notes.warn)
    assert [str(w.message) for w in seen] == [
        "r.geojson: dropped 2 repeated consecutive position(s) in 1 route(s), first in 'b'; "
        "a line is measured through its distinct points"
    ]


def test_imported_route__no_repeat_no_note():
    notes = common.FileNotes(P)
    part = np.array([[0.0, 0.0], [1.0, 1.0]])
    row = common.imported_route(path=P, route_id="c", values={}, parts=[part], fields=["g"], notes=notes)
    np.testing.assert_array_equal(shapely.get_coordinates(row["geometry"]), part)
    assert row["waypoint_vertex"] == range(2)
    _, seen = caught_warnings(notes.warn)
    assert seen == []


def test_imported_route__name_keys_first_given_wins():
    part = [np.array([[0.0, 0.0], [1.0, 1.0]])]
    kwargs = {"path": P, "route_id": "c", "parts": part, "fields": ["g"], "notes": common.FileNotes(P)}
    values = {"name": " ", "Name": "Placemark"}
    assert common.imported_route(values=values, name_keys=("name", "Name"), **kwargs)["name"] == "Placemark"
    values = {"name": "first", "Name": "second"}
    assert common.imported_route(values=values, name_keys=("name", "Name"), **kwargs)["name"] == "first"
    assert common.imported_route(values={"Name": "N"}, **kwargs)["name"] == "c"  # "Name" is not a default key


IMPORTED_PROBLEMS = [
    ({"name": 5}, "properties.name: 5 is a number where text belongs; write it as a quoted string"),
    ({"Name": 5}, "properties.Name: 5 is a number where text belongs; write it as a quoted string"),
    ({"kind": "option "}, "properties.kind: unknown kind 'option '; use one of option, reference, suggested, imported"),
    ({"option": 1}, "properties.option: 1 is a number where text belongs; write it as a quoted string"),
    ({"status": [1]}, "properties.status: [1] is a list where text belongs; write it as a quoted string"),
    ({"capacity_bcm": 0}, "properties.capacity_bcm: 0.0 must be positive; omit the field when it is unknown"),
    ({"diameter_mm": -1}, "properties.diameter_mm: -1.0 must be positive; omit the field when it is unknown"),
    ({"cost_km": "2"}, "properties.cost_km: '2' is not a number; write it without quotes, e.g. 104.28"),
    ({"confidence": "HIGH"}, "properties.confidence: unknown confidence 'HIGH'; use one of high, medium, low"),
    ({"source": True}, "properties.source: True is a boolean where text belongs; write it as a quoted string"),
    ({"start_name": 1}, "properties.start_name: 1 is a number where text belongs; write it as a quoted string"),
    ({"end_name": 2}, "properties.end_name: 2 is a number where text belongs; write it as a quoted string"),
]


@pytest.mark.parametrize(("values", "problem"), IMPORTED_PROBLEMS)
def test_imported_route__bad_attribute_named(values, problem):
    part = [np.array([[0.0, 0.0], [1.0, 1.0]])]
    assert error_message(common.imported_route, path=P, route_id="r", values=values, parts=part, fields=["g"],
                  notes=common.FileNotes(P), prefix="properties.", name_keys=("name", "Name")) == (
        f"r.geojson: record 'r': {problem}"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("second", "problem"),
    [([[0.0, 0.0], [0.0, 0.0]], "geometry[1]: 2 point(s), 1 distinct; a route needs at least 2 distinct points"),
     ([[0.0, 0.0], [0.0, 95.0]], "geometry[1][1].lat: latitude 95.0 is outside -90..90; lon and lat look swapped "
                                 "(lon=95.0, lat=0.0 would be valid)")],
)  # fmt: skip
def test_imported_route__bad_part_named(second, problem):
    parts = [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array(second)]
    assert error_message(common.imported_route, path=P, route_id="r", values={}, parts=parts,
                  fields=["geometry[0]", "geometry[1]"], notes=common.FileNotes(P)) == (
        f"r.geojson: record 'r': {problem}"
    )  # fmt: skip


# --------------------------------------------------------------------------
# files


def test_read_text_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffa,b\n".encode())
    assert common.read_text_file(path, what="UTF-8 CSV") == "\ufeffa,b\n"  # utf-8 keeps the byte-order mark
    assert common.read_text_file(path, what="UTF-8 CSV", encoding="utf-8-sig") == "a,b\n"


def test_read_text_file__refused(tmp_path):
    missing = tmp_path / "nope.csv"
    assert error_message(common.read_text_file, missing, what="UTF-8 CSV") == f"{missing}: file not found; check the path"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"caf\xe9\n")  # 0xE9 then a newline is no UTF-8 sequence
    assert error_message(common.read_text_file, latin, what="UTF-8 CSV") == (
        f"{latin}: cannot read the file (UnicodeDecodeError); it must be UTF-8 CSV"
    )
    assert error_message(common.read_text_file, tmp_path, what="UTF-8 JSON") == (
        f"{tmp_path}: cannot read the file (IsADirectoryError); it must be UTF-8 JSON"
    )


def test_parse_file__parsed(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"a": [1, 2]}', encoding="utf-8")
    assert common.parse_file(path, json.loads, language="JSON", what="UTF-8 JSON", empty="add") == {"a": [1, 2]}


@pytest.mark.parametrize("text", ["", " \n\t\n"])
def test_parse_file__empty(tmp_path, text):
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    assert error_message(common.parse_file, path, json.loads, language="JSON", what="x", empty="add a route") == (
        f"{path}: the file is empty; add a route"
    )


def boom(text: str) -> object:
    raise ValueError("boom at " + text)


@pytest.mark.parametrize(
    ("text", "parse", "problem"),
    [
        # RFC 8259: a value may not be empty; the second comma is line 2, column 4
        ("[1,\n 2,,3]", json.loads, "not valid JSON: Expecting value at line 2 column 4"),
        ("[" * 100_000 + "]" * 100_000, json.loads, "not valid JSON: arrays or objects nested too deep to read"),
        ("1" * 5000, json.loads, "not valid JSON: an integer of more than 4,300 digits"),  # Python's default limit
        ("x", boom, "not valid JSON: boom at x"),
    ],
    ids=["empty-value", "too-deep", "long-integer", "other-error"],
)
def test_parse_file__refused(tmp_path, text, parse, problem):
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    assert error_message(common.parse_file, path, parse, language="JSON", what="x", empty="y") == f"{path}: {problem}"


def test_parse_file__unreadable(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b"\xff")
    assert error_message(common.parse_file, path, json.loads, language="TOML", what="UTF-8 TOML", empty="y") == (
        f"{path}: cannot read the file (UnicodeDecodeError); it must be UTF-8 TOML"
    )


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "w.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_csv_rows__rows_stripped_numbered_and_blank_lines_skipped(tmp_path):
    """Oracle: the header is line 1; a blank line and a line of empty cells are skipped but counted;
    a quoted comma stays in its cell (RFC 4180); extra columns are kept, extra cells ignored."""
    path = csv_file(tmp_path, '\ufeff a ,b,extra\n1, x ,e\n\n , \n"2,5",y,e,more\n')
    assert list(common.csv_rows(path, ("a", "b"))) == [
        (2, {"a": "1", "b": "x", "extra": "e"}),
        (5, {"a": "2,5", "b": "y", "extra": "e"}),
    ]


def test_csv_rows__header_with_blank_cells_is_no_repeat(tmp_path):
    path = csv_file(tmp_path, "a,,b,\n1,,2,\n")
    assert list(common.csv_rows(path, ("a", "b"))) == [(2, {"a": "1", "": "", "b": "2"})]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "line 1: the file is empty; the first line must name the columns a,b,c"),
        ("\n1,2,3\n", "line 1: the file is empty; the first line must name the columns a,b,c"),
        (" , ,\n1,2,3\n", "line 1: the file is empty; the first line must name the columns a,b,c"),
        ("a,b,c, a \n", "line 1: a: column 'a' appears twice in the header; keep one"),
        ("b,x\n", "line 1: a: missing column(s) a, c; the header must name a,b,c"),
        ("a,b,C\n", "line 1: c: missing column(s) c; the header must name a,b,c"),
        ("a,b,c\n1,2,3\n1,2\n", "line 3: 2 field(s) where the header names 3; give every column "
                                "(an unclosed quote joins the lines after it into one field)"),
    ],
)  # fmt: skip
def test_csv_rows__refused(tmp_path, text, problem):
    path = csv_file(tmp_path, text)
    assert error_message(lambda: list(common.csv_rows(path, ("a", "b", "c")))) == f"{path}: {problem}"


def test_csv_rows__field_over_the_csv_limit(tmp_path):
    """Oracle: csv.field_size_limit() is 131,072 by default; an unclosed quote on line 2 runs past it on that line."""
    path = csv_file(tmp_path, 'a,b\n1,"' + "x" * 140_000 + "\n")
    assert error_message(lambda: list(common.csv_rows(path, ("a", "b")))) == (
        f"{path}: line 2: a field is longer than 131,072 characters, the CSV limit; "
        "check the quotes (an unclosed quote runs on to the end of the file)"
    )


def fc_file(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "fc.geojson"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def feature(geometry: object, properties: object = None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_read_feature_collection(tmp_path):
    """Oracle: one row per feature, properties as columns (missing ones NaN), null properties as none."""
    line = {"type": "LineString", "coordinates": LINE}
    point = {"type": "Point", "coordinates": [1.0, 2.0]}
    path = fc_file(tmp_path, {"type": "FeatureCollection", "features": [feature(line, {"a": 1}), feature(point)]})
    frame = common.read_feature_collection(path, what="x", fix="y")
    assert list(frame.columns) == ["a", "geometry"]
    assert frame.crs == "EPSG:4326"
    assert list(frame.geometry) == [shapely.LineString(LINE), shapely.Point(1, 2)]
    pd.testing.assert_series_equal(frame["a"], pd.Series([1.0, np.nan], name="a"))


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("{", "not valid JSON: JSONDecodeError"),
        ("[" * 100_000, "not valid JSON: RecursionError"),
        ([], "not a FeatureCollection with features"),
        ({"type": "FeatureCollection"}, "not a FeatureCollection with features"),
        ({"type": "FeatureCollection", "features": []}, "not a FeatureCollection with features"),
        ({"type": "FeatureCollection", "features": {"a": 1}}, "not a FeatureCollection with features"),
    ],
    ids=["bad-json", "too-deep", "list", "no-features", "empty-features", "features-object"],
)
def test_read_feature_collection__refused(tmp_path, document, problem):
    path = fc_file(tmp_path, document)
    assert error_message(common.read_feature_collection, path, what="country boundaries", fix="rebuild them") == (
        f"{path}: cannot read country boundaries ({problem}); rebuild them"
    )


@pytest.mark.parametrize(("bad", "number"), [(1, 1), ({"type": "Feature", "geometry": None}, 2),
                                             ({"type": "Feature", "geometry": [1, 2]}, 2)])  # fmt: skip
def test_read_feature_collection__feature_without_geometry(tmp_path, bad, number):
    """Oracle: features are numbered from 1 in the file's order."""
    good = feature({"type": "Point", "coordinates": [1, 2]})
    features = [bad, good] if number == 1 else [good, bad]
    path = fc_file(tmp_path, {"type": "FeatureCollection", "features": features})
    assert error_message(common.read_feature_collection, path, what="w", fix="f") == (
        f"{path}: record '#{number}': cannot read w (a feature without a geometry); f"
    )


def test_read_feature_collection__geometry_geos_cannot_read(tmp_path):
    path = fc_file(tmp_path, {"type": "FeatureCollection", "features": [feature({"type": "Blob", "coordinates": []})]})
    message = error_message(common.read_feature_collection, path, what="w", fix="f")
    assert message.startswith(f"{path}: cannot read w (a geometry GEOS cannot read: ")
    assert message.endswith("); f")
    detail = message.removeprefix(f"{path}: cannot read w (a geometry GEOS cannot read: ").removesuffix("); f")
    assert 0 < len(detail) <= 80


# --------------------------------------------------------------------------
# read_routes: dispatch by suffix, ids across files, options


def geojson_routes(path: Path, *routes: tuple[str, dict]) -> Path:
    geometry = {"type": "LineString", "coordinates": LINE}
    features = [{"type": "Feature", "id": rid, "properties": props, "geometry": geometry} for rid, props in routes]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_read_routes__every_suffix_read(tmp_path):
    """Oracle: the suffix picks the reader, in any case; ids as written in each file, in the order given."""
    import pyogrio
    import geopandas as gpd

    toml = tmp_path / "c.TOML"
    toml.write_text(catalog_text(route_id='"t1"'), encoding="utf-8")
    gj = geojson_routes(tmp_path / "g.geojson", ("g1", {}))
    js = geojson_routes(tmp_path / "j.Json", ("j1", {}))
    csv = tmp_path / "w.csv"
    csv.write_text("route_id,seq,name,lon,lat\nw1,1,,104.28,52.29\nw1,2,,106.11,50.39\n", encoding="utf-8")
    gpkg = tmp_path / "p.gpkg"
    frame = gpd.GeoDataFrame({"route_id": ["p1"]}, geometry=[shapely.LineString(LINE)], crs="EPSG:4326")
    pyogrio.write_dataframe(frame, gpkg, layer="routes", driver="GPKG")
    kml = tmp_path / "k.KML"
    kml.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                   "<Placemark><name>k1</name><LineString><coordinates>104.28,52.29 106.11,50.39</coordinates>"
                   "</LineString></Placemark></Document></kml>", encoding="utf-8")  # fmt: skip
    routes = read_routes([toml, str(gj), js, csv, gpkg, kml])
    assert routes["id"].tolist() == ["t1", "g1", "j1", "w1", "p1", "k1"]
    assert list(routes.index) == [0, 1, 2, 3, 4, 5]
    assert routes.crs == "EPSG:4326"
    assert all(g.equals(shapely.LineString(LINE)) for g in routes.geometry)


def test_read_routes__unknown_suffix(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("x", encoding="utf-8")
    assert error_message(read_routes, [path]) == (
        f"{path}: unknown route file type '.txt'; use .toml (catalog), .geojson, .gpkg, .kml or .csv (waypoints)"
    )


def test_read_routes__no_files():
    assert error_message(read_routes, []) == "no route files given"


def test_read_routes__id_in_two_files(tmp_path):
    first = geojson_routes(tmp_path / "a.geojson", ("x", {}), ("y", {}))
    second = geojson_routes(tmp_path / "b.geojson", ("z", {}), ("y", {}))
    assert error_message(read_routes, [first, second]) == (
        f"{second}: record 'y': id: duplicate route id 'y', also in {first}; give each route its own id"
    )


def test_read_routes__options_across_files(tmp_path):
    """Oracle: an option naming a route of any file read is kept; one naming none is dropped with one warning."""
    first = geojson_routes(tmp_path / "a.geojson", ("x", {"option": "z"}), ("y", {"option": "nowhere"}))
    second = geojson_routes(tmp_path / "b.geojson", ("z", {"option": "x"}), ("w", {"option": "gone"}))
    routes, seen = caught_warnings(read_routes, [first, second])
    assert routes["id"].tolist() == ["x", "y", "z", "w"]
    assert routes["option"].tolist() == ["z", None, "x", None]
    assert [str(w.message) for w in seen] == [
        f"{first}: record 'y': option 'nowhere' names no route read; the line keeps its own colour",
        f"{second}: record 'w': option 'gone' names no route read; the line keeps its own colour",
    ]
    assert all(w.category is RouteDataWarning for w in seen)
