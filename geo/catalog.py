"""The project's catalog: routes (``routes.toml``) and named places (``places.toml``).

The route catalog is TOML (see the header of ``geo/data/routes.toml`` for
every field): routes with ordered, named and graded waypoints, sources and
published segment lengths. Every field is checked for its type as well as
its value: text must be a quoted string (a TOML date is not text), a flag a
real boolean (``"false"`` is text), a number a number. Every problem raises
:class:`geo.errors.RouteDataError` naming the file, the record, the field and
the bad value.

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
import shapely

from geo.errors import RouteDataError, quote
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
    read_text_file,
    route_frame,
)

__all__ = [
    "CONFIDENCES", "CSV_COLUMNS", "KINDS", "PLACE_CATEGORIES", "ROUTE_COLUMNS", "check_line", "check_lonlat",
    "load_catalog", "load_csv_routes", "load_geojson_routes", "load_gis_routes", "load_places", "read_routes",
    "read_text_file",
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
    check_line(coords, path=path, label=route_id, field="waypoints")
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
        "geometry": shapely.LineString(coords),
    }


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
