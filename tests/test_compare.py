"""Tests for geo.compare: records and their text formats."""

from __future__ import annotations

import copy
import csv
import io
import json
import math

import pytest

import make_maps
from geo.catalog import read_routes
from geo.compare import comparison_csv, comparison_records, format_comparison
from geo.countries import NO_COUNTRY, OUTSIDE
from geo.measure import measure_routes
from tests.conftest import CATALOG_IDS, ROUTES_PATH, meridian_arc_m


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


def test_records__one_per_route_with_required_keys(records):
    assert [r["id"] for r in records] == CATALOG_IDS
    for r in records:
        assert {"id", "name", "length_km", "planar_length_km", "countries", "border_crossings",
                "published_length_km", "capacity_bcm"} <= set(r)  # fmt: skip
        assert sum(r["countries"].values()) == pytest.approx(r["length_km"], abs=0.01)


def test_records__soyuz_vostok_published_against_km_in_mongolia(records, measured_catalog, catalog):
    pos2 = next(r for r in records if r["id"] == "pos2-mongolia")
    mng_km = measured_catalog.set_index(catalog["id"]).loc["pos2-mongolia"]["country_m"]["MNG"] / 1000
    assert pos2["published_length_km"] == 962.9
    assert pos2["measured_segment_km"] == pytest.approx(mng_km, abs=0.001)
    assert pos2["published_ratio"] == pytest.approx(962.9 / mng_km, abs=1e-4)
    # The waypoint line is shorter than the pipeline (research: 5-30 %).
    assert 1.0 < pos2["published_ratio"] < 1.3


def test_records__waypoint_segment(records, measured_catalog, catalog):
    pos2 = next(r for r in records if r["id"] == "pos2-mongolia")
    segment = next(s for s in pos2["segments"] if s["published_km"] == 410.0)
    route = catalog.set_index("id").loc["pos2-mongolia"]
    names = [w["name"] for w in route["waypoints"]]
    along = measured_catalog.set_index(catalog["id"]).loc["pos2-mongolia"]["waypoint_m"]
    expected_km = (along[names.index("Vertikos compressor station (Tomsk obl.) - approx")]
                   - along[names.index("Aganskaya compressor station (KhMAO) - approx")]) / 1000
    assert segment["measured_km"] == pytest.approx(expected_km, abs=0.001)


def test_format_json__roundtrips(records):
    assert json.loads(format_comparison(records, "json")) == records


def test_format_csv__one_row_per_route(records):
    rows = list(csv.DictReader(io.StringIO(format_comparison(records, "csv"))))
    assert [row["id"] for row in rows] == CATALOG_IDS
    pos2 = rows[0]
    assert float(pos2["km_MNG"]) == records[0]["countries"]["MNG"]
    assert pos2["border_crossings"].startswith("RUS>MNG@")


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_format_text__one_line_per_route(records, fmt):
    lines = format_comparison(records, fmt).splitlines()
    assert len(lines) == len(records) + (2 if fmt == "markdown" else 1)
    assert any("pos2-mongolia" in line and "MNG" in line for line in lines)


def test_format__unknown():
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        format_comparison([], "xml")  # type: ignore[arg-type]


# --- CSV formula injection, strict JSON, published countries, km outside the extract ---

FORMULA_TEXT = ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\tx"]
"""Cells a spreadsheet would run. Oracle: the OWASP CSV-injection rule -- a cell
starting with =, +, -, @, tab (0x09) or carriage return (0x0D) gets a leading '."""
TEXT_COLUMNS = ("id", "name", "start", "end", "published_segment")
NUMERIC_COLUMNS = ("length_km", "planar_length_km", "planar_deviation_pct", "chord_km", "detour_ratio",
                   "published_length_km", "measured_segment_km", "published_ratio", "capacity_bcm", "diameter_mm")  # fmt: skip

WAYPOINT_TOML = '{{ name = "{name}", lon = {lon}, lat = {lat}, role = "r", coord_conf = "high", route_conf = "low", basis = "b" }}'


def catalog_toml(points, *, segments: str = "") -> str:
    """One catalog record as geo/data/routes.toml writes them (cf. tests/test_catalog.py)."""
    waypoints = ",\n  ".join(WAYPOINT_TOML.format(name=f"p{i}", lon=lon, lat=lat) for i, (lon, lat) in enumerate(points))
    return f"""
[[route]]
id = "test-route"
name = "Test route"
kind = "option"
confidence = "low"
sources = [{{ publisher = "P", year = 2025, title = "T" }}]
{segments}
waypoints = [
  {waypoints}
]
"""


def tracker_geojson(lines: dict[str, list[list[float]]], names: dict[str, str] | None = None) -> str:
    """A GeoJSON FeatureCollection of lines with free-text ids (as a tracker exports them)."""
    features = [
        {"type": "Feature", "id": route_id, "properties": {"name": (names or {}).get(route_id, route_id)},
         "geometry": {"type": "LineString", "coordinates": coords}}
        for route_id, coords in lines.items()
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features})


def refuse_constant(name: str) -> None:
    """parse_constant for json.loads: NaN, Infinity and -Infinity are not JSON (RFC 8259)."""
    msg = f"non-JSON constant {name} in the output"
    raise AssertionError(msg)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("value", FORMULA_TEXT, ids=repr)
@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_csv__formula_text_gets_a_leading_quote(records, column, value):
    record = copy.deepcopy(records[0])
    record[column] = value
    (row,) = csv_rows(comparison_csv([record]))
    assert row[column] == "'" + value


@pytest.mark.parametrize("value", ["\rx", "\r=1+1", "a\r=1+1", "a\r\n=1+1"], ids=repr)
def test_csv__carriage_return_stays_in_its_cell(records, value):
    # OWASP lists CR as a formula trigger; and RFC 4180 (2.6) says a field holding a
    # line break must be enclosed in double quotes, else a reader starts a new row
    # there and "=1+1" after the CR becomes a cell of its own, without the leading '.
    # The writer quotes cells holding "\n" (its line end), so CR and CRLF become "\n".
    record = copy.deepcopy(records[0])
    record["name"] = value
    rows = csv_rows(comparison_csv([record]))
    assert len(rows) == 1
    expected = ("'" + value if value.startswith("\r") else value).replace("\r\n", "\n").replace("\r", "\n")
    assert rows[0]["name"] == expected


@pytest.mark.parametrize(
    "value", ["Power of Siberia 2", "Сила Сибири 2", "1+1", "a=b", "x-1", "'quoted", "pos2-mongolia"], ids=repr
)
def test_csv__ordinary_text_untouched(records, value):
    record = copy.deepcopy(records[0])
    record["name"] = value
    (row,) = csv_rows(comparison_csv([record]))
    assert row["name"] == value


@pytest.mark.parametrize("number", [-1.25, -3, -0.001, 0.0, 1e-3, 5080.2])
def test_csv__numbers_untouched_even_negative(records, number):
    # A negative number is a number, not text: a spreadsheet reads -1.25 as -1.25.
    record = copy.deepcopy(records[0])
    record["planar_deviation_pct"] = number
    record["capacity_bcm"] = number
    (row,) = csv_rows(comparison_csv([record]))
    assert row["planar_deviation_pct"] == row["capacity_bcm"] == str(number)
    assert float(row["planar_deviation_pct"]) == number


def test_compare_command__csv_from_a_hostile_file(write, capsys):
    # End to end: ids and names from a GeoJSON file, through make_maps compare --format csv.
    hostile_id, hostile_name = '=HYPERLINK("http://x")', "@SUM(A1)"
    path = write("hostile.geojson", tracker_geojson(
        {hostile_id: [[104.28, 52.29], [106.11, 50.39]], "-1+2": [[104.28, 52.29], [103.7, 51.72], [106.5, 51.28]]},
        names={hostile_id: hostile_name, "-1+2": "+1"},
    ))  # fmt: skip
    assert make_maps.main(["compare", "--routes", str(path), "--format", "csv"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert [(r["id"], r["name"]) for r in rows] == [("'" + hostile_id, "'" + hostile_name), ("'-1+2", "'+1")]
    for row in rows:
        for column in NUMERIC_COLUMNS + tuple(c for c in row if c.startswith("km_")):
            assert row[column] == "" or float(row[column]) == float(row[column]), (column, row[column])  # a number
    # Irkutsk -> Naushki is shorter on the UTM-like plane than on the ellipsoid: a negative
    # deviation, which must stay a number (checked as a real case, not only a made-up record).
    assert float(rows[0]["planar_deviation_pct"]) < 0


@pytest.mark.parametrize(
    "where",
    ["length_km", "countries", "segments", "border_crossings", "max_elevation_lonlat"],
)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_format_json__strict_rejects_nan_anywhere(records, where, bad):
    # Oracle: RFC 8259 has no NaN or Infinity; Python's json writes them unless allow_nan=False.
    record = copy.deepcopy(records[0])
    if where == "countries":
        record["countries"]["MNG"] = bad
    elif where == "segments":
        record["segments"][0]["measured_km"] = bad
    elif where == "border_crossings":
        record["border_crossings"][0]["km"] = bad
    elif where == "max_elevation_lonlat":
        record["max_elevation_lonlat"] = [bad, 50.0]
    else:
        record[where] = bad
    with pytest.raises(ValueError, match="JSON compliant"):
        format_comparison([records[1], record], "json")


def test_compare_command__json_is_strict(write, capsys):
    # Loops (no chord: detour None), lines leaving the extract, across 180 degrees, and the catalog.
    path = write("edge.geojson", tracker_geojson({
        "loop": [[104.28, 52.29], [106.11, 50.39], [104.28, 52.29]],
        "north": [[100.0, 60.0], [100.0, 80.0]],
        "chukotka": [[178.0, 60.0], [-178.0, 62.0]],
    }))  # fmt: skip
    assert make_maps.main(["compare", "--routes", str(path), str(ROUTES_PATH), "--format", "json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out, parse_constant=refuse_constant)
    assert [r["id"] for r in doc] == ["loop", "north", "chukotka", *CATALOG_IDS]
    assert doc[0]["detour_ratio"] is None


def test_compare_command__published_country_never_entered(write, capsys):
    # Irkutsk -> Naushki lies in Russia only; a published km-in-Kazakhstan cannot be compared.
    segments = 'segments = [{ name = "Kazakh section", country = "KAZ", length_km = 100.0, source = "s" }]'
    path = write("kaz.toml", catalog_toml([(104.28, 52.29), (106.11, 50.39)], segments=segments))
    assert make_maps.main(["compare", "--routes", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert str(path) in lines[0]
    assert "record 'test-route'" in lines[0]
    assert "segments[0].country" in lines[0]
    assert "KAZ" in lines[0]


def test_compare_command__published_country_entered(write, capsys):
    # Positive control: Irkutsk -> Ulaanbaatar enters Mongolia, so country = "MNG" compares.
    segments = 'segments = [{ name = "Mongolian section", country = "MNG", length_km = 500.0, source = "s", primary = true }]'
    path = write("mng.toml", catalog_toml([(104.28, 52.29), (106.11, 50.39), (106.92, 47.92)], segments=segments))
    assert make_maps.main(["compare", "--routes", str(path), "--format", "json"]) == 0
    (record,) = json.loads(capsys.readouterr().out, parse_constant=refuse_constant)
    assert record["measured_segment_km"] == record["countries"]["MNG"] > 0


@pytest.fixture(scope="module")
def edge_records(tmp_path_factory, country_index):
    path = tmp_path_factory.mktemp("edge") / "edge.geojson"
    path.write_text(tracker_geojson({
        "north": [[100.0, 60.0], [100.0, 80.0]],  # due north along 100 E, out of the extract at 74 N
        "east": [[135.0, 45.0], [150.0, 45.0]],  # Primorye, Sea of Japan, Sakhalin/Hokkaido, out at 146 E
    }), encoding="utf-8")  # fmt: skip
    routes = read_routes([path])
    return comparison_records(routes, measure_routes(routes, country_index))


def test_records__km_outside_the_extract(edge_records):
    # Oracle: meridian arcs by Simpson's rule (conftest). 100 E from 60 N to the box edge
    # at 74 N is Krasnoyarsk krai land (Natural Earth); 74-80 N lies beyond the box.
    north = edge_records[0]["countries"]
    assert set(north) == {"RUS", OUTSIDE}
    assert NO_COUNTRY not in north  # km beyond the extract are not water
    assert north["RUS"] == pytest.approx(meridian_arc_m(60, 74) / 1000, abs=0.002)
    assert north[OUTSIDE] == pytest.approx(meridian_arc_m(74, 80) / 1000, abs=0.002)


def test_records__country_order_countries_then_none_then_outside(edge_records):
    # The rule: countries by km descending, then "none", then "outside".
    for record in edge_records:
        countries = record["countries"]
        named = sorted((k for k in countries if k not in (NO_COUNTRY, OUTSIDE)), key=lambda k: -countries[k])
        expected = named + [k for k in (NO_COUNTRY, OUTSIDE) if k in countries]
        assert list(countries) == expected
    east = edge_records[1]["countries"]
    # The case is only a test of the rule if sorting by km alone would give another order.
    assert {NO_COUNTRY, OUTSIDE} <= set(east) and len(east) >= 4
    assert east[NO_COUNTRY] > max(v for k, v in east.items() if k not in (NO_COUNTRY, OUTSIDE))
    assert east[OUTSIDE] > min(v for k, v in east.items() if k not in (NO_COUNTRY, OUTSIDE))


def test_csv__km_outside_column_after_km_none(edge_records, records):
    rows = csv_rows(comparison_csv(edge_records))
    header = list(rows[0])
    assert header[header.index("km_none") + 1] == "km_outside"
    assert float(rows[0]["km_outside"]) == edge_records[0]["countries"][OUTSIDE]
    # The countries come first, in name order.
    km = [c for c in header if c.startswith("km_")]
    assert km == sorted(km[:-2]) + ["km_none", "km_outside"]
    # Routes that stay inside the extract get no km_outside column at all.
    assert "km_outside" not in csv.DictReader(io.StringIO(comparison_csv(records))).fieldnames


def test_table__countries_in_record_order(edge_records):
    line = next(l for l in format_comparison(edge_records, "table").splitlines() if l.startswith("east"))
    positions = [line.index(f"{iso} ") for iso in edge_records[1]["countries"]]
    assert positions == sorted(positions)
