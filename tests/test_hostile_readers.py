"""Hostile route files, every input format: one line and status 2, or one warning line and status 0.

Each case builds its file here. What the message must contain (the file, the
record, the field, the bad value) is taken from the input the case wrote, never
from the program's output. Classes (issue 10): inputs that used to end in a
traceback (5), inputs that used to be misread in silence (6), and real tracker
files with repeated positions (8).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import geo.errors
import geo.readers
import geo.readers.geojson
import make_maps
from geo.errors import RouteDataError
from geo.readers.common import ID_MAX_CHARS
from geo.trade import load_energy
from tests.conftest import web_mercator_xy
from tests.test_catalog import catalog_text
from tests.test_trade import HEADER as TRADE_HEADER

CSV_HEADER = "route_id,seq,name,lon,lat\n"
ENERGY_HEADER = "year,pos1_gas_bcm,lng_mt,crude_mt,confidence,confidence_note,source\n"
LINE = [[104.28, 52.29], [106.11, 50.39]]
TOO_LONG_ID = "q" * (ID_MAX_CHARS + 1)


def feature_collection(coordinates: str = json.dumps(LINE), *, feature_id: str = '"x"', properties: str = "{}", crs: str = "") -> str:
    """A one-feature FeatureCollection written from JSON fragments (to hold what json.dumps cannot)."""
    crs_member = f'"crs": {crs}, ' if crs else ""
    return (
        f'{{"type": "FeatureCollection", {crs_member}"features": [{{"type": "Feature", "id": {feature_id}, '
        f'"properties": {properties}, "geometry": {{"type": "LineString", "coordinates": {coordinates}}}}}]}}'
    )


def waypoints_csv(*rows: str) -> str:
    return CSV_HEADER + "".join(f"{row}\n" for row in rows)


def gpkg(path: Path, rows: list[dict], lines: list[list[tuple[float, ...]]]) -> None:
    frame = gpd.GeoDataFrame(rows, geometry=[shapely.LineString(line) for line in lines], crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, layer="routes", driver="GPKG")


def kml(*placemarks: str) -> str:
    """A KML document of the placemarks given as inner XML (no ids: as hand-made KML files come)."""
    body = "".join(f"<Placemark>{p}</Placemark>" for p in placemarks)
    return f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>'


def placemark(coordinates: str, name: str | None = None, data: dict[str, str] | None = None) -> str:
    extended = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in (data or {}).items())
    return (
        ("" if name is None else f"<name>{name}</name>")
        + (f"<ExtendedData>{extended}</ExtendedData>" if extended else "")
        + f"<LineString><coordinates>{coordinates}</coordinates></LineString>"
    )


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")  # lets a test write a lone surrogate
    return path


def run(args: list[str], capsys) -> tuple[int, list[str], str]:
    status = make_maps.main(args)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.err.strip().splitlines(), captured.out


def assert_one_error(path: Path, capsys, *parts: str, command: str = "compare") -> str:
    args = ["compare", "--format", "json", "--routes", str(path)] if command == "compare" else ["trade", "--trade", str(path)]
    status, lines, out = run(args, capsys)
    assert status == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"make_maps.py: error: {path}: "), lines[0]
    for part in parts:
        assert part in lines[0], (part, lines[0])
    assert out == ""
    return lines[0]


def compare_ok(path: Path, capsys) -> tuple[list[dict], list[str]]:
    status, lines, out = run(["compare", "--format", "json", "--routes", str(path)], capsys)
    assert status == 0, lines
    return json.loads(out), lines


# --------------------------------------------------------------------------
# 5. tracebacks that are now one line


GEOJSON_ERRORS = {
    "nested_1000_deep": (feature_collection("[" * 1000 + "]" * 1000), ["nested too deep"]),
    "int_400_digits": (feature_collection(f"[[104.28, 52.29], [{'1' * 400}, 50.39]]"),
                       ["record 'x'", "geometry.coordinates[1][0]", "111111111111", "400 digits"]),
    "int_5000_digits": (feature_collection(f"[[104.28, 52.29], [106.11, {'2' * 5000}]]"),
                        ["record 'x'", "geometry.coordinates[1][1]", "222222222222", "5000 digits"]),
    "float_400_digits": (feature_collection(f"[[104.28, 52.29], [{'9' * 400}.5, 50.39]]"),
                         ["record 'x'", "geometry.coordinates[1][0]", "not a finite number"]),
    "float_400_digits_beside_text": (feature_collection(f'[[104.28, 52.29], ["x", 1], [{"9" * 400}.5, 50.39]]'),
                                     ["record 'x'", "geometry.coordinates[1][0]", "'x' is not a number"]),
    "boolean_coordinate": (feature_collection("[[104.28, 52.29], [106.11, true]]"),
                           ["record 'x'", "geometry.coordinates[1][1]", "True is not a number"]),
    "lone_surrogate_id": (feature_collection(feature_id='"a\\ud800"'), ["record 'feature #1'", ": id: ", "'a\\ud800'", "U+D800"]),
    "lone_surrogate_name": (feature_collection(properties='{"name": "\\udc00b"}'), ["record 'x'", "properties.name", "U+DC00"]),
    "crs_list": (feature_collection(crs="[1, 2]"), [": crs: ", "[1, 2]"]),
    "crs_number": (feature_collection(crs="5"), [": crs: ", "crs member 5"]),
    "crs_properties_number": (feature_collection(crs='{"type": "name", "properties": 7}'), [": crs: ", "'properties': 7"]),
    "crs_name_list": (feature_collection(crs='{"type": "name", "properties": {"name": ["EPSG:3857"]}}'), [": crs: ", "['EPSG:3857']"]),
    "crs_nested_junk": (feature_collection(crs='{"properties": {"name": {"a": [[[[[[1]]]]]]}}}'), [": crs: ", "no properties.name"]),
    "crs_proj_refused": (feature_collection(crs='{"type": "name", "properties": {"name": "+proj=nonsense +x=1"}}'),
                         [": crs: ", "unknown crs '+proj=nonsense +x=1'"]),
    "crs_geocentric": (feature_collection(crs='{"type": "name", "properties": {"name": "EPSG:4978"}}'),
                       [": crs: ", "'EPSG:4978' is not a 2D"]),
    "crs_nul": (feature_collection(crs='{"type": "name", "properties": {"name": "EPSG:\\u00003857"}}'), [": crs: ", "unknown crs"]),
    "crs_point_off_the_projection": (
        feature_collection("[[0, 0], [1e7, 1e7]]", crs='{"type": "name", "properties": {"name": "+proj=ortho +lat_0=90"}}'),
        ["record 'x'", "geometry.coordinates[1]", "(1e+07, 1e+07) has no WGS84 position"]),
    "id_only_spaces": (feature_collection(feature_id='"   "'), ["record 'feature #1'", ": id: ", "'   '", "only spaces"]),
    "id_nul": (feature_collection(feature_id='"a\\u0000b"'), ["record 'feature #1'", ": id: ", "'a\\x00b'", "U+0000"]),
    "id_escape": (feature_collection(feature_id='"a\\u001b[31mb"'), ["record 'feature #1'", ": id: ", "U+001B"]),
    "id_line_separator": (feature_collection(feature_id='"a\\u2028b"'), ["record 'feature #1'", ": id: ", "U+2028"]),
    "id_too_long": (feature_collection(feature_id=json.dumps(TOO_LONG_ID)),
                    ["record 'feature #1'", ": id: ", f"has {len(TOO_LONG_ID)} characters", f"at most {ID_MAX_CHARS}"]),
    "id_float": (feature_collection(feature_id="1.5"), ["record 'feature #1'", ": id: ", "id 1.5 is a number"]),
    "id_list": (feature_collection(feature_id='["a"]'), ["record 'feature #1'", ": id: ", "id ['a'] is a list"]),
    "id_boolean": (feature_collection(feature_id="true"), ["record 'feature #1'", ": id: ", "id True is a boolean"]),
    "id_object": (feature_collection(feature_id='{"a": 1}'), ["record 'feature #1'", ": id: ", "{'a': 1}"]),
    "id_300_digit_number": (feature_collection(feature_id="3" * 300), ["record 'feature #1'", ": id: ", "(300 digits)"]),
    "name_property_list": (feature_collection(properties='{"name": ["a"]}'), ["record 'x'", "properties.name", "['a'] is a list"]),
    "status_number": (feature_collection(properties='{"status": 5}'), ["record 'x'", "properties.status", "5 is a number where text"]),
    "confidence_unknown": (feature_collection(properties='{"confidence": "sure"}'),
                           ["record 'x'", "properties.confidence", "unknown confidence 'sure'"]),
    "capacity_text": (feature_collection(properties='{"capacity_bcm": "50"}'), ["record 'x'", "properties.capacity_bcm", "'50'"]),
}  # fmt: skip


CSV_ERRORS = {
    "field_over_128_kb": (waypoints_csv(f'r,1,"{"n" * 140_000}",104.28,52.29', "r,2,b,106.11,50.39"), ["line 2: ", "131,072"]),
    "unclosed_quote": (waypoints_csv('r,1,"a,104.28,52.29', "r,2,b,106.11,50.39"), ["line 3: ", "3 field(s) where the header names 5"]),
    "seq_superscript": (waypoints_csv("r,¹,a,104.28,52.29", "r,2,b,106.11,50.39"), ["line 2: seq: ", "'¹'"]),
    "seq_5000_digits": (waypoints_csv(f"r,{'1' * 5000},a,104.28,52.29", "r,2,b,106.11,50.39"), ["line 2: seq: ", "'111111111111"]),
    "seq_zero": (waypoints_csv("r,0,a,104.28,52.29"), ["line 2: seq: ", "'0'"]),
    "lon_underscore": (waypoints_csv("r,1,a,1_04.28,52.29", "r,2,b,106.11,50.39"), ["line 2: lon: ", "'1_04.28' is not a number"]),
    "lat_exponent": (waypoints_csv("r,1,a,104.28,5.229e1", "r,2,b,106.11,50.39"), ["line 2: lat: ", "'5.229e1'"]),
    "lon_arabic_digits": (waypoints_csv("r,1,a,١٠٤,52.29", "r,2,b,106.11,50.39"), ["line 2: lon: ", "'١٠٤'"]),
    "lon_infinity": (waypoints_csv("r,1,a,104.28,52.29", "r,2,b,infinity,50.39"), ["line 3: lon: ", "'infinity'"]),
    "lon_400_digits": (waypoints_csv("r,1,a,104.28,52.29", f"r,2,b,{'1' * 400},50.39"), ["line 3: lon: ", "too large"]),
    "duplicate_column": ("route_id,seq,name,lon,lat,lon\nr,1,a,104.28,52.29,1\nr,2,b,106.11,50.39,1\n",
                         ["line 1: lon: ", "column 'lon' appears twice"]),
    "route_id_only_spaces": (waypoints_csv("   ,1,a,104.28,52.29"), ["line 2: route_id: ", "missing route_id"]),
    "route_id_nul": (waypoints_csv("a\x00b,1,a,104.28,52.29", "a\x00b,2,b,106.11,50.39"), ["line 2: route_id: ", "U+0000"]),
    "route_id_too_long": (waypoints_csv(f"{TOO_LONG_ID},1,a,104.28,52.29"), ["line 2: route_id: ", f"has {len(TOO_LONG_ID)} characters"]),
    "name_control_character": (waypoints_csv("r,1,a\x07,104.28,52.29", "r,2,b,106.11,50.39"), ["line 2: name: ", "U+0007"]),
}  # fmt: skip


def with_segment(country: str, extra: str = "") -> str:
    """A catalog route with one published segment (TOML fragments for the country and more fields)."""
    return catalog_text(extra=f'segments = [{{ name = "S", length_km = 10.0, source = "s", country = {country}{extra} }}]')


TOML_ERRORS = {
    "status_date": (catalog_text(extra="status = 2025-09-02"), ["record 'test-route'", ": status: ", "2025-09-02 is a date"]),
    "name_time": (catalog_text().replace('name = "Test route"', "name = 07:32:00"), [": name: ", "07:32:00 is a time"]),
    "source_title_datetime": (catalog_text(sources='[{ publisher = "P", year = 2025, title = 1979-05-27T07:32:00 }]'),
                              [": sources[0].title: ", "1979-05-27T07:32:00 is a datetime"]),
    "source_publisher_number": (catalog_text(sources='[{ publisher = 5, year = 2025, title = "T" }]'),
                                [": sources[0].publisher: ", "5 is a number"]),
    "source_year_date": (catalog_text(sources='[{ publisher = "P", year = 2025-01-01, title = "T" }]'),
                         [": sources[0].year: ", "2025-01-01"]),
    "confidence_date": (catalog_text().replace('confidence = "low"', "confidence = 2025-01-01"),
                        [": confidence: ", "unknown confidence 2025-01-01"]),
    "waypoint_name_date": (catalog_text().replace('name = "p0"', "name = 2025-01-01"), [": waypoints[0].name: ", "2025-01-01 is a date"]),
    "waypoint_basis_list": (catalog_text().replace('basis = "b"', 'basis = ["b"]', 1), [": waypoints[0].basis: ", "['b'] is a list"]),
    "yearly_flow_number": (catalog_text(extra="yearly_flow = 5"), [": yearly_flow: ", "5 is a number"]),
    "segment_source_date": (catalog_text(extra='segments = [{ name = "S", length_km = 10.0, source = 2020-01-01, country = "MNG" }]'),
                            [": segments[0].source: ", "2020-01-01 is a date"]),
    "primary_text_false": (with_segment('"MNG"', ', primary = "false"'),
                           ["record 'test-route'", ": segments[0].primary: ", "'false' is text, not a boolean"]),
    "primary_number": (with_segment('"MNG"', ", primary = 1"),
                       [": segments[0].primary: ", "1 is a number, not a boolean"]),
    "segment_country_list": (with_segment('["MNG", "CHN"]'),
                             [": segments[0].country: ", "['MNG', 'CHN']"]),
    "segment_country_name": (with_segment('"Mongolia"'),
                             [": segments[0].country: ", "'Mongolia'"]),
    "id_nul": (catalog_text(route_id='"a\\u0000b"'), ["record '#1'", ": id: ", "U+0000"]),
    "id_only_spaces": (catalog_text(route_id='"   "'), ["record '#1'", ": id: ", "only spaces"]),
    "id_too_long": (catalog_text(route_id=f'"{TOO_LONG_ID}"'), ["record '#1'", ": id: ", f"has {len(TOO_LONG_ID)} characters"]),
    "nested_3000_deep": ("x = " + "[" * 3000 + "]" * 3000 + "\n", ["not valid TOML", "nested too deep"]),
    "int_5000_digits": (catalog_text(extra=f"capacity_bcm = {'7' * 5000}"), ["not valid TOML", "4,300 digits"]),
    "float_overflow": (catalog_text(extra=f"capacity_bcm = {'7' * 400}.0"), [": capacity_bcm: ", "not a finite number"]),
}  # fmt: skip


GPKG_ERRORS = {
    "kind_unknown": ([{"id": "a", "kind": "bogus"}], ["record 'a'", ": kind: ", "unknown kind 'bogus'"]),
    "id_only_spaces": ([{"id": "   "}], ["record 'feature #1'", ": id: ", "only spaces"]),
    "id_too_long": ([{"id": TOO_LONG_ID}], ["record 'feature #1'", ": id: ", f"has {len(TOO_LONG_ID)} characters"]),
    "status_number": ([{"id": "a", "status": 5}], ["record 'a'", ": status: ", "5 is a number"]),
    "status_datetime": ([{"id": "a", "status": dt.datetime(2025, 9, 2, 12, 0)}], ["record 'a'", ": status: ", "2025-09-02T12:00:00"]),
    "capacity_text": ([{"id": "a", "capacity_bcm": "50"}], ["record 'a'", ": capacity_bcm: ", "'50' is not a number"]),
    "confidence_unknown": ([{"id": "a", "confidence": "sure"}], ["record 'a'", ": confidence: ", "'sure'"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(GPKG_ERRORS))
def test_gpkg__error_is_one_line(case, tmp_path, capsys):
    rows, parts = GPKG_ERRORS[case]
    path = tmp_path / f"{case}.gpkg"
    gpkg(path, rows, [[tuple(p) for p in LINE]])
    assert_one_error(path, capsys, *parts)


def test_gpkg__nan_coordinate_is_one_line(tmp_path, capsys):
    path = tmp_path / "nan.gpkg"
    with np.errstate(invalid="ignore"):  # shapely warns on building it; the reader must not
        gpkg(path, [{"id": "a"}], [[(104.28, 52.29), (np.nan, 50.39)]])
    assert_one_error(path, capsys, "record 'a'", ": geometry[0][1][0]: ", "nan is not a finite number")


KML_ERRORS = {
    "name_only_spaces": (kml(placemark("104.28,52.29 106.11,50.39", name="   ")), ["record 'feature #1'", ": Name: ", "only spaces"]),
    "kind_unknown": (kml(placemark("104.28,52.29 106.11,50.39", name="k", data={"kind": "bogus"})),
                     ["record 'k'", ": kind: ", "unknown kind 'bogus'"]),
    # in clash.kml the unnamed first placemark gets the made-up id clash-1, which the second one is named
    "clash": (kml(placemark("104.28,52.29 106.11,50.39"), placemark("104.28,52.29 106.11,50.39", name="clash-1")),
              ["record 'clash-1'", ": id: ", "duplicate id 'clash-1'"]),
}  # fmt: skip
TEXT_ERRORS = {"geojson": GEOJSON_ERRORS, "csv": CSV_ERRORS, "toml": TOML_ERRORS, "kml": KML_ERRORS}


@pytest.mark.parametrize(("suffix", "case"), [(suffix, case) for suffix, cases in TEXT_ERRORS.items() for case in sorted(cases)])
def test_text_formats__error_is_one_line(suffix, case, tmp_path, capsys):
    text, parts = TEXT_ERRORS[suffix][case]
    assert_one_error(write(tmp_path / f"{case}.{suffix}", text), capsys, *parts)


TRADE_ERRORS = {
    "zero_base_year_imports": ("2021,67.6,67.6,0,high,,S\n2022,190.27,76.12,114.15,high,,S\n",
                               ["line 2: cn_imports_from_ru_usd_bn: ", "2021"]),
    "zero_total": ("2013,0,0,0,high,,S\n2014,95.28,53.68,41.6,high,,S\n", ["line 2: total_usd_bn: ", "total 0"]),
    "exponent_1e308": ("2013,1e308,5e307,5e307,high,,S\n", ["line 2: total_usd_bn: ", "'1e308' is not a number"]),
    "309_digits": (f"2013,1{'0' * 308},1,1,high,,S\n", ["line 2: total_usd_bn: ", "must be a number from 0 to 100,000"]),
    "underscore": ("2013,89.21,4_9.6,39.6,high,,S\n", ["line 2: cn_exports_to_ru_usd_bn: ", "'4_9.6' is not a number"]),
    "superscript_year": ("²⁰¹³,89.21,49.6,39.6,high,,S\n", ["line 2: year: ", "'²⁰¹³'"]),
    "field_over_128_kb": (f'2013,89.21,49.6,39.6,high,"{"n" * 140_000}",S\n', ["line 2: ", "131,072"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TRADE_ERRORS))
def test_trade__error_is_one_line(case, tmp_path, capsys):
    body, parts = TRADE_ERRORS[case]
    assert_one_error(write(tmp_path / f"{case}.csv", TRADE_HEADER + body), capsys, *parts, command="trade")


def test_trade__duplicate_column_is_one_line(tmp_path, capsys):
    text = TRADE_HEADER.strip() + ",source\n2013,89.21,49.6,39.6,high,,S,T\n"
    assert_one_error(write(tmp_path / "dup.csv", text), capsys, "line 1: source: ", "column 'source' appears twice", command="trade")


@pytest.mark.parametrize(("body", "part"), [
    ("2013,1e308,,,high,,S\n", "line 2: pos1_gas_bcm: '1e308' is not a number"),
    ("2013,1_0,,,high,,S\n", "line 2: pos1_gas_bcm: '1_0' is not a number"),
    (f"2013,{'9' * 400},,,high,,S\n", "line 2: pos1_gas_bcm: '999999999999"),
])  # fmt: skip
def test_energy__error_is_one_line(tmp_path, body, part):
    path = write(tmp_path / "energy.csv", ENERGY_HEADER + body)
    with pytest.raises(RouteDataError) as info:
        load_energy(path)
    assert str(info.value).startswith(f"{path}: ") and part in str(info.value) and "\n" not in str(info.value)


# --------------------------------------------------------------------------
# 6. silent misreads


def test_geojson__feature_id_member_and_kind_are_read_the_same_on_both_paths(tmp_path, capsys, monkeypatch):
    """Positions of numbers only become numpy arrays while parsing (what keeps a 50 MB file small);
    anything else is checked position by position. Both paths give the same ids, lines and errors."""
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 7, "properties": {"name": "Seven"}, "geometry": {"type": "LineString", "coordinates": LINE}},
        {"type": "Feature", "id": "b/c", "properties": {"ProjectID": "P9"},
         "geometry": {"type": "MultiLineString", "coordinates": [LINE, [[90, 50], [90, 50], [91, 51]]]}},
    ]}  # fmt: skip
    good = write(tmp_path / "good.geojson", json.dumps(doc))
    doc["features"][1]["properties"]["kind"] = "bogus"
    bogus = write(tmp_path / "bogus.geojson", json.dumps(doc))
    results = []
    for compact in (True, False):
        if not compact:
            monkeypatch.setattr(geo.readers.geojson, "_compact", lambda positions: None)
        records, warnings = compare_ok(good, capsys)
        error = assert_one_error(bogus, capsys, "record 'b/c'", "properties.kind", "unknown kind 'bogus'")
        results.append(([(r["id"], r["name"], r["length_km"]) for r in records], warnings, error))
    assert results[0] == results[1]
    assert [r[0] for r in results[0][0]] == ["7", "b/c"]  # the id member wins over ProjectID and name
    assert results[0][1] == [f"make_maps.py: warning: {good}: dropped 1 repeated consecutive position(s) in 1 route(s), "
                             "first in 'b/c'; a line is measured through its distinct points"]  # fmt: skip


def test_kml__placemarks_without_ids_get_the_file_stem_and_their_number(tmp_path, capsys):
    path = write(tmp_path / "tracks.kml", kml(
        placemark("104.28,52.29 106.11,50.39"),
        placemark("100,50 101,51", name="Named / with slash"),
        placemark("90,50 91,51"),
    ))  # fmt: skip
    records, warnings = compare_ok(path, capsys)
    assert [r["id"] for r in records] == ["tracks-1", "Named / with slash", "tracks-3"]
    assert warnings == []


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "kml", "csv"])
def test_names_with_slashes_read_verbatim(suffix, tmp_path, capsys):
    route_id, name = "../a/b", "Line / Branch"
    path = tmp_path / f"slash.{suffix}"
    if suffix == "geojson":
        write(path, feature_collection(feature_id=json.dumps(route_id), properties=json.dumps({"name": name})))
    elif suffix == "gpkg":
        gpkg(path, [{"id": route_id, "name": name}], [[tuple(p) for p in LINE]])
    elif suffix == "kml":
        write(path, kml(placemark("104.28,52.29 106.11,50.39", name=name, data={"route_id": route_id})))
    else:
        write(path, waypoints_csv(f"{route_id},1,{name},104.28,52.29", f"{route_id},2,b,106.11,50.39"))
    records, warnings = compare_ok(path, capsys)
    assert [r["id"] for r in records] == [route_id] and warnings == []
    if suffix != "csv":  # a waypoint CSV names waypoints, not the route
        assert records[0]["name"] == name


# --------------------------------------------------------------------------
# 8. repeated consecutive positions: dropped, counted on one warning line

REPEATED = [[104.28, 52.29], [104.28, 52.29], [105.0, 51.0], [106.11, 50.39], [106.11, 50.39], [106.11, 50.39]]
DISTINCT = [REPEATED[0], REPEATED[2], REPEATED[3]]
REPEATS = len(REPEATED) - len(DISTINCT)


def repeated_file(suffix: str, path: Path, coords: list[list[float]], n_routes: int) -> Path:
    ids = [f"r{i}" for i in range(n_routes)]
    if suffix == "geojson":
        features = [{"type": "Feature", "id": i, "properties": {}, "geometry": {"type": "LineString", "coordinates": coords}} for i in ids]
        return write(path, json.dumps({"type": "FeatureCollection", "features": features}))
    if suffix == "csv":
        return write(path, waypoints_csv(*(f"{i},{n},w{n},{lon},{lat}" for i in ids for n, (lon, lat) in enumerate(coords, start=1))))
    if suffix == "gpkg":
        gpkg(path, [{"id": i} for i in ids], [[tuple(p) for p in coords]] * n_routes)
        return path
    text = " ".join(f"{lon},{lat}" for lon, lat in coords)
    return write(path, kml(*(placemark(text, name=i) for i in ids)))


@pytest.mark.parametrize("suffix", ["geojson", "csv", "gpkg", "kml"])
def test_repeated_positions__dropped_with_one_warning_that_counts_them(suffix, tmp_path, capsys):
    path = repeated_file(suffix, tmp_path / f"tracker.{suffix}", REPEATED, n_routes=3)
    records, warnings = compare_ok(path, capsys)
    assert warnings == [f"make_maps.py: warning: {path}: dropped {3 * REPEATS} repeated consecutive position(s) in 3 route(s), "
                        "first in 'r0'; a line is measured through its distinct points"]  # fmt: skip
    distinct = write(tmp_path / "distinct.geojson", json.dumps({"type": "LineString", "coordinates": DISTINCT}))
    expected, _ = compare_ok(distinct, capsys)
    assert {r["length_km"] for r in records} == {expected[0]["length_km"]}


@pytest.mark.parametrize("suffix", ["geojson", "csv", "gpkg", "kml"])
def test_repeated_positions__one_distinct_point_is_still_an_error(suffix, tmp_path, capsys):
    path = repeated_file(suffix, tmp_path / f"still.{suffix}", [LINE[0]] * 3, n_routes=1)
    assert_one_error(path, capsys, "record 'r0'", "3 point(s), 1 distinct; a route needs at least 2 distinct points")


def test_repeated_positions__catalog_waypoints_stay_an_error(tmp_path, capsys):
    """Catalog waypoints are named and segments refer to them: a repeat there is an editing mistake."""
    path = write(tmp_path / "cat.toml", catalog_text(points=((104.28, 52.29), (104.28, 52.29), (106.11, 50.39))))
    assert_one_error(path, capsys, "record 'test-route'", ": waypoints[1]: ", "point 1 repeats point 0")


def test_file_name_with_a_line_break_stays_one_line(tmp_path, capsys):
    path = write(tmp_path / "two\nlines.geojson", "{")
    status, lines, _ = run(["compare", "--routes", str(path)], capsys)
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith(f"make_maps.py: error: {tmp_path}/two\\nlines.geojson: not valid JSON")


def test_geojson__a_property_missing_on_some_features_is_null_not_nan(tmp_path, capsys):
    """Oracle: RFC 8259 has no NaN; a status given on one feature and not on the other is null on the
    other (pandas would infer a text column and turn the missing value into NaN)."""
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a", "properties": {"status": "planned"},
         "geometry": {"type": "LineString", "coordinates": [[100, 50], [101, 50]]}},
        {"type": "Feature", "id": "b", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[100, 51], [101, 51]]}},
    ]}  # fmt: skip
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert make_maps.main(["compare", "--format", "json", "--routes", str(path)]) == 0
    records = json.loads(capsys.readouterr().out, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert [r["status"] for r in records] == ["planned", None]
    assert [r["capacity_bcm"] for r in records] == [None, None]


# --- GeoPackage layers and CRSs (issue 14: mutants no test noticed) -----------------------------


def test_gpkg__projected_crs_read_back_as_lonlat(tmp_path):
    """A GeoPackage in Web Mercator (as QGIS users often save them) is reprojected to lon/lat:
    the positions written by the textbook formula come back as the lon/lat they came from."""
    path = tmp_path / "mercator.gpkg"
    line = shapely.LineString([web_mercator_xy(lon, lat) for lon, lat in LINE])
    pyogrio.write_dataframe(gpd.GeoDataFrame([{"id": "m"}], geometry=[line], crs="EPSG:3857"), path, layer="routes", driver="GPKG")
    routes = geo.readers.read_routes([path])
    np.testing.assert_allclose(shapely.get_coordinates(routes.geometry.iloc[0]), LINE, atol=1e-9)
    assert routes.crs.equals("EPSG:4326")


def test_gpkg__routes_layer_else_the_first(tmp_path):
    """Oracle: the reader's contract (layer 'routes', else the first layer), on files written here."""
    def frame(route_id, line):
        return gpd.GeoDataFrame([{"id": route_id}], geometry=[shapely.LineString(line)], crs="EPSG:4326")

    both = tmp_path / "both.gpkg"
    pyogrio.write_dataframe(frame("from-other", LINE), both, layer="other", driver="GPKG")
    pyogrio.write_dataframe(frame("from-routes", LINE[::-1]), both, layer="routes", driver="GPKG", append=True)
    assert [name for name, _ in pyogrio.list_layers(both)] == ["other", "routes"]
    assert geo.readers.read_routes([both])["id"].tolist() == ["from-routes"]
    lines_only = tmp_path / "lines.gpkg"
    pyogrio.write_dataframe(frame("only", LINE), lines_only, layer="lines", driver="GPKG")
    pyogrio.write_dataframe(frame("second", LINE), lines_only, layer="more", driver="GPKG", append=True)
    assert geo.readers.read_routes([lines_only])["id"].tolist() == ["only"]


def test_gpkg__unreadable_file_is_one_line(tmp_path):
    """Oracle: the reader's message for a file GDAL cannot open, written out by hand: the file, the
    format from its suffix, and what to do; the exception's class in brackets."""
    path = write(tmp_path / "broken.gpkg", b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(RouteDataError) as caught:
        geo.readers.read_routes([path])
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot read it as GPKG (") and message.endswith("); check the file")
    assert "\n" not in message and caught.value.path == str(path)


def test_kml__features_of_an_export_other_than_routes_skipped(tmp_path):
    """Oracle: an export's KML holds crossings, km posts and places beside the routes (its
    feature_type); reading it back keeps the routes only, those after a skipped feature too."""
    text = kml(
        placemark("104.28,52.29 106.11,50.39", name="first", data={"feature_type": "route"}),
        placemark("104.5,52.0 104.6,52.0", name="post", data={"feature_type": "km_post"}),
        placemark("106.11,50.39 104.28,52.29", name="second"),
    )
    routes = geo.readers.read_routes([write(tmp_path / "export.kml", text)])
    assert routes["id"].tolist() == ["first", "second"]


def test_gpkg__feature_without_an_id_is_refused(tmp_path):
    """Oracle: the contract: a GeoPackage feature needs an id field (only KML placemarks, which rarely
    carry one, are named after the file); the message names the feature by its number."""
    path = tmp_path / "noid.gpkg"
    gpkg(path, [{"note": "x"}], [[tuple(p) for p in LINE]])
    with pytest.raises(RouteDataError) as caught:
        geo.readers.read_routes([path])
    assert str(caught.value) == (
        f"{path}: record 'feature #1': id: no id: give the feature a 'route_id', 'id', 'ProjectID', 'name' field"
    )


def test_gpkg__null_geometry_skipped_with_a_warning_naming_it(tmp_path):
    """Oracle: the warning's contract: the file and the record, then what happened."""
    path = tmp_path / "null.gpkg"
    frame = gpd.GeoDataFrame([{"id": "empty"}, {"id": "kept"}], geometry=[None, shapely.LineString(LINE)], crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path, layer="routes", driver="GPKG")
    with pytest.warns(geo.errors.RouteDataWarning) as caught:
        routes = geo.readers.read_routes([path])
    assert routes["id"].tolist() == ["kept"]
    assert [str(w.message) for w in caught] == [f"{path}: record 'empty': geometry is null; feature skipped"]
