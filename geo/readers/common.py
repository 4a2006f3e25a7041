"""What every route reader shares: the table it returns and the checks of each field.

Every reader hands its records to the same functions here, so a rule holds
in every format: an id is a string or a whole number of at most
:data:`ID_MAX_CHARS` characters with no control character; text is text
(not a date, a number or a list); numbers are finite; coordinates are
degrees in range; a line has two distinct points. Repeated consecutive
positions of an imported line (valid GeoJSON, common in tracker files) and
heights are dropped with one :class:`RouteDataWarning` per file that counts
them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import RouteDataError, RouteDataWarning, one_line, quote

KINDS = ("option", "reference", "suggested", "imported")
"""``option``: a Power of Siberia 2 routing or alternative; ``reference``: an
existing or competing line; ``suggested``: a least-cost suggestion
(``tools/build_suggestions.py``); ``imported``: a line from a user file that
says nothing about its kind."""
CONFIDENCES = ("high", "medium", "low")
ROUTE_COLUMNS = [
    "id",
    "name",
    "kind",
    "option",
    "status",
    "capacity_bcm",
    "diameter_mm",
    "confidence",
    "sources",
    "waypoints",
    "segments",
    "yearly_flow",
    "cost_km",
    "source_file",
    "trace",
    "waypoint_vertex",
    "geometry_source",
]
"""The columns of every route table. ``option`` is the id of the route a line
offers an alternative for (a least-cost suggestion names its catalog option;
the maps draw it in that route's colour), None for most routes; an id that
names no route read is dropped by :func:`geo.readers.read_routes` with a
warning. The last three say how the line was made:
``trace`` is the list of traced-pipeline ids the catalog gives (None when the
route has none), ``geometry_source`` is ``"waypoints"`` (the line runs
through the given points or vertices) or ``"trace"`` (drawn from traced
pipelines by :func:`geo.catalog.apply_traces`), and ``waypoint_vertex`` is
the index of each waypoint's vertex in the geometry (vertices counted across
the parts of a MultiLineString); for a line drawn through its waypoints it
is 0, 1, 2, ... (a list in the catalog; a ``range`` over every vertex for an
imported line, whose waypoints are only its two ends, but whose
:func:`geo.measure.measure_routes` distances are kept for each vertex)."""
ID_MAX_CHARS = 200
"""Ids are kept verbatim (only surrounding spaces are stripped) up to this length."""
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
"""A number in a CSV cell: ASCII digits and one point, no exponent, underscore or thousands separator."""

Coords = Sequence[Sequence[float]] | np.ndarray
"""``(lon, lat)`` pairs."""
_TEXT_CONTROLS = {"\t", "\n", "\r"}
_ID_BAD_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


class OversizedNumber:
    """A JSON integer too long to be a coordinate, a length or an id, kept as its text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"{self.text[:12]}...({len(self.text)} digits)"


# --------------------------------------------------------------------------
# the returned table


def route_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Return route rows as a GeoDataFrame with the columns of :data:`ROUTE_COLUMNS`, EPSG:4326."""
    return object_frame(rows, ROUTE_COLUMNS)


def object_frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Rows as a GeoDataFrame (EPSG:4326) whose data columns hold the values as given.

    Every column is of object dtype, so a missing value stays None: pandas
    would otherwise infer a string or float column and turn None into NaN,
    which is not JSON and reads as text "nan".
    """
    data = {column: gpd.pd.Series([row.get(column) for row in rows], dtype=object) for column in columns}
    return gpd.GeoDataFrame(data, geometry=[row["geometry"] for row in rows], crs="EPSG:4326")


def imported_route(
    *,
    path: Path,
    route_id: str,
    values: Mapping[str, Any],
    parts: Sequence[np.ndarray],
    fields: Sequence[str],
    notes: FileNotes,
    prefix: str = "",
    name_keys: Sequence[str] = ("name",),
) -> dict[str, Any]:
    """Check one imported line (GeoJSON feature, GIS feature, CSV route) and return its row.

    Parameters
    ----------
    path
        The file.
    route_id
        The id, already checked by :func:`check_id`.
    values
        The record's attributes: ``name``, ``kind``, ``option``, ``status``,
        ``confidence``, ``capacity_bcm``, ``diameter_mm``, ``cost_km``,
        ``source``, ``start_name`` and ``end_name`` (the places at the
        line's two ends) are used when present (None or absent: unknown).
    parts
        ``(n, 2)`` float arrays of lon/lat, one per line part.
    fields
        The field name of each part, for messages.
    notes
        Counts of what was dropped in this file.
    prefix
        Put before attribute names in messages (``"properties."`` in GeoJSON).
    name_keys
        Attributes that may hold the display name, first found wins.

    Returns
    -------
    row
        A row for :func:`route_frame`; repeated consecutive positions dropped.
    """
    where = {"path": path, "record": route_id}
    lines = []
    dropped = 0
    for part, field in zip(parts, fields, strict=True):
        check_positions(part, field=field, **where)
        check_distinct(part, field=field, **where)
        keep = not_repeated(part)
        repeats = len(part) - int(keep.sum())
        dropped += repeats
        lines.append(part[keep] if repeats else part)
    notes.repeats(route_id, dropped)
    name_field = next((k for k in name_keys if given(values.get(k)) is not None), name_keys[0])
    kind, confidence = given(values.get("kind")), given(values.get("confidence"))
    source = check_text(values.get("source"), field=f"{prefix}source", **where)
    geometry = shapely.LineString(lines[0]) if len(lines) == 1 else shapely.MultiLineString(lines)
    return {
        "id": route_id,
        "name": check_text(values.get(name_field), field=f"{prefix}{name_field}", **where) or route_id,
        "kind": "imported" if kind is None else check_choice(kind, KINDS, field=f"{prefix}kind", **where),
        "option": check_text(values.get("option"), field=f"{prefix}option", **where),
        "status": check_text(values.get("status"), field=f"{prefix}status", **where),
        "capacity_bcm": optional_positive(values.get("capacity_bcm"), field=f"{prefix}capacity_bcm", **where),
        "diameter_mm": optional_positive(values.get("diameter_mm"), field=f"{prefix}diameter_mm", **where),
        "confidence": "low"
        if confidence is None
        else check_choice(confidence, CONFIDENCES, field=f"{prefix}confidence", **where),
        "sources": [{"publisher": source or path.name, "year": None, "title": path.name}],
        "waypoints": end_waypoints(
            lines[0][0], lines[-1][-1], sum(len(line) for line in lines),
            names=(check_text(values.get("start_name"), field=f"{prefix}start_name", **where),
                   check_text(values.get("end_name"), field=f"{prefix}end_name", **where)),
        ),  # fmt: skip
        "segments": [],
        "yearly_flow": None,
        "cost_km": optional_positive(values.get("cost_km"), field=f"{prefix}cost_km", **where),
        "source_file": str(path),
        "trace": None,
        "waypoint_vertex": range(sum(len(line) for line in lines)),  # a range: no memory per vertex
        "geometry_source": "waypoints",
        "geometry": geometry,
    }


def end_waypoints(
    start: Sequence[float], end: Sequence[float], n_vertices: int, *, names: tuple[str | None, str | None] = (None, None)
) -> list[dict[str, Any]]:
    """Waypoints of an imported line: its two ends (other vertices are not named).

    Parameters
    ----------
    start, end
        Lon/lat of the first and the last vertex, degrees.
    n_vertices
        How many vertices the line has.
    names
        The places at the two ends (a file's ``start_name`` and ``end_name``),
        None where the file does not name them: that end is called ``start``
        or ``end (vertex N)`` (:func:`is_unnamed_end`).

    Returns
    -------
    waypoints
        Two dicts with ``name``, ``lon`` and ``lat``.
    """
    return [
        {"name": names[0] or "start", "lon": float(start[0]), "lat": float(start[1])},
        {"name": names[1] or f"end (vertex {n_vertices - 1})", "lon": float(end[0]), "lat": float(end[1])},
    ]


_UNNAMED_END = re.compile(r"start|end( \(vertex \d+\))?")


def is_unnamed_end(name: str) -> bool:
    """Whether a waypoint name is the stand-in :func:`end_waypoints` gives an end a file does not name.

    Examples
    --------
    >>> is_unnamed_end("end (vertex 140)"), is_unnamed_end("Beijing")
    (True, False)
    """
    return _UNNAMED_END.fullmatch(name) is not None


class FileNotes:
    """What a reader dropped from one file, told in one warning line per kind at the end.

    Parameters
    ----------
    path
        The file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._repeats: dict[str, int] = {}
        self._heights: list[str] = []

    def repeats(self, route_id: str, count: int) -> None:
        """Note ``count`` repeated consecutive positions dropped from a route."""
        if count:
            self._repeats[route_id] = count

    def heights(self, route_id: str) -> None:
        """Note that a route's third coordinates (heights) were dropped."""
        self._heights.append(route_id)

    def warn(self) -> None:
        """Issue the warnings (call once the whole file has been read)."""
        if self._repeats:
            total, first = sum(self._repeats.values()), next(iter(self._repeats))
            _warn(
                f"{self.path}: dropped {total:,} repeated consecutive position(s) in {len(self._repeats):,} route(s), "
                f"first in {quote(first)}; a line is measured through its distinct points"
            )
        if self._heights:
            _warn(
                f"{self.path}: heights dropped in {len(self._heights):,} route(s), first in {quote(self._heights[0])}; "
                "routes are measured on the ellipsoid"
            )


def warn_record(path: Path, record: object, problem: str) -> None:
    """Issue a one-line :class:`RouteDataWarning` about one record of a file."""
    _warn(f"{path}: record {quote(record)}: {problem}")


def _warn(message: str) -> None:
    warnings.warn(one_line(message), RouteDataWarning, stacklevel=3)


# --------------------------------------------------------------------------
# field checks


def check_id(value: object, *, path: Path, record: object, field: str = "id") -> str:
    """Return a record's id as text, or raise :class:`RouteDataError`.

    Parameters
    ----------
    value
        A string or a whole number (GeoJSON allows both).
    path, record, field
        Where it came from, for the message (``record`` is the feature
        number or CSV line while the id is unknown).

    Returns
    -------
    route_id
        The id, verbatim but for surrounding spaces.
    """
    where = {"path": path, "record": record, "field": field}
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        msg = f"id {quote(value)} is {_type_name(value)}; give a string or a whole number"
        raise RouteDataError(msg, **where)
    text = str(value).strip()
    if not text:
        msg = f"id {quote(value)} is empty or only spaces; give each route a visible id"
        raise RouteDataError(msg, **where)
    if len(text) > ID_MAX_CHARS:
        msg = f"id {quote(text)} has {len(text):,} characters; shorten it to at most {ID_MAX_CHARS}"
        raise RouteDataError(msg, **where)
    bad = next((char for char in text if unicodedata.category(char) in _ID_BAD_CATEGORIES), None)
    if bad is not None:
        what = "a control character, line separator or lone surrogate"
        msg = f"id {quote(text)} holds U+{ord(bad):04X}, {what}; remove it"
        raise RouteDataError(msg, **where)
    return text


def check_text(value: object, *, path: Path, record: object, field: str, required: bool = False) -> str | None:
    """Return a text field, None when absent, or raise :class:`RouteDataError`.

    Text must be a string (a TOML date, a number, a list or a boolean is
    refused, not converted) free of control characters other than tab and
    line breaks and of lone surrogates. Blank text counts as absent.

    Parameters
    ----------
    value
        The value read, or None when the field is absent.
    path, record, field
        Where it came from, for the message.
    required
        Raise when the field is absent or blank.
    """
    where = {"path": path, "record": record, "field": field}
    if given(value) is None:
        if required:
            msg = f"missing required field {field.rsplit('.', 1)[-1]!r}; add it"
            raise RouteDataError(msg, **where)
        return None
    if not isinstance(value, str):
        msg = f"{quote(value)} is {_type_name(value)} where text belongs; write it as a quoted string"
        raise RouteDataError(msg, **where)
    if not value.isprintable():
        bad = next(
            (c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c not in _TEXT_CONTROLS), None
        )
        if bad is not None:
            msg = f"{quote(value)} holds U+{ord(bad):04X}, a control character or lone surrogate; remove it"
            raise RouteDataError(msg, **where)
    return value


def absent(value: object) -> bool:
    """Whether an id field is absent: None or ``""`` (an id of spaces is present, and refused)."""
    return value is None or (isinstance(value, str) and not value)


def given(value: object) -> object:
    """Return ``value``, or None when it is absent: None, or text that is empty or only spaces."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def check_choice(value: object, allowed: Sequence[str], *, path: Path, record: object, field: str) -> str:
    """Return ``value`` if it is one of ``allowed`` (exactly, as text), else raise."""
    if not isinstance(value, str) or value not in allowed:
        msg = f"unknown {field.rsplit('.', 1)[-1]} {quote(value)}; use one of {', '.join(allowed)}"
        raise RouteDataError(msg, path=path, record=record, field=field)
    return value


def check_bool(value: object, *, path: Path, record: object, field: str) -> bool:
    """Return a real boolean, or raise: ``"false"`` is text, and text is not false."""
    if not isinstance(value, bool):
        msg = f"{quote(value)} is {_type_name(value)}, not a boolean; write true or false without quotes"
        raise RouteDataError(msg, path=path, record=record, field=field)
    return value


def check_number(value: object, *, path: Path | str | None, record: object, field: str) -> float:
    """Return a finite number as float, or raise :class:`RouteDataError`."""
    where = {"path": path, "record": record, "field": field}
    if isinstance(value, OversizedNumber):
        msg = f"number {value!r} is far too long; give decimal degrees or a length such as 104.28"
        raise RouteDataError(msg, **where)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"{quote(value)} is not a number; write it without quotes, e.g. 104.28"
        raise RouteDataError(msg, **where)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        msg = f"{quote(value)} is not a finite number (or too large to be one); give a real coordinate or length"
        raise RouteDataError(msg, **where)
    return number


def optional_positive(value: object, *, path: Path, record: object, field: str) -> float | None:
    """Return a positive number, None when absent, or raise :class:`RouteDataError`."""
    if value is None:
        return None
    number = check_number(value, path=path, record=record, field=field)
    if number <= 0:
        msg = f"{number!r} must be positive; omit the field when it is unknown"
        raise RouteDataError(msg, path=path, record=record, field=field)
    return number


def decimal_cell(cell: str, *, path: Path, line: int, field: str, example: str) -> float:
    """Return the number in a CSV cell written as plain decimals (:data:`DECIMAL`), or raise.

    ``float()`` would also take ``1_04`` (104), ``1e3``, ``infinity`` and
    non-ASCII digits; a CSV cell may hold only ASCII digits, a sign and a point.
    """
    if not DECIMAL.fullmatch(cell):
        rule = "no unit, exponent, '_' or separator"
        msg = f"{quote(cell)} is not a number; write plain decimals such as {example} ({rule})"
        raise RouteDataError(msg, path=path, line=line, field=field)
    value = float(cell)
    if not math.isfinite(value):
        msg = f"{quote(cell)} is too large to be a number here"
        raise RouteDataError(msg, path=path, line=line, field=field)
    return value


def check_lonlat(lon: float, lat: float, *, path: Path | str | None, label: object, prefix: str = "") -> None:
    """Raise :class:`RouteDataError` unless ``lon``/``lat`` are valid degrees.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees.
    path, label, prefix
        Where the pair came from, for the message.
    """
    swapped = abs(lat) <= 180 and abs(lon) <= 90 and abs(lat) > 90
    hint = f"; lon and lat look swapped (lon={lat}, lat={lon} would be valid)" if swapped else ""
    if not -180.0 <= lon <= 180.0:
        msg = f"longitude {lon} is outside -180..180{hint}"
        raise RouteDataError(msg, path=path, record=label, field=f"{prefix}lon")
    if not -90.0 <= lat <= 90.0:
        msg = f"latitude {lat} is outside -90..90{hint}"
        raise RouteDataError(msg, path=path, record=label, field=f"{prefix}lat")


def check_positions(points: np.ndarray, *, path: Path, record: object, field: str) -> None:
    """Raise unless every row of an ``(n, 2)`` array is a finite lon/lat in range."""
    finite = np.isfinite(points)
    bad = np.flatnonzero(~finite.all(axis=1) | (np.abs(points[:, 0]) > 180) | (np.abs(points[:, 1]) > 90))
    if len(bad):
        i = int(bad[0])
        if not finite[i].all():
            j = int(np.flatnonzero(~finite[i])[0])
            check_number(float(points[i, j]), path=path, record=record, field=f"{field}[{i}][{j}]")
        check_lonlat(float(points[i, 0]), float(points[i, 1]), path=path, label=record, prefix=f"{field}[{i}].")


def check_distinct(coords: Coords, *, path: Path | str | None, record: object, field: str) -> None:
    """Raise :class:`RouteDataError` unless a vertex list has at least two distinct points."""
    points = np.asarray(coords, dtype=float).reshape(-1, 2)
    if len(points) < 2 or not (points != points[0]).any():
        distinct = len(np.unique(points, axis=0))
        msg = f"{len(points)} point(s), {distinct} distinct; a route needs at least 2 distinct points"
        raise RouteDataError(msg, path=path, record=record, field=field)


def check_line(coords: Coords, *, path: Path | str | None, label: object, field: str) -> None:
    """Raise :class:`RouteDataError` unless a vertex list makes a line with no point repeated at once.

    For the catalog, whose waypoints are named and referred to by segments:
    a repeat there is an editing mistake. Imported lines drop repeats
    instead (:func:`not_repeated`).

    Parameters
    ----------
    coords
        ``(lon, lat)`` pairs.
    path, label, field
        Where they came from, for the message.
    """
    check_distinct(coords, path=path, record=label, field=field)
    points = np.asarray(coords, dtype=float).reshape(-1, 2)
    repeats = np.flatnonzero((points[1:] == points[:-1]).all(axis=1))
    if len(repeats):
        i = int(repeats[0]) + 1
        msg = f"point {i} repeats point {i - 1} ({points[i, 0]:g}, {points[i, 1]:g}); delete the duplicate"
        raise RouteDataError(msg, path=path, record=label, field=f"{field}[{i}]")


def not_repeated(points: np.ndarray) -> np.ndarray:
    """Return a mask of the rows of ``points`` that differ from the row before them."""
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = (points[1:] != points[:-1]).any(axis=1)
    return keep


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"a {type(value).__name__}"
    if isinstance(value, int | float | OversizedNumber):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a table/object"
    return f"a {type(value).__name__}"


# --------------------------------------------------------------------------
# files


def read_text_file(path: Path, *, what: str, encoding: str = "utf-8") -> str:
    """Read a UTF-8 text file or raise a one-line :class:`RouteDataError`.

    Parameters
    ----------
    path
        The file.
    what
        What the file should be, for the message (``"UTF-8 CSV"``).
    encoding
        ``"utf-8"``, or ``"utf-8-sig"`` to accept a byte-order mark.

    Returns
    -------
    text
        The file's text.
    """
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        msg = "file not found; check the path"
        raise RouteDataError(msg, path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read the file ({exc.__class__.__name__}); it must be {what}"
        raise RouteDataError(msg, path=path) from None


def parse_file(path: Path, parse: Callable[[str], Any], *, language: str, what: str, empty: str) -> Any:
    """Read a UTF-8 file and parse it, turning what the parser refuses into one line.

    Parameters
    ----------
    path
        The file.
    parse
        ``json.loads`` or ``tomllib.loads`` (with their options).
    language
        ``"JSON"`` or ``"TOML"``, for the messages.
    what
        What the file should be, for the message when it cannot be read.
    empty
        What to say when the file is empty or blank.

    Raises
    ------
    RouteDataError
        Also for what the parser raises besides its syntax errors: nesting
        deeper than Python's recursion limit, an integer over Python's digit
        limit.
    """
    text = read_text_file(path, what=what)
    if not text.strip():
        msg = f"the file is empty; {empty}"
        raise RouteDataError(msg, path=path)
    try:
        return parse(text)
    except RecursionError:
        msg = f"not valid {language}: arrays or objects nested too deep to read"
        raise RouteDataError(msg, path=path) from None
    except ValueError as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        if isinstance(exc, json.JSONDecodeError):
            problem = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        elif "integer string conversion" in str(exc):
            problem = f"an integer of more than {sys.get_int_max_str_digits():,} digits"
        else:
            problem = str(exc)
        raise RouteDataError(f"not valid {language}: {problem}", path=path) from None


def csv_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each non-blank row of a UTF-8 CSV file, cells stripped.

    The header must name every one of ``columns`` exactly once (other
    columns are allowed and ignored by the callers); every row gives at
    least as many fields as the header. A line is numbered as a spreadsheet
    shows it (header = 1).

    Raises
    ------
    RouteDataError
        An empty file, a missing or repeated column, a short row, or what the
        ``csv`` module refuses (a field over its size limit).
    """
    text = read_text_file(path, what="UTF-8 CSV", encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            msg = f"the file is empty; the first line must name the columns {','.join(columns)}"
            raise RouteDataError(msg, path=path, line=1)
        repeated = next((c for i, c in enumerate(header) if c and c in header[:i]), None)
        if repeated is not None:
            msg = f"column {quote(repeated)} appears twice in the header; keep one"
            raise RouteDataError(msg, path=path, line=1, field=repeated)
        missing = [c for c in columns if c not in header]
        if missing:
            msg = f"missing column(s) {', '.join(missing)}; the header must name {','.join(columns)}"
            raise RouteDataError(msg, path=path, line=1, field=missing[0])
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) < len(header):
                msg = (
                    f"{len(cells)} field(s) where the header names {len(header)}; give every column "
                    "(an unclosed quote joins the lines after it into one field)"
                )
                raise RouteDataError(msg, path=path, line=reader.line_num)
            yield reader.line_num, {c: cells[i].strip() for i, c in enumerate(header)}
    except csv.Error as exc:
        if "field limit" in str(exc):
            msg = (
                f"a field is longer than {csv.field_size_limit():,} characters, the CSV limit; "
                "check the quotes (an unclosed quote runs on to the end of the file)"
            )
        else:
            msg = f"not valid CSV ({exc}); check the quoting"
        raise RouteDataError(msg, path=path, line=reader.line_num) from None


def read_feature_collection(path: Path, *, what: str, fix: str) -> gpd.GeoDataFrame:
    """Read a GeoJSON FeatureCollection the repository's tools write (lon/lat), without GDAL.

    The shipped derived files (country outlines, traced pipelines) are plain
    FeatureCollections: json and ``shapely.from_geojson`` read them as fast
    as GDAL does, without loading GDAL (about 26 MB more memory in the build,
    which reads nothing else through it).

    Parameters
    ----------
    path
        The file.
    what
        What it holds, for the message (``"country boundaries"``).
    fix
        How to mend it, for the message (``"rebuild them with tools/build_countries.py"``).

    Returns
    -------
    frame
        One row per feature: its properties as columns, its geometry (EPSG:4326).

    Raises
    ------
    RouteDataError
        One line naming the file (and the feature) when it is not such a collection.
    """

    def fail(problem: str, record: str | None = None) -> NoReturn:
        raise RouteDataError(f"cannot read {what} ({problem}); {fix}", path=path, record=record)

    text = read_text_file(path, what="UTF-8 GeoJSON")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        fail(f"not valid JSON: {exc.__class__.__name__}")
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        fail("not a FeatureCollection with features")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            fail("a feature without a geometry", record=f"#{number}")
    try:  # GEOS reads the whole collection at once (3 times faster than feature by feature)
        shapes = shapely.get_parts(shapely.from_geojson(text))
    except shapely.errors.GEOSException as exc:
        fail(f"a geometry GEOS cannot read: {str(exc).splitlines()[0][:80]}")
    if len(shapes) != len(features):
        fail(f"{len(shapes)} geometries read for {len(features)} features")
    properties = [feature.get("properties") or {} for feature in features]
    return gpd.GeoDataFrame(properties, geometry=list(shapes), crs="EPSG:4326")

