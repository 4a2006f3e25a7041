"""Direct unit tests of geo/readers/csv.py: waypoint CSV files read by load_csv_routes.

Each test writes its CSV to tmp_path and calls the reader, not the command
line. Expected values are written by hand from the rows the test writes:
whole messages as geo/errors.py joins them (``path: line N: field: problem``,
the header being line 1 as a spreadsheet shows it), coordinates, names and
counts worked out in the comments. No expected value is copied from the
program's output.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.readers.common import ROUTE_COLUMNS
from geo.readers.csv import CSV_COLUMNS, load_csv_routes
from tests.conftest import error_message, warning_texts

read = partial(warning_texts, load_csv_routes)
"""Read a waypoint CSV: the routes and the texts of its RouteDataWarnings."""
refused = partial(error_message, load_csv_routes)
"""The message a waypoint CSV is refused with."""

HEADER = "route_id,seq,name,lon,lat\n"


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "w.csv"
    path.write_text(header + "".join(f"{row}\n" for row in rows), encoding="utf-8", errors="surrogatepass")
    return path


def test_csv_columns():
    assert CSV_COLUMNS == ("route_id", "seq", "name", "lon", "lat")


def test_load_csv_routes__two_routes_any_row_order(tmp_path):
    """Oracle: rows sorted by seq within each route; routes in the order first seen; an empty name is
    '<route_id> <seq>'; the route's own name is its id; defaults of an imported line (kind, confidence)."""
    path = write_csv(
        tmp_path,
        "b,2,,106.11,50.39",
        "a,1,Irkutsk,104.28,52.29",
        "b,1,Start B,100.5,-10.25",
        "a,3,,117.2,39.13",
        "a,2,Ulan-Ude,107.6,51.83",
    )
    routes, messages = read(str(path))
    assert messages == []
    assert list(routes.columns) == [*ROUTE_COLUMNS, "geometry"]
    assert routes["id"].tolist() == ["b", "a"]
    assert routes["name"].tolist() == ["b", "a"]
    assert routes["kind"].tolist() == ["imported", "imported"]
    assert routes["confidence"].tolist() == ["low", "low"]
    assert routes["source_file"].tolist() == [str(path), str(path)]
    assert routes["sources"].tolist() == [[{"publisher": "w.csv", "year": None, "title": "w.csv"}]] * 2
    assert routes["waypoints"].tolist() == [
        [{"name": "Start B", "lon": 100.5, "lat": -10.25}, {"name": "b 2", "lon": 106.11, "lat": 50.39}],
        [{"name": "Irkutsk", "lon": 104.28, "lat": 52.29}, {"name": "Ulan-Ude", "lon": 107.6, "lat": 51.83},
         {"name": "a 3", "lon": 117.2, "lat": 39.13}],
    ]  # fmt: skip
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[0]), [[100.5, -10.25], [106.11, 50.39]])
    np.testing.assert_array_equal(
        shapely.get_coordinates(routes.geometry[1]), [[104.28, 52.29], [107.6, 51.83], [117.2, 39.13]]
    )
    assert routes["waypoint_vertex"].tolist() == [range(2), range(3)]
    assert routes.crs == "EPSG:4326"


def test_load_csv_routes__repeated_place_dropped_with_one_warning(tmp_path):
    """Oracle: seq 2 and 4 repeat the place before them: 2 positions dropped in route 'r', 1 in 's';
    the kept waypoints keep their own names."""
    path = write_csv(
        tmp_path,
        "r,1,A,1,1", "r,2,A again,1,1", "r,3,B,2,2", "r,4,B again,2,2", "r,5,C,3,3",
        "s,1,X,5,5", "s,2,Y,6,6", "s,3,Y again,6,6",
    )  # fmt: skip
    routes, messages = read(path)
    assert messages == [
        f"{path}: dropped 3 repeated consecutive position(s) in 2 route(s), first in 'r'; "
        "a line is measured through its distinct points"
    ]
    assert routes["waypoints"][0] == [
        {"name": "A", "lon": 1.0, "lat": 1.0}, {"name": "B", "lon": 2.0, "lat": 2.0},
        {"name": "C", "lon": 3.0, "lat": 3.0},
    ]  # fmt: skip
    assert routes["waypoints"][1] == [{"name": "X", "lon": 5.0, "lat": 5.0}, {"name": "Y", "lon": 6.0, "lat": 6.0}]
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[0]), [[1, 1], [2, 2], [3, 3]])


def test_load_csv_routes__extra_columns_any_order_and_padded_cells(tmp_path):
    """Oracle: columns are found by name; cells are stripped; a 9-digit seq 000000001 is 1."""
    path = write_csv(tmp_path, " r , 2 ,x, 50.5 ,  10 , n", "r,000000001,, -1.5,-2,n",
                     header="route_id,seq,name,lat,lon,note\n")  # fmt: skip
    routes, _ = read(path)
    assert routes["waypoints"][0] == [
        {"name": "r 1", "lon": -2.0, "lat": -1.5}, {"name": "x", "lon": 10.0, "lat": 50.5}
    ]  # fmt: skip


def test_load_csv_routes__edges_of_the_ranges(tmp_path):
    path = write_csv(tmp_path, "e,1,,-180,-90", "e,2,,180,90")
    routes, _ = read(path)
    np.testing.assert_array_equal(shapely.get_coordinates(routes.geometry[0]), [[-180, -90], [180, 90]])


CELL_PROBLEMS = [
    (",1,,1,1", 2, "route_id: missing route_id; every waypoint names its route"),
    ("   ,1,,1,1", 2, "route_id: missing route_id; every waypoint names its route"),
    ("a\x01b,1,,1,1", 2, "route_id: id 'a\\x01b' holds U+0001, a control character, line separator or lone surrogate; "
                         "remove it"),
    ("a\u2028b,1,,1,1", 2, "route_id: id 'a\\u2028b' holds U+2028, a control character, line separator or lone "
                           "surrogate; remove it"),
    ("r,1,x\x01,1,1", 2, "name: 'x\\x01' holds U+0001, a control character or lone surrogate; remove it"),
    ("r,0,,1,1", 2, "seq: seq '0' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,000,,1,1", 2, "seq: seq '000' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,-1,,1,1", 2, "seq: seq '-1' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,+1,,1,1", 2, "seq: seq '+1' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,1.0,,1,1", 2, "seq: seq '1.0' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,,,1,1", 2, "seq: seq '' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,1000000000,,1,1", 2, "seq: seq '1000000000' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,\u00b9,,1,1", 2, "seq: seq '\u00b9' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,\u0663,,1,1", 2, "seq: seq '\u0663' is not a whole number from 1 up (ASCII digits, at most 9)"),
    ("r,1,,1e2,1", 2, "lon: '1e2' is not a number; write plain decimals such as 104.28 "
                      "(no unit, exponent, '_' or separator)"),
    ("r,1,,1,5_0", 2, "lat: '5_0' is not a number; write plain decimals such as 104.28 "
                      "(no unit, exponent, '_' or separator)"),
    ("r,1,,1,", 2, "lat: '' is not a number; write plain decimals such as 104.28 "
                   "(no unit, exponent, '_' or separator)"),
    ("r,1,,180.01,0", 2, "lon: longitude 180.01 is outside -180..180"),
    ("r,1,,-200,0", 2, "lon: longitude -200.0 is outside -180..180"),
    ("r,1,,52.29,104.28", 2, "lat: latitude 104.28 is outside -90..90; lon and lat look swapped "
                             "(lon=104.28, lat=52.29 would be valid)"),
    ("r,1,,100,-95", 2, "lat: latitude -95.0 is outside -90..90"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "line", "problem"), CELL_PROBLEMS)
def test_load_csv_routes__bad_cell_names_line_and_column(tmp_path, row, line, problem):
    """Oracle: the header is line 1, so the only row is line 2; the message names no record (the row's id
    may be what is wrong), only the line and the column."""
    path = write_csv(tmp_path, row)
    assert refused(path) == f"{path}: line {line}: {problem}"


def test_load_csv_routes__bad_cell_after_good_rows(tmp_path):
    """Oracle: a blank line still counts: header 1, rows 2 and 3, blank 4, the bad row is line 5."""
    path = write_csv(tmp_path, "r,1,,1,1", "r,2,,2,2", "", "r,3,,x,3")
    assert refused(path) == (
        f"{path}: line 5: lon: 'x' is not a number; write plain decimals such as 104.28 "
        "(no unit, exponent, '_' or separator)"
    )


def test_load_csv_routes__seq_repeated(tmp_path):
    path = write_csv(tmp_path, "r,1,,1,1", "q,1,,5,5", "r,2,,2,2", "r,1,,3,3")
    assert refused(path) == (
        f"{path}: line 5: seq: seq 1 of route 'r' repeats line 2; number the waypoints 1, 2, 3, ..."
    )


def test_load_csv_routes__same_seq_in_two_routes_is_fine(tmp_path):
    routes, _ = read(write_csv(tmp_path, "r,1,,1,1", "q,1,,5,5", "r,2,,2,2", "q,2,,6,6"))
    assert routes["id"].tolist() == ["r", "q"]


@pytest.mark.parametrize(
    ("seqs", "gap", "found"),
    [
        ([1, 3], 2, "1, 3"),
        ([2, 3], 1, "2, 3"),
        ([3, 1, 2, 5], 4, "1, 2, 3, 5"),
        ([*range(1, 10), 11], 10, "1, 2, 3, 4, 5, 6, 7, 8, 9, 11"),  # ten found: all listed
        ([*range(1, 11), 12], 11, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ..."),  # eleven found: the first ten and '...'
    ],
)
def test_load_csv_routes__seq_gap(tmp_path, seqs, gap, found):
    """Oracle: the first missing number from 1 up; the seqs found listed sorted, at most ten."""
    rows = [f"r,{seq},,{seq},0" for seq in seqs]
    path = write_csv(tmp_path, "ok,1,,1,1", "ok,2,,2,2", *rows)
    assert refused(path) == (
        f"{path}: record 'r': seq: seq {gap} is missing (found {found}); number the waypoints without gaps"
    )


@pytest.mark.parametrize(
    ("rows", "counts"),
    [(["r,1,,1,1"], "1 point(s), 1 distinct"), (["r,1,,1,1", "r,2,,1,1", "r,3,,1,1"], "3 point(s), 1 distinct")],
)
def test_load_csv_routes__one_distinct_point(tmp_path, rows, counts):
    path = write_csv(tmp_path, *rows)
    assert refused(path) == f"{path}: record 'r': waypoints: {counts}; a route needs at least 2 distinct points"


@pytest.mark.parametrize("rows", [[], ["", " , , , , "]])
def test_load_csv_routes__no_waypoints(tmp_path, rows):
    path = write_csv(tmp_path, *rows)
    assert refused(path) == f"{path}: no waypoints under the header; add rows route_id,seq,name,lon,lat"


def test_load_csv_routes__header_problems(tmp_path):
    """Oracle: csv_rows' messages, the CSV columns named in the order route_id,seq,name,lon,lat."""
    path = write_csv(tmp_path, "r,1,1,1", header="route_id,seq,lon,lat\n")
    assert refused(path) == (
        f"{path}: line 1: name: missing column(s) name; the header must name route_id,seq,name,lon,lat"
    )
    path = write_csv(tmp_path, header="")
    assert refused(path) == (
        f"{path}: line 1: the file is empty; the first line must name the columns route_id,seq,name,lon,lat"
    )


def test_load_csv_routes__missing_file(tmp_path):
    path = tmp_path / "none.csv"
    assert refused(path) == f"{path}: file not found; check the path"
