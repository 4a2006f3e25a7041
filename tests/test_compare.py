"""Tests for geo.compare: records and their text formats."""

from __future__ import annotations

import copy
import csv
import io
import json
import math

import pandas as pd
import pytest

import make_maps
from geo.catalog import read_routes
from geo.compare import ELEVATION_KEYS, comparison_csv, comparison_records, format_comparison
from geo.countries import NO_COUNTRY, OUTSIDE
from geo.errors import RouteDataError
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


def test_records__waypoint_segment(records, catalog):
    """Oracle: the published segments between named waypoints are sums of geodesic legs,
    measured here with pyproj's Geod.inv (Karney's algorithm on WGS84), not with the
    program's densified line or its waypoint_m."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    route = catalog.set_index("id").loc["pos2-mongolia"]
    names = [w["name"] for w in route["waypoints"]]
    pos2 = next(r for r in records if r["id"] == "pos2-mongolia")
    waypoint_segments = [s for s in route["segments"] if "from" in s]
    assert len(waypoint_segments) == 2
    for published in waypoint_segments:
        i, j = names.index(published["from"]), names.index(published["to"])
        legs = route["waypoints"][i : j + 1]
        lons, lats = [w["lon"] for w in legs], [w["lat"] for w in legs]
        expected_km = sum(geod.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])[2]) / 1000
        segment = next(s for s in pos2["segments"] if s["name"] == published["name"])
        assert segment["extent"] == f"{published['from']} to {published['to']}"
        assert segment["measured_km"] == pytest.approx(expected_km, abs=0.002)
        assert segment["ratio"] == pytest.approx(published["length_km"] / segment["measured_km"], abs=1e-4)


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


def plain_id(value: str) -> str:
    """A test id of characters a pytest node id can carry (mutmut selects tests by node id): others as _hex_."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "+-=@.") else f"_{ord(c):x}_" for c in value)


@pytest.mark.parametrize("value", FORMULA_TEXT, ids=plain_id)
@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_csv__formula_text_gets_a_leading_quote(records, column, value):
    record = copy.deepcopy(records[0])
    record[column] = value
    (row,) = csv_rows(comparison_csv([record]))
    assert row[column] == "'" + value


@pytest.mark.parametrize("value", ["\rx", "\r=1+1", "a\r=1+1", "a\r\n=1+1"], ids=plain_id)
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
    "value", ["Power of Siberia 2", "Сила Сибири 2", "1+1", "a=b", "x-1", "'quoted", "pos2-mongolia"], ids=plain_id
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


# --- issue 14: hand-built records, every number worked out by hand ---
#
# comparison_records reads plain columns of its two tables, so the tests below build
# them by hand (no measuring): each expected value is derived in a comment from the
# inputs written here, never copied from the program's output.

HAND_SOURCES = [{"publisher": "P", "year": 2024, "title": "T", "url": "https://example.org/t"}]


def hand_tables(*, r1_segments=None, r1_country_m=None):
    """Two routes: r1 (A -> B -> C, through RUS, MNG, CHN, water and beyond the extract)
    and "loop" (no length, no chord, nothing published, unknown capacity)."""
    r1_segments = r1_segments if r1_segments is not None else [
        {"name": "first section", "from": "B", "to": "C", "length_km": 130, "source": "s-bc"},
        {"name": "Mongolian section", "country": "MNG", "length_km": 105.0, "source": "s-mng", "primary": True},
    ]  # fmt: skip
    routes = pd.DataFrame(
        [
            {"id": "r1", "name": "Route one", "kind": "option", "status": "planned", "capacity_bcm": 38,
             "diameter_mm": 1420.0, "confidence": "medium", "sources": HAND_SOURCES,
             "waypoints": [{"name": "A"}, {"name": "B"}, {"name": "C"}], "segments": r1_segments,
             "cost_km": 1234.5, "source_file": "hand.toml"},
            {"id": "loop", "name": "Loop", "kind": "existing", "status": "built", "capacity_bcm": math.nan,
             "diameter_mm": None, "confidence": "low", "sources": [],
             "waypoints": [{"name": "Depot"}, {"name": "Far"}, {"name": "Depot 2"}],
             "segments": [{"name": "Kazakh section", "country": "KAZ", "length_km": 5.0, "source": "s-kaz"}],
             "cost_km": math.nan, "source_file": "hand.toml"},
        ],
        index=["k1", "k2"],
    )  # fmt: skip
    measured = pd.DataFrame(
        [
            {"length_m": 200_000.0, "planar_length_m": 202_345.678, "chord_m": 160_000.4, "detour_ratio": 1.2345678,
             # listed out of order on purpose; sums to 200,000 m
             "country_m": r1_country_m if r1_country_m is not None else {
                 NO_COUNTRY: 25_000.0, OUTSIDE: 12_000.0, "CHN": 3_876.2933, "RUS": 60_000.25, "MNG": 99_123.4567},
             "crossings": [
                 {"from": "RUS", "to": "MNG", "lon": 106.1234567, "lat": 50.3456789, "m": 60_000.25},
                 {"from": "MNG", "to": "CHN", "lon": 111.9876543, "lat": 43.7123456, "m": 159_123.7067},
             ],
             "waypoint_m": [0.0, 71_234.0, 200_000.0]},
            {"length_m": 0.0, "planar_length_m": 0.0, "chord_m": 0.0, "detour_ratio": math.nan,
             "country_m": {"KAZ": 0.0, NO_COUNTRY: 0.0}, "crossings": [], "waypoint_m": [0.0, 0.0, 0.0]},
        ],
        index=["k1", "k2"],
    )  # fmt: skip
    return routes, measured


HAND_PROFILES = [
    {"max_m": 1500.5, "max_lonlat": (106.1234567, 50.7654321), "min_m": 300.25, "min_lonlat": (104.000004, 52.299996),
     "ascent_m": 1234.6, "descent_m": 987.4},
    {"max_m": 10.0, "max_lonlat": None, "min_m": 10.0, "min_lonlat": None, "ascent_m": 0.4, "descent_m": 0.6},
]  # fmt: skip

R1_EXPECTED = {
    "id": "r1", "name": "Route one", "kind": "option", "option": None, "status": "planned",
    "start": "A", "end": "C",  # first and last waypoint
    "length_km": 200.0,  # 200,000 m
    "planar_length_km": 202.346,  # 202,345.678 m to the metre
    # 100 * (planar / geodesic - 1) = 100 * (202,345.678 / 200,000 - 1) = 1.172839 -> 1.173
    # (inverted, 100 * (200,000 / 202,345.678 - 1), it would be -1.159)
    "planar_deviation_pct": 1.173,
    "chord_km": 160.0,  # 160,000.4 m to the metre
    "detour_ratio": 1.2346,  # 1.2345678 to 4 decimals
    # km to the metre: 99.1234567 -> 99.123, 60.00025 -> 60.0, 3.8762933 -> 3.876; "none" (25 km)
    # after every country though longer than CHN, "outside" last though shorter than "none"
    "countries": {"MNG": 99.123, "RUS": 60.0, "CHN": 3.876, NO_COUNTRY: 25.0, OUTSIDE: 12.0},
    "border_crossings": [  # lon/lat to 5 decimals, km to the metre
        {"from": "RUS", "to": "MNG", "lon": 106.12346, "lat": 50.34568, "km": 60.0},
        {"from": "MNG", "to": "CHN", "lon": 111.98765, "lat": 43.71235, "km": 159.124},
    ],
    "published_length_km": 105.0,  # the primary segment
    "published_segment": "Mongolian section",
    "measured_segment_km": 99.123,  # km in MNG
    "published_ratio": 1.0593,  # 105 / 99.123 = 1.05929 -> 1.0593
    "segments": [
        # B at 71.234 km, C at 200 km: 128.766 km; 130 / 128.766 = 1.009583 -> 1.0096
        {"name": "first section", "extent": "B to C", "published_km": 130.0, "measured_km": 128.766,
         "ratio": 1.0096, "source": "s-bc", "primary": False},
        {"name": "Mongolian section", "extent": "km in MNG", "published_km": 105.0, "measured_km": 99.123,
         "ratio": 1.0593, "source": "s-mng", "primary": True},
    ],
    "capacity_bcm": 38.0, "diameter_mm": 1420.0, "confidence": "medium", "sources": HAND_SOURCES,
    "cost_km": 1234.5,
    **dict.fromkeys(ELEVATION_KEYS),
    "basis": None, "basis_note": None, "as_built_km": None,  # no bases or estimates given
}  # fmt: skip
LOOP_EXPECTED = {
    "id": "loop", "name": "Loop", "kind": "existing", "option": None, "status": "built", "start": "Depot",
    "end": "Depot 2",
    "length_km": 0.0, "planar_length_km": 0.0,
    "planar_deviation_pct": None,  # no length: no deviation (not a division by zero)
    "chord_km": 0.0, "detour_ratio": None,  # NaN (no chord) becomes None
    "countries": {"KAZ": 0.0, NO_COUNTRY: 0.0}, "border_crossings": [],
    "published_length_km": None, "published_segment": None, "measured_segment_km": None, "published_ratio": None,
    # 0 km measured: no ratio (not a division by zero)
    "segments": [{"name": "Kazakh section", "extent": "km in KAZ", "published_km": 5.0, "measured_km": 0.0,
                  "ratio": None, "source": "s-kaz", "primary": False}],
    "capacity_bcm": None, "diameter_mm": None, "confidence": "low", "sources": [], "cost_km": None,
    **dict.fromkeys(ELEVATION_KEYS),
    "basis": None, "basis_note": None, "as_built_km": None,
}  # fmt: skip


@pytest.fixture
def hand_records():
    return comparison_records(*hand_tables())


def test_hand_records__every_field(hand_records):
    """Oracle: R1_EXPECTED and LOOP_EXPECTED, worked out by hand from hand_tables."""
    assert hand_records == [R1_EXPECTED, LOOP_EXPECTED]
    r1 = hand_records[0]
    # dict equality ignores order: the order is the rule countries by km, then none, then outside
    assert list(r1["countries"]) == ["MNG", "RUS", "CHN", NO_COUNTRY, OUTSIDE]
    assert list(r1) == list(R1_EXPECTED)  # the documented key order (also the JSON's)
    # floats, not the ints the tables may hold (capacity 38, segment length 130)
    assert type(r1["capacity_bcm"]) is float and type(r1["segments"][0]["published_km"]) is float
    assert r1["sources"] is not HAND_SOURCES and r1["sources"][0] is not HAND_SOURCES[0]  # copies


@pytest.mark.parametrize(
    ("country_m", "order"),
    [
        # by km: outside 2.0, none 1.0, MNG 0.8, RUS 0.5 -- the rule puts the countries first
        ({NO_COUNTRY: 1_000.0, "RUS": 500.0, OUTSIDE: 2_000.0, "MNG": 800.0}, ["MNG", "RUS", NO_COUNTRY, OUTSIDE]),
        ({OUTSIDE: 1.0, "MNG": 3.0, NO_COUNTRY: 2.0, "RUS": 4.0}, ["RUS", "MNG", NO_COUNTRY, OUTSIDE]),
    ],
)
def test_hand_records__country_order(country_m, order):
    """Oracle: the documented order -- countries by km (longest first), then "none", then
    "outside", whatever their km (here the order by km alone would differ)."""
    r1 = comparison_records(*hand_tables(r1_country_m=country_m))[0]
    assert list(r1["countries"]) == order
    assert r1["countries"] == {iso: m / 1000 for iso, m in country_m.items()}


def test_hand_records__planar_deviation_sign(hand_records):
    """Oracle: a plane that shortens the line gives a negative deviation, by hand
    100 * (197,500 / 200,000 - 1) = -1.25."""
    routes, measured = hand_tables()
    measured.loc["k1", "planar_length_m"] = 197_500.0
    (r1, _) = comparison_records(routes, measured)
    assert r1["planar_deviation_pct"] == -1.25
    assert r1["planar_length_km"] == 197.5


def test_hand_records__elevation_from_profiles():
    """Oracle: the profile values, lon/lat to 5 decimals and climb to the metre, by hand."""
    r1, loop = comparison_records(*hand_tables(), profiles=HAND_PROFILES)
    assert {k: r1[k] for k in ELEVATION_KEYS} == {
        "max_elevation_m": 1500.5, "max_elevation_lonlat": [106.12346, 50.76543],
        "min_elevation_m": 300.25, "min_elevation_lonlat": [104.0, 52.3],  # 104.000004, 52.299996
        "ascent_m": 1235, "descent_m": 987,
    }  # fmt: skip
    assert {k: loop[k] for k in ELEVATION_KEYS} == {
        "max_elevation_m": 10.0, "max_elevation_lonlat": None, "min_elevation_m": 10.0,
        "min_elevation_lonlat": None, "ascent_m": 0, "descent_m": 1,  # 0.4 -> 0, 0.6 -> 1
    }  # fmt: skip
    assert {k: v for k, v in r1.items() if k not in ELEVATION_KEYS} == {
        k: v for k, v in R1_EXPECTED.items() if k not in ELEVATION_KEYS}  # fmt: skip


def test_hand_records__segment_order_and_primary():
    """Oracle: without a primary segment nothing is "published"; a waypoint segment may
    be primary (A to C: 200 km, 230 / 200 = 1.15); primary is False unless given."""
    segments = [
        {"name": "whole line", "from": "A", "to": "C", "length_km": 230.0, "source": "s", "primary": True},
        {"name": "second", "from": "A", "to": "B", "length_km": 70.0, "source": "s2", "primary": False},
    ]
    r1 = comparison_records(*hand_tables(r1_segments=segments))[0]
    assert (r1["published_length_km"], r1["published_segment"], r1["measured_segment_km"], r1["published_ratio"]) == (
        230.0, "whole line", 200.0, 1.15)  # fmt: skip
    # A -> B is 71.234 km; 70 / 71.234 = 0.98268 -> 0.9827
    assert r1["segments"][1] == {"name": "second", "extent": "A to B", "published_km": 70.0, "measured_km": 71.234,
                                 "ratio": 0.9827, "source": "s2", "primary": False}  # fmt: skip
    no_primary = [{k: v for k, v in s.items() if k != "primary"} for s in segments]
    r1 = comparison_records(*hand_tables(r1_segments=no_primary))[0]
    assert [s["primary"] for s in r1["segments"]] == [False, False]
    assert r1["published_length_km"] is r1["published_segment"] is r1["published_ratio"] is None


@pytest.mark.parametrize(
    ("country_m", "entered"),
    [
        ({"RUS": 1.0, NO_COUNTRY: 2.0, "CHN": 3.0, OUTSIDE: 4.0}, "CHN, RUS"),  # countries only, by name
        ({NO_COUNTRY: 2.0, OUTSIDE: 4.0}, "no country"),
    ],
)
def test_hand_records__published_country_never_entered(country_m, entered):
    """Oracle: the message rule of geo.compare (names the countries the route does enter)."""
    with pytest.raises(RouteDataError) as info:
        comparison_records(*hand_tables(r1_country_m=country_m))
    error = info.value
    assert (error.path, error.record, error.field) == ("hand.toml", "r1", "segments[1].country")
    assert error.problem == f"the route never enters MNG (it runs through {entered}); check the code or the waypoints"


# Records for the text formats, written by hand (not made by comparison_records).
FORMAT_RECORDS = [
    {"id": "a", "length_km": 1234.56, "countries": {"RUS": 1000.04, "MNG": 234.52},
     "border_crossings": [{"from": "RUS", "to": "MNG", "km": 1000.04}, {"from": "MNG", "to": "CHN", "km": 1200.0}],
     "published_length_km": 962.9, "measured_segment_km": 900.26, "published_ratio": 1.0696, "capacity_bcm": 50.0},
    {"id": "loop-b", "length_km": 12.0, "countries": {NO_COUNTRY: 12.0}, "border_crossings": [],
     "published_length_km": None, "measured_segment_km": None, "published_ratio": None, "capacity_bcm": 7.5},
]  # fmt: skip

# By hand from the rules of format_comparison: km with one decimal and thousands
# separators, the ratio with two decimals, bcm with :g, "-" for nothing; columns as wide
# as their widest cell (6, 7, 22, 15, 12, 11, 5, 6), two spaces apart, numbers (km,
# published, measured, ratio, bcm) right-aligned, text left-aligned.
TABLE_TEXT = (
    "id           km  km by country           crossings        published km  measured km  ratio  bcm/yr\n"
    "a       1,234.6  RUS 1,000.0, MNG 234.5  RUS>MNG MNG>CHN         962.9        900.3   1.07      50\n"
    "loop-b     12.0  none 12.0               -                           -            -      -     7.5\n"
)
MARKDOWN_TEXT = (
    "| id | km | km by country | crossings | published km | measured km | ratio | bcm/yr |\n"
    "|---|---|---|---|---|---|---|---|\n"
    "| a | 1,234.6 | RUS 1,000.0, MNG 234.5 | RUS>MNG MNG>CHN | 962.9 | 900.3 | 1.07 | 50 |\n"
    "| loop-b | 12.0 | none 12.0 | - | - | - | - | 7.5 |\n"
)


def test_format_table__exact_text():
    """Oracle: TABLE_TEXT, laid out by hand."""
    assert format_comparison(FORMAT_RECORDS, "table") == TABLE_TEXT
    assert format_comparison(FORMAT_RECORDS) == TABLE_TEXT  # the default format


def test_format_table__capacity_in_general_format():
    """Oracle: Python's general format (:g), lower-case exponent, for a capacity too small
    for six significant digits without one (2.5e-05 bcm/yr), as the km columns' style."""
    record = dict(FORMAT_RECORDS[1], capacity_bcm=0.000025)
    assert format_comparison([record], "table").splitlines()[1].endswith("  2.5e-05")
    assert format_comparison([record], "markdown").splitlines()[2].endswith("| 2.5e-05 |")


def test_format_markdown__exact_text_and_pipes_escaped():
    """Oracle: MARKDOWN_TEXT by hand; a | inside a cell is written \\| (GitHub tables)."""
    assert format_comparison(FORMAT_RECORDS, "markdown") == MARKDOWN_TEXT
    record = dict(FORMAT_RECORDS[1], id="x|y")
    row = format_comparison([record], "markdown").splitlines()[2]
    assert row == "| x\\|y | 12.0 | none 12.0 | - | - | - | - | 7.5 |"


def test_format_json__layout_strict_and_unescaped(hand_records):
    """Oracle: the records themselves; two-space indent, UTF-8 text kept, NaN refused."""
    records = [dict(hand_records[0], name="Сила Сибири 2")]
    text = format_comparison(records, "json")
    assert json.loads(text) == records
    assert text.startswith('[\n  {\n    "id": "r1",\n    "name": "Сила Сибири 2",\n')
    assert text.endswith("}\n]\n")


def test_format__unknown_format_message():
    with pytest.raises(ValueError) as info:
        format_comparison(FORMAT_RECORDS, "xml")  # type: ignore[arg-type]
    assert str(info.value) == "unknown format 'xml'; use one of table, csv, json, markdown"


HAND_CSV_HEADER = [
    "id", "name", "kind", "start", "end", "length_km", "as_built_km", "as_built_low_km", "as_built_high_km",
    "basis_as_built_km", "basis_as_built_low_km", "basis_as_built_high_km", "basis_from", "basis_to", "basis_from_name",
    "basis_to_name", "basis_km", "basis_new_build_km", "basis_existing_km", "basis_transit_km", "basis_border_crossings", "basis_note", "planar_length_km",
    "planar_deviation_pct", "chord_km", "detour_ratio", "km_CHN", "km_KAZ", "km_MNG", "km_RUS", "km_none", "km_outside", "border_crossings",
    "published_segment", "published_length_km", "measured_segment_km", "published_ratio", "published_in_band",
    "capacity_bcm",
    "diameter_mm", "confidence", "max_elevation_m", "min_elevation_m", "ascent_m", "descent_m",
]  # fmt: skip
"""comparison_csv's docstring: the fixed columns, then km per country (by name, then none, outside)."""


HAND_BASES = [
    {"from": "a", "to": "b", "from_name": "-A field", "to_name": "B hub", "km": 250.5, "new_build_km": 200.25, "existing_km": 50.25, "countries": {"RUS": 250.5},
     "transit_km": 99.123, "border_crossings": 2, "legs": []},
    "-no path: a + b",  # a note that starts like a formula
]  # fmt: skip


def test_hand_records__a_basis_or_a_note_and_the_same_keys():
    """Oracle: HAND_BASES written above; a record carries its basis or the note why it has none, never both,
    with the keys of R1_EXPECTED in their documented order."""
    records = comparison_records(*hand_tables(), profiles=HAND_PROFILES, bases=HAND_BASES)
    assert [list(r) for r in records] == [list(R1_EXPECTED), list(R1_EXPECTED)]
    assert (records[0]["basis"], records[0]["basis_note"]) == (HAND_BASES[0], None)
    assert (records[1]["basis"], records[1]["basis_note"]) == (None, HAND_BASES[1])


HAND_ESTIMATES = [
    {"as_built_km": {"estimate": 215.0, "low": 205.0, "high": 230.0, "coverage": 0.9},
     "segments": [{"estimate": 135.0, "low": 130.0, "high": 140.0, "coverage": 0.9},  # published 130: the low edge
                  {"estimate": 100.0, "low": 90.0, "high": 105.0, "coverage": 0.9}],  # published 105: the high edge
     "basis": {"estimate": 260.0, "low": 255.0, "high": 270.0, "coverage": 0.9}},
    {"as_built_km": {"estimate": 0.0, "low": 0.0, "high": 0.0, "coverage": 0.9},
     "segments": [{"estimate": 6.5, "low": 6.0, "high": 7.0, "coverage": 0.9}],  # published 5: below the band
     "basis": {"estimate": 1.0, "low": 1.0, "high": 1.0, "coverage": 0.9}},
]  # fmt: skip


def test_hand_records__as_built_bands_go_to_the_route_its_segments_and_its_basis():
    """Oracle: HAND_ESTIMATES written above. A band's ends count as inside (130 in [130, 140], 105 in [90, 105]);
    the loop has no basis (a note), so its basis band goes nowhere; a suggestion's option is carried."""
    routes, measured = hand_tables()
    routes["option"] = pd.Series(["pos2", None], index=routes.index, dtype=object)  # as the readers build it
    r1, loop = comparison_records(routes, measured, bases=HAND_BASES, estimates=HAND_ESTIMATES)
    assert r1["as_built_km"] == HAND_ESTIMATES[0]["as_built_km"] and loop["as_built_km"] == HAND_ESTIMATES[1]["as_built_km"]
    assert [(s["as_built_km"], s["published_in_band"]) for s in r1["segments"]] == [
        (HAND_ESTIMATES[0]["segments"][0], True), (HAND_ESTIMATES[0]["segments"][1], True)]
    assert [(s["as_built_km"], s["published_in_band"]) for s in loop["segments"]] == [
        (HAND_ESTIMATES[1]["segments"][0], False)]
    assert r1["basis"] == {**HAND_BASES[0], "as_built_km": HAND_ESTIMATES[0]["basis"]}
    assert (loop["basis"], loop["basis_note"]) == (None, HAND_BASES[1])
    assert (r1["option"], loop["option"]) == ("pos2", None)
    assert "as_built_km" not in HAND_BASES[0]  # the caller's basis is not changed


def test_hand_records__a_band_missing_for_a_segment_is_an_error():
    """Property: estimates come one band per published segment; a list that does not match is a bug, not a guess."""
    estimates = [{**HAND_ESTIMATES[0], "segments": HAND_ESTIMATES[0]["segments"][:1]}, HAND_ESTIMATES[1]]
    with pytest.raises(ValueError, match="zip"):
        comparison_records(*hand_tables(), estimates=estimates)


def test_format_table__basis_named_by_its_nodes_not_their_ids():
    records = comparison_records(*hand_tables(), profiles=HAND_PROFILES, bases=HAND_BASES)
    for fmt in ("table", "markdown"):
        text = format_comparison(records, fmt, basis_name="Field to hub")
        assert text.startswith("basis: Field to hub, from -A field to B hub; basis km = "), fmt
        assert "(a -> b)" not in text
    # a --basis is named "FROM name to TO name": the names are not said twice
    assert format_comparison(records, basis_name="-A field to B hub").startswith("basis: -A field to B hub; basis km")
    # a record written before the basis had names: its node ids
    old = [{**records[0], "basis": {k: v for k, v in records[0]["basis"].items() if not k.endswith("_name")}}]
    assert format_comparison(old, basis_name="Field to hub").startswith("basis: Field to hub, from a to b;")


def test_csv__every_cell_of_hand_records():
    """Oracle: the hand-derived values of R1_EXPECTED and LOOP_EXPECTED as text; None is an
    empty cell, a country a route does not enter 0.0, crossings FROM>TO@km joined by ';'."""
    records = comparison_records(*hand_tables(), profiles=HAND_PROFILES, bases=HAND_BASES)
    text = comparison_csv(records)
    assert "\r" not in text and text.count("\n") == 3
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == HAND_CSV_HEADER
    r1, loop = list(reader)
    assert r1 == dict(zip(HAND_CSV_HEADER, [
        "r1", "Route one", "option", "A", "C", "200.0", "", "", "", "", "", "", "a", "b", "'-A field", "B hub", "250.5", "200.25", "50.25", "99.123", "2", "",
        "202.346", "1.173", "160.0", "1.2346",
        "3.876", "0.0", "99.123", "60.0", "25.0", "12.0", "RUS>MNG@60.0;MNG>CHN@159.124",
        "Mongolian section", "105.0", "99.123", "1.0593", "", "38.0", "1420.0", "medium", "1500.5", "300.25", "1235", "987",
    ], strict=True))  # fmt: skip
    assert loop == dict(zip(HAND_CSV_HEADER, [
        "loop", "Loop", "existing", "Depot", "Depot 2", "0.0", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
        "'-no path: a + b",
        "0.0", "", "0.0", "",
        "0.0", "0.0", "0.0", "0.0", "0.0", "0.0", "", "", "", "", "", "", "", "", "low", "10.0", "10.0", "0", "1",
    ], strict=True))  # fmt: skip


def test_csv__as_built_bands_and_published_in_band_by_hand():
    """Oracle: bands and flags written here. Each as-built CSV cell is its band's value as text; a route
    without a band or a basis has blank cells; published_in_band is the primary segment's, not another's."""
    records = comparison_records(*hand_tables(), profiles=HAND_PROFILES, bases=HAND_BASES)
    r1, loop = copy.deepcopy(records)
    r1["as_built_km"] = {"estimate": 210.5, "low": 190.25, "high": 240.75}
    r1["basis"]["as_built_km"] = {"estimate": 260.5, "low": 250.25, "high": 300.75}
    r1["segments"] = [{**s, "published_in_band": "yes" if s["primary"] else "no"} for s in r1["segments"]]
    loop["segments"] = [{**s, "published_in_band": "no"} for s in loop["segments"]]  # no primary segment
    rows = csv_rows(comparison_csv([r1, loop]))
    columns = ["as_built_km", "as_built_low_km", "as_built_high_km", "basis_as_built_km", "basis_as_built_low_km",
               "basis_as_built_high_km", "published_in_band"]  # fmt: skip
    assert [[row[c] for c in columns] for row in rows] == [
        ["210.5", "190.25", "240.75", "260.5", "250.25", "300.75", "yes"],
        ["", "", "", "", "", "", ""],
    ]


ESTIMATE_CELLS = {
    "as_built_km": ("as_built_km", "estimate"), "as_built_low_km": ("as_built_km", "low"),
    "as_built_high_km": ("as_built_km", "high"), "basis_as_built_km": ("basis", "estimate"),
    "basis_as_built_low_km": ("basis", "low"), "basis_as_built_high_km": ("basis", "high"),
}  # fmt: skip


def expected_cell(record, column):
    """The CSV text of a basis or as-built column, read from the JSON record by hand."""
    basis = record["basis"] or {}
    if column in ESTIMATE_CELLS:
        where, key = ESTIMATE_CELLS[column]
        band = (basis.get("as_built_km") if where == "basis" else record.get("as_built_km")) or {}
        value = band.get(key)
    elif column == "published_in_band":
        value = next((s.get("published_in_band") for s in record["segments"] if s["primary"]), None)
    elif column == "basis_note":
        value = record["basis_note"]
    else:
        value = basis.get(column[6:])
    return "" if value is None else str(value)


def test_csv__every_cell_against_the_catalog_records(records):
    """Oracle: each record itself -- every column of the CSV holds the record's value as
    text (None empty), km_<ISO> its countries (0.0 when not entered), crossings FROM>TO@km."""
    rows = csv_rows(comparison_csv(records))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        for column, cell in row.items():
            if column.startswith("km_"):
                assert float(cell) == record["countries"].get(column[3:], 0.0), column
            elif column == "border_crossings":
                expected = ";".join(f"{c['from']}>{c['to']}@{c['km']}" for c in record["border_crossings"])
                assert cell == expected
            elif column in ESTIMATE_CELLS or column == "published_in_band" or column.startswith("basis_"):
                assert cell == expected_cell(record, column), column
            else:
                value = record[column]
                assert cell == ("" if value is None else str(value)), column


BASIS_RECORDS = [
    dict(FORMAT_RECORDS[0], as_built_km={"estimate": 1401.2, "low": 1300.4, "high": 1550.6},
         basis={"from": "s", "to": "m", "from_name": "Supply field", "to_name": "Market city", "km": 2345.67,
                "new_build_km": 1234.56, "as_built_km": {"estimate": 2600.0, "low": 2500.5, "high": 2800.49}},
         segments=[{"primary": True, "published_in_band": True}]),
    dict(FORMAT_RECORDS[1], as_built_km=None, basis=None, basis_note="no path on this basis: no leg joins it",
         segments=[{"primary": True}]),
    dict(FORMAT_RECORDS[1], id="c", as_built_km={"estimate": 13.0, "low": 12.0, "high": 14.0}, basis=None,
         segments=[{"primary": False, "published_in_band": True}, {"primary": True, "published_in_band": False}]),
]  # fmt: skip


def test_format_markdown__basis_bands_and_in_band_by_hand():
    """Oracle: the markdown written out by hand from format_comparison's rules: the basis named with its nodes
    above the table, basis km and new-build km with one decimal, bands 'estimate (low-high)' rounded to km,
    '-' where a route has no band, no basis or no in-band verdict, the primary segment's verdict as yes/no,
    and below the table why a route has no path (only routes with a note)."""
    assert format_comparison(BASIS_RECORDS, "markdown", basis_name="West to East") == (
        "basis: West to East, from Supply field to Market city; basis km = the route's path from supply to market"
        " (its own line and the legs that join it), new-build km = the part not built today  \n"
        "\n"
        "| id | km | as built km (90 %) | basis km | new-build km | basis as built km (90 %) | km by country | crossings"
        " | published km | measured km | ratio | published in band | bcm/yr |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        "| a | 1,234.6 | 1,401 (1,300-1,551) | 2,345.7 | 1,234.6 | 2,600 (2,500-2,800) | RUS 1,000.0, MNG 234.5"
        " | RUS>MNG MNG>CHN | 962.9 | 900.3 | 1.07 | yes | 50 |\n"
        "| loop-b | 12.0 | - | - | - | - | none 12.0 | - | - | - | - | - | 7.5 |\n"
        "| c | 12.0 | 13 (12-14) | - | - | - | none 12.0 | - | - | - | - | no | 7.5 |\n"
        "\n"
        "* loop-b: no path on this basis: no leg joins it\n"
    )


def test_format_table__basis_named_once_by_its_name_when_that_is_the_node_names():
    """A basis named 'FROM to TO' (a --basis given on the command line) is not followed by the same names again;
    with no name given, the table says 'the supply-to-market basis'."""
    named = format_comparison(BASIS_RECORDS, "table", basis_name="Supply field to Market city").splitlines()[0]
    assert named.startswith("basis: Supply field to Market city; basis km = ")
    unnamed = format_comparison(BASIS_RECORDS, "table").splitlines()[0]
    assert unnamed.startswith("basis: the supply-to-market basis, from Supply field to Market city; basis km = ")


def test_format_table__no_route_with_a_path_still_names_the_basis_and_says_why():
    """Every route without a path (the basis's supply is elsewhere): the line above names the basis without node
    names (no route has them), and each route's reason is listed below."""
    text = format_comparison([BASIS_RECORDS[1]], "table", basis_name="West to East").splitlines()
    assert text[0].startswith("basis: West to East; basis km = ")
    assert text[-1] == "loop-b: no path on this basis: no leg joins it"
