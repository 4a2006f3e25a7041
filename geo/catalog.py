"""The project's catalog: routes (``routes.toml``) and named places (``places.toml``).

The route catalog is TOML (see the header of ``geo/data/routes.toml`` for
every field): routes with ordered, named and graded waypoints, sources and
published segment lengths. Every field is checked for its type as well as
its value: text must be a quoted string (a TOML date is not text), a flag a
real boolean (``"false"`` is text), a number a number. Every problem raises
:class:`geo.errors.RouteDataError` naming the file, the record, the field and
the bad value.

Operating pipelines can be drawn as built: a route that says
``trace = ["P2353", ...]`` (ids of ``geo/data/traced_pipelines.geojson``, in
order along the route) is redrawn by :func:`apply_traces` from those traced
lines (read by :func:`load_traces`); its waypoints stay named points and are
placed on the traced line as vertices (column ``waypoint_vertex``), so a
published segment between two waypoint names is measured along the trace.
:func:`load_catalog` alone draws every route through its waypoints.

The other route formats (GeoJSON, waypoint CSV, GeoPackage, KML) live in
:mod:`geo.readers`; :func:`read_routes` and the other names imported here
from there stay importable from this module.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import RouteDataError, quote
from geo.geodesic import WGS84
from geo.readers import CSV_COLUMNS, load_csv_routes, load_geojson_routes, load_gis_routes, read_routes
from geo.readers.common import (
    CONFIDENCES,
    KINDS,
    ROUTE_COLUMNS,
    check_bool,
    check_choice,
    check_id,
    check_line,
    check_lonlat,
    check_number,
    check_text,
    object_frame,
    optional_positive,
    parse_file,
    read_feature_collection,
    read_text_file,
    route_frame,
)

__all__ = [
    "CONFIDENCES", "CSV_COLUMNS", "KINDS", "PLACE_CATEGORIES", "ROUTE_COLUMNS", "check_line", "check_lonlat",
    "TRACE_LIMIT_M", "apply_traces", "load_catalog", "load_csv_routes", "load_geojson_routes", "load_gis_routes",
    "load_places", "load_traces", "read_routes", "read_text_file",
]  # fmt: skip

PLACE_CATEGORIES = (
    "gas_field",
    "compressor_station",
    "border_crossing",
    "pipeline_node",
    "city",
    "protected_area",
)
CATALOG_ID = re.compile(r"[A-Za-z0-9_-]+")
"""Catalog ids: ASCII letters, digits, '-' and '_' (the catalog's own convention)."""
ISO3 = re.compile(r"[A-Z]{3}")
_ROUTE_TEXT = {"name": True, "status": False, "yearly_flow": False}
_SOURCE_TEXT = {"publisher": True, "title": True, "url": False}
_WAYPOINT_TEXT = {"name": True, "role": True, "basis": True}
_SEGMENT_TEXT = {"name": True, "source": True}
_PLACE_TEXT = {"name": True, "description": True, "source": True, "role": False}
TRACE_LIMIT_M = 30_000.0
"""How far a waypoint of a traced route may lie from its traced line, metres.

A waypoint names a place the pipeline passes (a town it passes near, a
station, a field it starts at); 30 km is the farthest the catalog's towns lie
from the traced lines (Almaty area 27 km). Farther is a data error unless the
waypoint says ``off_trace = true``."""


def load_catalog(path: Path | str) -> gpd.GeoDataFrame:
    """Read and validate a route catalog in the project's TOML format.

    Parameters
    ----------
    path
        The TOML file, with one ``[[route]]`` table per route.

    Returns
    -------
    routes
        One row per route, columns :data:`ROUTE_COLUMNS`, EPSG:4326.

    Raises
    ------
    RouteDataError
        Missing field or source, a field of the wrong type, unknown kind,
        bad coordinates (with a hint when lon and lat look swapped), NaN or
        infinity, fewer than two distinct points, consecutive duplicate
        points (waypoints are named and referred to by segments: a repeat is
        an editing mistake, not dropped as in imported lines), duplicate ids,
        unreadable or empty file.
    """
    path = Path(path)
    records = _read_toml(path).get("route")
    if not records:
        msg = "no [[route]] tables; the file is empty or not a route catalog"
        raise RouteDataError(msg, path=path)
    if not isinstance(records, list):
        msg = "'route' must be an array of tables, written [[route]]"
        raise RouteDataError(msg, path=path, field="route")
    rows = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        row = _validate_route(record, path=path, label=f"#{number}")
        if row["id"] in seen:
            msg = f"duplicate id {row['id']!r}; give each route its own id"
            raise RouteDataError(msg, path=path, record=row["id"], field="id")
        seen.add(row["id"])
        rows.append(row)
    return route_frame(rows)


def load_places(path: Path | str) -> gpd.GeoDataFrame:
    """Read and validate the named points (fields, stations, crossings, cities).

    Parameters
    ----------
    path
        The TOML file, with one ``[[place]]`` table per point.

    Returns
    -------
    places
        One row per place with ``name``, ``category``, ``countries``,
        ``description``, ``coord_conf``, ``source``, ``role`` (None unless
        the file gives one) and a Point geometry in EPSG:4326.
    """
    path = Path(path)
    records = _read_toml(path).get("place")
    if not records or not isinstance(records, list):
        msg = "no [[place]] tables; the file is empty or not a places file"
        raise RouteDataError(msg, path=path)
    rows = []
    for number, record in enumerate(records, start=1):
        label = record.get("name") if isinstance(record, dict) and isinstance(record.get("name"), str) else f"#{number}"
        _require_table(record, path=path, label=label, field="place")
        where = {"path": path, "record": label}
        row = _texts(record, _PLACE_TEXT, prefix="", **where)
        lon, lat = _lonlat(record, prefix="", **where)
        row["category"] = check_choice(record.get("category"), PLACE_CATEGORIES, field="category", **where)
        row["coord_conf"] = check_choice(record.get("coord_conf"), CONFIDENCES, field="coord_conf", **where)
        countries = record.get("countries")
        if not isinstance(countries, list) or not countries or not all(_is_iso3(c) for c in countries):
            msg = f"countries {quote(countries)} must be a list of ISO3 codes such as [\"RUS\", \"MNG\"]"
            raise RouteDataError(msg, field="countries", **where)
        row["countries"] = countries
        row["geometry"] = shapely.Point(lon, lat)
        rows.append(row)
    return object_frame(rows, ["name", "category", "countries", "description", "coord_conf", "source", "role"])


def load_traces(path: Path | str) -> gpd.GeoDataFrame:
    """Read traced pipelines (``geo/data/traced_pipelines.geojson``, written by ``tools/build_traces.py``).

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection of LineStrings in lon/lat, each with a
        unique text property ``id`` (e.g. ``"P2353"``).

    Returns
    -------
    traces
        One row per trace with its properties, EPSG:4326.
    """
    path = Path(path)
    traces = read_feature_collection(path, what="the traced pipelines", fix="rebuild them with tools/build_traces.py")
    if "id" not in traces.columns or not len(traces):
        msg = "no features with an 'id' property; expected the output of tools/build_traces.py"
        raise RouteDataError(msg, path=path)
    for number, (trace_id, geometry) in enumerate(zip(traces["id"], traces.geometry, strict=True), start=1):
        check_id(trace_id, path=path, record=f"#{number}")
        if not isinstance(geometry, shapely.LineString) or len(geometry.coords) < 2:
            kind = quote(getattr(geometry, "geom_type", geometry))
            msg = f"geometry {kind} must be a LineString of two or more points"
            raise RouteDataError(msg, path=path, record=trace_id, field="geometry")
    if traces["id"].duplicated().any():
        msg = f"duplicate id {quote(traces['id'][traces['id'].duplicated()].iloc[0])}; give each trace its own id"
        raise RouteDataError(msg, path=path, field="id")
    return traces.set_crs("EPSG:4326", allow_override=True)


def apply_traces(routes: gpd.GeoDataFrame, traces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Draw every route that names traces from those traced pipelines.

    The route's line is its traces in the order given, joined end to end:
    each next trace is taken from its point nearest to where the line so far
    ends (traces that overlap are not drawn twice), and a gap between them
    is bridged by the geodesic (e.g. the Amur crossing between the Russian
    and the Chinese trace). Each waypoint is then placed at its nearest point
    on that line, at or after the previous waypoint's, and inserted there as
    a vertex; the line is cut at the first and the last waypoint placed on
    it. A waypoint that says ``off_trace = true`` may lie any distance from
    the line: at the start or the end of the route (before the first or after
    the last waypoint on the trace: a field the line feeds from, a part with
    no trace) the line runs on to it along the geodesic; between waypoints on
    the trace it is placed at its nearest point like the others. Every other
    waypoint must lie within :data:`TRACE_LIMIT_M` of the line.

    Parameters
    ----------
    routes
        Routes with the columns of :data:`ROUTE_COLUMNS` (as read by
        :func:`read_routes`); only rows whose ``trace`` is a list change.
    traces
        Traced pipelines from :func:`load_traces`.

    Returns
    -------
    routes
        A copy: traced rows get the traced ``geometry``, their
        ``waypoint_vertex`` (the vertex of each waypoint in it) and
        ``geometry_source = "trace"``.

    Raises
    ------
    RouteDataError
        A trace id that is not in ``traces`` (field ``trace[i]``), a waypoint
        too far from its trace (field ``waypoints[i]``), naming the route's
        file and id.
    """
    lines = dict(zip(traces["id"], traces.geometry, strict=True))
    out = routes.copy()
    geometries = list(out.geometry.values)
    vertices = list(out["waypoint_vertex"])
    sources = list(out["geometry_source"])
    for row, route in enumerate(routes.itertuples(index=False)):
        if not isinstance(route.trace, list) or not route.trace:
            continue
        where = {"path": route.source_file, "record": route.id}
        parts = []
        for i, trace_id in enumerate(route.trace):
            if trace_id not in lines:
                known = ", ".join(sorted(map(str, lines))[:12])
                msg = f"{quote(trace_id)} is not a traced pipeline id (known: {known}); copy the id exactly"
                raise RouteDataError(msg, field=f"trace[{i}]", **where)
            parts.append(np.asarray(lines[trace_id].coords, dtype=float)[:, :2])
        geometries[row], vertices[row] = _traced_line(_join(parts), route.waypoints, route.trace, where)
        sources[row] = "trace"
    out["waypoint_vertex"] = gpd.pd.Series(vertices, index=out.index, dtype=object)
    out["geometry_source"] = gpd.pd.Series(sources, index=out.index, dtype=object)
    return out.set_geometry(gpd.GeoSeries(geometries, index=out.index, crs="EPSG:4326"))


# --------------------------------------------------------------------------
# traced lines


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Join traces end to end; each next one from its point nearest to the end so far."""
    line = parts[0]
    for part in parts[1:]:
        at = _locate(part, line[-1])
        rest = _from_position(part, at)
        if len(rest) and np.array_equal(rest[0], line[-1]):
            rest = rest[1:]
        line = np.vstack([line, rest])
    return line


def _traced_line(
    line: np.ndarray, waypoints: list[dict[str, Any]], trace: list[str], where: dict[str, Any]
) -> tuple[shapely.LineString, list[int]]:
    """The traced line cut to the route, every waypoint a vertex; and those vertices."""
    off = [bool(w.get("off_trace", False)) for w in waypoints]
    first = off.index(False)
    last = len(off) - 1 - off[::-1].index(False)
    positions = []
    previous = 0.0
    for i in range(first, last + 1):
        point = np.array([waypoints[i]["lon"], waypoints[i]["lat"]], dtype=float)
        previous = _locate(line, point, start=previous)
        on_line = _at_position(line, previous)
        _, _, distance = WGS84.inv(point[0], point[1], on_line[0], on_line[1])
        if distance > TRACE_LIMIT_M and not off[i]:
            msg = (
                f"{waypoints[i]['name']!r} is {distance / 1000:.1f} km from its trace ({', '.join(trace)}) after the"
                f" previous waypoint; the limit is {TRACE_LIMIT_M / 1000:g} km: move it onto the pipeline, check the"
                " order, or say off_trace = true if the line only feeds from or runs on to it"
            )
            raise RouteDataError(msg, field=f"waypoints[{i}]", **where)
        positions.append(previous)
    coords = [np.array([w["lon"], w["lat"]], dtype=float) for w in waypoints[:first]]
    vertex = list(range(first))
    done = positions[0]  # the line is cut here: no trace before the first waypoint on it
    for position in positions:
        coords.extend(line[int(np.floor(done)) + 1 : int(np.ceil(position))])
        point = _at_position(line, position)
        if not coords or not np.array_equal(coords[-1], point):
            coords.append(point)
        vertex.append(len(coords) - 1)
        done = position
    for w in waypoints[last + 1 :]:
        coords.append(np.array([w["lon"], w["lat"]], dtype=float))
        vertex.append(len(coords) - 1)
    return shapely.LineString(np.array(coords)), vertex


def _locate(line: np.ndarray, point: np.ndarray, *, start: float = 0.0) -> float:
    """Position (segment index + fraction) of the point of ``line`` nearest to ``point``, at or after ``start``.

    Nearness is measured on a local plane around ``point`` (degrees of
    longitude scaled by the cosine of its latitude): within the tens of
    kilometres that matter, it finds the same point as the ellipsoid to
    metres.
    """
    scale = np.cos(np.radians(point[1]))
    x = ((line[:, 0] - point[0] + 180.0) % 360.0 - 180.0) * scale
    y = line[:, 1] - point[1]
    dx, dy = np.diff(x), np.diff(y)
    length2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(np.where(length2 > 0, -(x[:-1] * dx + y[:-1] * dy) / length2, 0.0), 0.0, 1.0)
    first = min(int(np.floor(start)), len(t) - 1)
    t[first] = max(t[first], start - first)
    distance2 = (x[:-1] + t * dx) ** 2 + (y[:-1] + t * dy) ** 2
    distance2[:first] = np.inf
    segment = int(np.argmin(distance2))
    return segment + float(t[segment])


def _at_position(line: np.ndarray, position: float) -> np.ndarray:
    segment = min(int(np.floor(position)), len(line) - 2)
    t = position - segment
    if t == 0.0:
        return line[segment]
    if t == 1.0:
        return line[segment + 1]
    a, b = line[segment], line[segment + 1]
    dlon = (b[0] - a[0] + 180.0) % 360.0 - 180.0
    return np.array([(a[0] + t * dlon + 180.0) % 360.0 - 180.0, a[1] + t * (b[1] - a[1])])


def _from_position(line: np.ndarray, position: float) -> np.ndarray:
    """The line from a position on it to its end."""
    point = _at_position(line, position)
    rest = line[int(np.floor(position)) + 1 :]
    if len(rest) and np.array_equal(rest[0], point):
        return rest
    return np.vstack([point, rest])


# --------------------------------------------------------------------------
# one route of the catalog


def _validate_route(record: object, *, path: Path, label: str) -> dict[str, Any]:
    _require_table(record, path=path, label=label, field="route")
    record = cast("dict[str, Any]", record)
    if record.get("id") is None:
        msg = "missing required field 'id'; add it (see the header of geo/data/routes.toml)"
        raise RouteDataError(msg, path=path, record=label, field="id")
    route_id = check_id(record["id"], path=path, record=label)
    if not CATALOG_ID.fullmatch(route_id) or route_id != record["id"]:
        msg = f"id {quote(record['id'])} must be letters, digits, '-' or '_' (ASCII)"
        raise RouteDataError(msg, path=path, record=label, field="id")
    where = {"path": path, "record": route_id}
    text = _texts(record, _ROUTE_TEXT, prefix="", **where)
    kind = check_choice(record.get("kind"), KINDS, field="kind", **where)
    confidence = check_choice(record.get("confidence"), CONFIDENCES, field="confidence", **where)
    sources = _table_list(record, "sources", **where)
    for i, source in enumerate(sources):
        _validate_source(source, prefix=f"sources[{i}].", **where)
    waypoints = _table_list(record, "waypoints", **where)
    coords = []
    for i, waypoint in enumerate(waypoints):
        prefix = f"waypoints[{i}]."
        _texts(waypoint, _WAYPOINT_TEXT, prefix=prefix, **where)
        coords.append(_lonlat(waypoint, prefix=prefix, **where))
        for key in ("coord_conf", "route_conf"):
            check_choice(waypoint.get(key), CONFIDENCES, field=f"{prefix}{key}", **where)
        if "off_trace" in waypoint:
            check_bool(waypoint["off_trace"], field=f"{prefix}off_trace", **where)
    check_line(coords, path=path, label=route_id, field="waypoints")
    trace = _trace_ids(record, **where)
    if trace is not None and all(w.get("off_trace", False) for w in waypoints):
        msg = "every waypoint says off_trace = true; at least one must lie on the trace"
        raise RouteDataError(msg, field="waypoints", **where)
    names = [w["name"] for w in waypoints]
    segments = _table_list(record, "segments", required=False, **where)
    for i, segment in enumerate(segments):
        _validate_segment(segment, names, prefix=f"segments[{i}].", **where)
    if sum(segment.get("primary", False) for segment in segments) > 1:
        msg = "more than one segment says primary = true; keep one"
        raise RouteDataError(msg, field="segments", **where)
    return {
        "id": route_id,
        "name": text["name"],
        "kind": kind,
        "status": text["status"],
        "capacity_bcm": optional_positive(record.get("capacity_bcm"), field="capacity_bcm", **where),
        "diameter_mm": optional_positive(record.get("diameter_mm"), field="diameter_mm", **where),
        "confidence": confidence,
        "sources": sources,
        "waypoints": waypoints,
        "segments": segments,
        "yearly_flow": text["yearly_flow"],
        "cost_km": None,
        "source_file": str(path),
        "trace": trace,
        "waypoint_vertex": list(range(len(coords))),
        "geometry_source": "waypoints",
        "geometry": shapely.LineString(coords),
    }


def _trace_ids(table: Mapping[str, Any], *, path: Path, record: str) -> list[str] | None:
    """The route's ``trace``: None when absent, else a non-empty list of trace ids."""
    if "trace" not in table:
        return None
    ids = table["trace"]
    if not isinstance(ids, list) or not ids:
        msg = f"{quote(ids)} must be a list of traced-pipeline ids, e.g. trace = [\"P2353\", \"P2352\"]"
        raise RouteDataError(msg, path=path, record=record, field="trace")
    checked = [check_text(v, path=path, record=record, field=f"trace[{i}]", required=True) for i, v in enumerate(ids)]
    return cast("list[str]", checked)


def _validate_source(source: dict[str, Any], *, path: Path, record: str, prefix: str) -> None:
    where = {"path": path, "record": record}
    _texts(source, _SOURCE_TEXT, prefix=prefix, **where)
    year = source.get("year")
    if year is None:
        msg = "missing required field 'year'; add it (see the header of geo/data/routes.toml)"
        raise RouteDataError(msg, field=f"{prefix}year", **where)
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        msg = f"year {quote(year)} must be a four-digit year written without quotes, e.g. 2025"
        raise RouteDataError(msg, field=f"{prefix}year", **where)


def _validate_segment(segment: dict[str, Any], names: list[str], *, path: Path, record: str, prefix: str) -> None:
    where = {"path": path, "record": record}
    _texts(segment, _SEGMENT_TEXT, prefix=prefix, **where)
    if segment.get("length_km") is None:
        msg = "missing required field 'length_km'; add it (see the header of geo/data/routes.toml)"
        raise RouteDataError(msg, field=f"{prefix}length_km", **where)
    optional_positive(segment["length_km"], field=f"{prefix}length_km", **where)
    if "primary" in segment:
        check_bool(segment["primary"], field=f"{prefix}primary", **where)
    has_country = "country" in segment
    has_ends = "from" in segment or "to" in segment
    if has_country == has_ends:
        msg = "give either 'country' (ISO3) or both 'from' and 'to' (waypoint names)"
        raise RouteDataError(msg, field=prefix.rstrip("."), **where)
    if has_country:
        country = segment["country"]
        if not _is_iso3(country):
            msg = f"country {quote(country)} must be one ISO3 code such as \"MNG\" (one segment per country)"
            raise RouteDataError(msg, field=f"{prefix}country", **where)
        return
    for end in ("from", "to"):
        if not isinstance(segment.get(end), str) or segment[end] not in names:
            msg = f"{quote(segment.get(end))} is not a waypoint name of this route; copy the name exactly"
            raise RouteDataError(msg, field=f"{prefix}{end}", **where)
    if names.index(segment["from"]) >= names.index(segment["to"]):
        msg = f"'from' {segment['from']!r} must come before 'to' {segment['to']!r} along the route"
        raise RouteDataError(msg, field=prefix.rstrip("."), **where)


# --------------------------------------------------------------------------
# helpers


def _read_toml(path: Path) -> dict[str, Any]:
    empty = "add [[route]] tables (see geo/data/routes.toml)"
    return parse_file(path, tomllib.loads, language="TOML", what="UTF-8 text (TOML)", empty=empty)


def _require_table(value: object, *, path: Path, label: object, field: str) -> None:
    if not isinstance(value, dict):
        msg = f"expected a table/object, got {quote(value)}"
        raise RouteDataError(msg, path=path, record=label, field=field)


def _texts(
    table: Mapping[str, Any], keys: Mapping[str, bool], *, path: Path, record: object, prefix: str
) -> dict[str, str | None]:
    """Check the text fields of a table (``keys``: name -> required) and return them."""
    return {
        key: check_text(table.get(key), path=path, record=record, field=f"{prefix}{key}", required=required)
        for key, required in keys.items()
    }


def _is_iso3(value: object) -> bool:
    return isinstance(value, str) and ISO3.fullmatch(value) is not None


def _table_list(
    table: Mapping[str, Any], key: str, *, path: Path, record: object, required: bool = True
) -> list[dict[str, Any]]:
    value = table.get(key, None if required else [])
    if required and not value:
        msg = f"missing required field {key!r}; add it (see the header of geo/data/routes.toml)"
        raise RouteDataError(msg, path=path, record=record, field=key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        msg = f"{key} must be an array of tables, e.g. {key} = [{{ ... }}]"
        raise RouteDataError(msg, path=path, record=record, field=key)
    return value


def _lonlat(table: Mapping[str, Any], *, path: Path, record: object, prefix: str) -> tuple[float, float]:
    for key in ("lon", "lat"):
        if table.get(key) is None:
            msg = f"missing required field {key!r}; add it"
            raise RouteDataError(msg, path=path, record=record, field=f"{prefix}{key}")
    lon = check_number(table["lon"], path=path, record=record, field=f"{prefix}lon")
    lat = check_number(table["lat"], path=path, record=record, field=f"{prefix}lat")
    check_lonlat(lon, lat, path=path, label=record, prefix=prefix)
    return lon, lat
