"""Read and validate route and place files.

Two route formats are read:

* the project's catalog, TOML (see the header of ``geo/data/routes.toml``
  for every field): routes with ordered, graded waypoints, sources and
  published segment lengths;
* GeoJSON FeatureCollections of LineString or MultiLineString features in
  WGS84, as public pipeline trackers publish them. A feature's id comes from
  its ``id``, or its ``ProjectID`` or ``name`` property.

Everything is validated once, here. Every problem raises
:class:`geo.errors.RouteDataError` naming the file, the record, the field and
the bad value.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.errors import RouteDataError, RouteDataWarning

KINDS = ("option", "reference", "suggested", "imported")
"""``option``: a Power of Siberia 2 routing or alternative; ``reference``: an
existing or competing line; ``suggested``: a least-cost suggestion
(``tools/build_suggestions.py``); ``imported``: a line from a user file that
says nothing about its kind."""
CONFIDENCES = ("high", "medium", "low")
PLACE_CATEGORIES = (
    "gas_field",
    "compressor_station",
    "border_crossing",
    "pipeline_node",
    "city",
    "protected_area",
)
ROUTE_COLUMNS = [
    "id",
    "name",
    "kind",
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
]
_ROUTE_REQUIRED = ("id", "name", "kind", "confidence", "sources", "waypoints")
_WAYPOINT_REQUIRED = ("name", "lon", "lat", "role", "coord_conf", "route_conf", "basis")
_SOURCE_REQUIRED = ("publisher", "year", "title")
_SEGMENT_REQUIRED = ("name", "length_km", "source")
_PLACE_REQUIRED = ("name", "lon", "lat", "category", "countries", "description", "coord_conf", "source")
_GEOJSON_ID_KEYS = ("ProjectID", "name")


def read_routes(paths: Sequence[Path | str]) -> gpd.GeoDataFrame:
    """Read one or more route files (TOML catalog or GeoJSON) into one table.

    Parameters
    ----------
    paths
        Files to read; ``.toml`` is the catalog format, ``.geojson`` or
        ``.json`` is GeoJSON.

    Returns
    -------
    routes
        One row per route in EPSG:4326 with the columns of
        :data:`ROUTE_COLUMNS`; ``geometry`` is a LineString (or
        MultiLineString from GeoJSON) in lon/lat through the waypoints.

    Raises
    ------
    RouteDataError
        On any invalid record, or an id that appears twice across the files.
    """
    frames = []
    seen: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.suffix.lower() == ".toml":
            frame = load_catalog(path)
        elif path.suffix.lower() in (".geojson", ".json") and _size(path) > LARGE_GEOJSON_BYTES:
            frame = load_gis_routes(path)  # GDAL reads it without a Python object per position
        elif path.suffix.lower() in (".geojson", ".json"):
            frame = load_geojson_routes(path)
        elif path.suffix.lower() in (".gpkg", ".kml"):
            frame = load_gis_routes(path)
        elif path.suffix.lower() == ".csv":
            frame = load_csv_routes(path)
        else:
            msg = f"unknown route file type {path.suffix!r}; use .toml (catalog), .geojson, .gpkg, .kml or .csv (waypoints)"
            raise RouteDataError(msg, path=path)
        for route_id in frame["id"]:
            if route_id in seen:
                msg = f"duplicate route id {route_id!r}, also in {seen[route_id]}; give each route its own id"
                raise RouteDataError(msg, path=path, record=route_id, field="id")
            seen[route_id] = path
        frames.append(frame)
    if not frames:
        msg = "no route files given"
        raise RouteDataError(msg)
    merged = gpd.GeoDataFrame(
        gpd.pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    return merged


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
        Missing field or source, unknown kind, bad coordinates (with a hint
        when lon and lat look swapped), NaN or infinity, fewer than two
        distinct points, consecutive duplicate points, duplicate ids,
        unreadable or empty file.
    """
    path = Path(path)
    document = _read_toml(path)
    records = document.get("route")
    if not records:
        msg = "no [[route]] tables; the file is empty or not a route catalog"
        raise RouteDataError(msg, path=path)
    if not isinstance(records, list):
        msg = "'route' must be an array of tables, written [[route]]"
        raise RouteDataError(msg, path=path, field="route")
    rows = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        label = record.get("id", f"#{number}") if isinstance(record, dict) else f"#{number}"
        row = _validate_route(record, path=path, label=label)
        if row["id"] in seen:
            msg = f"duplicate id {row['id']!r}; give each route its own id"
            raise RouteDataError(msg, path=path, record=row["id"], field="id")
        seen.add(row["id"])
        rows.append(row)
    return _frame(rows)


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
        label = record.get("name", f"#{number}") if isinstance(record, dict) else f"#{number}"
        _require_table(record, path=path, label=label, field="place")
        _require(record, _PLACE_REQUIRED, path=path, label=label)
        lon, lat = _lonlat(record, path=path, label=label, prefix="")
        _choice(record, "category", PLACE_CATEGORIES, path=path, label=label)
        _choice(record, "coord_conf", CONFIDENCES, path=path, label=label)
        row = {key: record[key] for key in _PLACE_REQUIRED if key not in ("lon", "lat")}
        row["role"] = record.get("role")
        row["geometry"] = shapely.Point(lon, lat)
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def load_geojson_routes(path: Path | str) -> gpd.GeoDataFrame:
    """Read routes from GeoJSON: a FeatureCollection, a Feature or a bare geometry.

    Parameters
    ----------
    path
        A GeoJSON file of LineString or MultiLineString geometries. Each
        feature needs an id: the feature's ``id`` member, or its
        ``ProjectID`` or ``name`` property (a bare geometry or a Feature
        without one is named after the file). Optional properties ``name``,
        ``kind``, ``status``, ``capacity_bcm``, ``diameter_mm`` and
        ``source`` are used when present. Features with a null geometry are
        skipped with a :class:`RouteDataWarning`; Point features of an export
        (``feature_type`` other than ``"route"``) are skipped silently; a Z
        value is dropped with a warning. A legacy ``crs`` member naming
        another CRS is reprojected to WGS84 with pyproj when pyproj knows it.

    Returns
    -------
    routes
        Same columns as :func:`load_catalog`; waypoints are the vertices,
        there are no published segments.
    """
    path = Path(path)
    document = _read_json(path)
    kind = document.get("type") if isinstance(document, dict) else None
    if kind in ("LineString", "MultiLineString"):
        document = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": path.stem, "properties": {}, "geometry": document}]}
    elif kind == "Feature":
        single = dict(document)
        if _geojson_id(single, single.get("properties") or {}) is None:
            single["id"] = path.stem
        document = {"type": "FeatureCollection", "features": [single], "crs": document.get("crs")}
    elif kind != "FeatureCollection":
        found = kind if isinstance(document, dict) else type(document).__name__
        msg = f"top-level type is {found!r}; expected a FeatureCollection, a Feature or a (Multi)LineString"
        raise RouteDataError(msg, path=path, field="type")
    transform = _crs_transform(document.get("crs"), path=path)
    features = document.get("features")
    if not isinstance(features, list) or not features:
        msg = "'features' is missing or empty; add at least one LineString feature"
        raise RouteDataError(msg, path=path, field="features")
    rows = []
    seen: set[str] = set()
    for number in range(1, len(features) + 1):
        feature, features[number - 1] = features[number - 1], None  # let parsed features go
        label = f"feature #{number}"
        _require_table(feature, path=path, label=label, field="features")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            msg = f"properties must be an object, got {type(properties).__name__}"
            raise RouteDataError(msg, path=path, record=label, field="properties")
        if properties.get("feature_type", "route") != "route":
            continue  # crossings, km posts and places of an exported file
        route_id = _geojson_id(feature, properties)
        if route_id is None:
            msg = "no id: set the feature's 'id' or a 'ProjectID' or 'name' property"
            raise RouteDataError(msg, path=path, record=label, field="id")
        if route_id in seen:
            msg = f"duplicate id {route_id!r}; give each feature its own id"
            raise RouteDataError(msg, path=path, record=route_id, field="id")
        seen.add(route_id)
        if feature.get("geometry", "missing") is None:
            warnings.warn(f"{path}: record {route_id!r}: geometry is null; feature skipped", RouteDataWarning, stacklevel=2)
            continue
        parts = _geojson_parts(feature.get("geometry"), path=path, label=route_id, transform=transform)
        kind = properties.get("kind", "imported")
        if kind not in KINDS:
            msg = f"unknown kind {kind!r}; use one of {', '.join(KINDS)}"
            raise RouteDataError(msg, path=path, record=route_id, field="properties.kind")
        waypoints = _end_waypoints(parts[0][0], parts[-1][-1], sum(len(part) for part in parts))
        geometry = shapely.LineString(parts[0]) if len(parts) == 1 else shapely.MultiLineString(parts)
        del parts
        rows.append(
            {
                "id": route_id,
                "name": str(properties.get("name") or route_id),
                "kind": kind,
                "status": properties.get("status"),
                "capacity_bcm": _optional_number(properties, "capacity_bcm", path=path, label=route_id),
                "diameter_mm": _optional_number(properties, "diameter_mm", path=path, label=route_id),
                "confidence": properties.get("confidence", "low"),
                "sources": [{"publisher": str(properties.get("source") or path.name), "year": None, "title": path.name}],
                "waypoints": waypoints,
                "segments": [],
                "yearly_flow": None,
                "cost_km": _optional_number(properties, "cost_km", path=path, label=route_id),
                "source_file": str(path),
                "geometry": geometry,
            }
        )
    if not rows:
        msg = "no route features (all are points of another feature_type); add LineString features"
        raise RouteDataError(msg, path=path, field="features")
    return _frame(rows)


CSV_COLUMNS = ("route_id", "seq", "name", "lon", "lat")
LARGE_GEOJSON_BYTES = 16 * 2**20
"""GeoJSON files larger than this are read through GDAL (pyogrio): a 50 MB
tracker file then needs about 250 MB instead of over 1 GB. Smaller files are
read by :func:`load_geojson_routes`, whose messages point at the exact
position."""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def load_csv_routes(path: Path | str) -> gpd.GeoDataFrame:
    """Read routes from a CSV of waypoints, one row per waypoint.

    Parameters
    ----------
    path
        UTF-8 CSV with the columns ``route_id,seq,name,lon,lat`` (others are
        ignored): ``seq`` numbers each route's waypoints 1, 2, 3, ... with no
        gap, in any row order.

    Returns
    -------
    routes
        Same columns as :func:`load_catalog`.

    Raises
    ------
    RouteDataError
        Naming the file, the line and the column: missing columns, bad
        numbers, coordinates out of range, repeated or missing ``seq``.
    """
    path = Path(path)
    text = read_text_file(path, what="UTF-8 CSV", encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}; the header must name {','.join(CSV_COLUMNS)}"
        raise RouteDataError(msg, path=path, line=1, field=missing[0])
    waypoints: dict[str, dict[int, tuple[int, str, float, float]]] = {}
    for row in reader:
        line = reader.line_num
        route_id = (row["route_id"] or "").strip()
        if not route_id:
            msg = "missing route_id; every waypoint names its route"
            raise RouteDataError(msg, path=path, line=line, field="route_id")
        seq_text = (row["seq"] or "").strip()
        if not seq_text.isdigit() or int(seq_text) < 1:
            msg = f"seq {seq_text!r} is not a whole number from 1 up"
            raise RouteDataError(msg, path=path, line=line, field="seq")
        seq = int(seq_text)
        numbers = []
        for column in ("lon", "lat"):
            cell = (row[column] or "").strip()
            try:
                value = float(cell)
            except ValueError:
                msg = f"{cell!r} is not a number; write decimal degrees such as 104.28"
                raise RouteDataError(msg, path=path, line=line, field=column) from None
            if not math.isfinite(value):
                msg = f"{cell!r} is not a finite number"
                raise RouteDataError(msg, path=path, line=line, field=column)
            numbers.append(value)
        try:
            check_lonlat(*numbers, path=None, label=None)
        except RouteDataError as exc:
            raise RouteDataError(exc.problem, path=path, line=line, field=exc.field) from None
        route = waypoints.setdefault(route_id, {})
        if seq in route:
            msg = f"seq {seq} of route {route_id!r} repeats line {route[seq][0]}; number the waypoints 1, 2, 3, ..."
            raise RouteDataError(msg, path=path, line=line, field="seq")
        route[seq] = (line, (row["name"] or f"{route_id} {seq}").strip(), numbers[0], numbers[1])
    if not waypoints:
        msg = "no waypoints under the header; add rows route_id,seq,name,lon,lat"
        raise RouteDataError(msg, path=path)
    rows = []
    for route_id, points in waypoints.items():
        expected = list(range(1, len(points) + 1))
        if sorted(points) != expected:
            gap = next(n for n in expected if n not in points)
            msg = f"seq {gap} is missing (found {', '.join(map(str, sorted(points)))}); number the waypoints without gaps"
            raise RouteDataError(msg, path=path, record=route_id, field="seq")
        ordered = [points[n] for n in expected]
        coords = [(lon, lat) for _, _, lon, lat in ordered]
        check_line(coords, path=path, label=route_id, field="waypoints")
        rows.append(
            {
                "id": route_id,
                "name": route_id,
                "kind": "imported",
                "status": None,
                "capacity_bcm": None,
                "diameter_mm": None,
                "confidence": "low",
                "sources": [{"publisher": path.name, "year": None, "title": path.name}],
                "waypoints": [{"name": name, "lon": lon, "lat": lat} for _, name, lon, lat in ordered],
                "segments": [],
                "yearly_flow": None,
                "cost_km": None,
                "source_file": str(path),
                "geometry": shapely.LineString(coords),
            }
        )
    return _frame(rows)


def load_gis_routes(path: Path | str) -> gpd.GeoDataFrame:
    """Read routes through GDAL: GeoPackage (layer ``routes``, else the first), KML, large GeoJSON.

    Parameters
    ----------
    path
        A ``.gpkg``, ``.kml`` or ``.geojson`` file of LineString or MultiLineString
        features; ids come from a ``route_id``, ``id``, ``ProjectID`` or
        ``name`` (``Name`` in KML) field. Other CRSs are reprojected to WGS84.

    Returns
    -------
    routes
        Same columns as :func:`load_catalog`.
    """
    import pyogrio

    path = Path(path)
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        layer = "routes" if "routes" in layers else layers[0]
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # GDAL raises several types for unreadable files
        msg = f"cannot read it as {path.suffix[1:].upper()} ({exc.__class__.__name__}); check the file"
        raise RouteDataError(msg, path=path) from None
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs(4326)
    if "feature_type" in frame.columns:
        frame = frame[frame["feature_type"].fillna("route") == "route"]  # points of an export
    rows = []
    seen: set[str] = set()
    for number, row in enumerate(frame.itertuples(index=False), start=1):
        values = row._asdict()
        route_id = next(
            (str(values[k]).strip() for k in ("route_id", "id", "ProjectID", "name", "Name") if values.get(k) not in (None, "")),
            None,
        )
        if route_id is None:
            msg = "no id: give the feature an 'id', 'ProjectID' or 'name' field"
            raise RouteDataError(msg, path=path, record=f"feature #{number}", field="id")
        if route_id in seen:
            msg = f"duplicate id {route_id!r}; give each feature its own id"
            raise RouteDataError(msg, path=path, record=route_id, field="id")
        seen.add(route_id)
        if row.geometry is None:
            warnings.warn(f"{path}: record {route_id!r}: geometry is null; feature skipped", RouteDataWarning, stacklevel=2)
            continue
        if shapely.has_z(row.geometry):
            warnings.warn(f"{path}: record {route_id!r}: heights dropped; routes are measured on the ellipsoid", RouteDataWarning, stacklevel=2)
        geometry = shapely.force_2d(row.geometry)
        if geometry.geom_type not in ("LineString", "MultiLineString"):
            msg = f"geometry type {geometry.geom_type!r} is not a line; give a LineString or MultiLineString"
            raise RouteDataError(msg, path=path, record=route_id, field="geometry")
        for p, part in enumerate(shapely.get_parts(geometry)):
            coords = shapely.get_coordinates(part)
            bad = np.flatnonzero(~np.isfinite(coords).all(axis=1) | (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90))
            if len(bad):
                i = int(bad[0])
                if not np.isfinite(coords[i]).all():
                    msg = f"position {coords[i].tolist()} is not a finite number pair"
                    raise RouteDataError(msg, path=path, record=route_id, field=f"geometry[{p}][{i}]")
                check_lonlat(float(coords[i, 0]), float(coords[i, 1]), path=path, label=route_id, prefix=f"geometry[{p}][{i}].")
            check_line(coords, path=path, label=route_id, field=f"geometry[{p}]")
        kind = values.get("kind") if values.get("kind") in KINDS else "imported"
        rows.append(
            {
                "id": route_id,
                "name": str(values.get("name") or values.get("Name") or route_id),
                "kind": kind,
                "status": values.get("status"),
                "capacity_bcm": _gis_number(values.get("capacity_bcm")),
                "diameter_mm": _gis_number(values.get("diameter_mm")),
                "confidence": values.get("confidence") if values.get("confidence") in CONFIDENCES else "low",
                "sources": [{"publisher": path.name, "year": None, "title": path.name}],
                "waypoints": _end_waypoints(
                    tuple(shapely.get_coordinates(geometry)[0]),
                    tuple(shapely.get_coordinates(geometry)[-1]),
                    int(shapely.get_num_coordinates(geometry)),
                ),
                "segments": [],
                "yearly_flow": None,
                "cost_km": _gis_number(values.get("cost_km")),
                "source_file": str(path),
                "geometry": geometry,
            }
        )
    if not rows:
        msg = "no features; add LineString features"
        raise RouteDataError(msg, path=path)
    return _frame(rows)


def _end_waypoints(start: Sequence[float], end: Sequence[float], n_vertices: int) -> list[dict[str, Any]]:
    """Waypoints of an imported line: its two ends (vertices are not named)."""
    return [
        {"name": "start", "lon": float(start[0]), "lat": float(start[1])},
        {"name": f"end (vertex {n_vertices - 1})", "lon": float(end[0]), "lat": float(end[1])},
    ]


def _gis_number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


# --------------------------------------------------------------------------
# validation helpers


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


def _read_toml(path: Path) -> dict[str, Any]:
    text = read_text_file(path, what="UTF-8 text")
    if not text.strip():
        msg = "the file is empty; add [[route]] tables (see geo/data/routes.toml)"
        raise RouteDataError(msg, path=path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"not valid TOML: {exc}"
        raise RouteDataError(msg, path=path) from None


def _read_json(path: Path) -> Any:
    text = read_text_file(path, what="UTF-8 text (GeoJSON)")
    if not text.strip():
        msg = "the file is empty; expected a GeoJSON FeatureCollection"
        raise RouteDataError(msg, path=path)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise RouteDataError(msg, path=path) from None
    except ValueError as exc:
        raise RouteDataError(str(exc), path=path) from None


def _reject_constant(name: str) -> float:
    msg = f"{name} is not a number in JSON (RFC 8259); remove it or use null"
    raise ValueError(msg)


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return frame[[*ROUTE_COLUMNS, "geometry"]]


def _require_table(value: object, *, path: Path, label: object, field: str) -> None:
    if not isinstance(value, dict):
        msg = f"expected a table/object, got {type(value).__name__} {value!r}"
        raise RouteDataError(msg, path=path, record=label, field=field)


def _require(record: Mapping[str, Any], keys: Iterable[str], *, path: Path, label: object, prefix: str = "") -> None:
    for key in keys:
        value = record.get(key)
        if value is None or (isinstance(value, (str, list)) and not value):
            msg = f"missing required field {key!r}; add it (see the header of geo/data/routes.toml)"
            raise RouteDataError(msg, path=path, record=label, field=f"{prefix}{key}")


def _choice(record: Mapping[str, Any], key: str, allowed: Sequence[str], *, path: Path, label: object, prefix: str = "") -> None:
    if record[key] not in allowed:
        msg = f"unknown {key} {record[key]!r}; use one of {', '.join(allowed)}"
        raise RouteDataError(msg, path=path, record=label, field=f"{prefix}{key}")


def _number(value: object, *, path: Path, label: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"{value!r} is not a number; write it without quotes, e.g. 104.28"
        raise RouteDataError(msg, path=path, record=label, field=field)
    number = float(value)
    if not math.isfinite(number):
        msg = f"{value!r} is not a finite number; give a real coordinate or length"
        raise RouteDataError(msg, path=path, record=label, field=field)
    return number


def _optional_number(record: Mapping[str, Any], key: str, *, path: Path, label: object, prefix: str = "") -> float | None:
    if record.get(key) is None:
        return None
    value = _number(record[key], path=path, label=label, field=f"{prefix}{key}")
    if value <= 0:
        msg = f"{value!r} must be positive; omit the field when it is unknown"
        raise RouteDataError(msg, path=path, record=label, field=f"{prefix}{key}")
    return value


def _optional_text(record: Mapping[str, Any], key: str, *, path: Path, label: object) -> str | None:
    value = record.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        msg = f"{value!r} must be a non-empty text; omit the field when there is none"
        raise RouteDataError(msg, path=path, record=label, field=key)
    return value


def _lonlat(record: Mapping[str, Any], *, path: Path, label: object, prefix: str) -> tuple[float, float]:
    lon = _number(record["lon"], path=path, label=label, field=f"{prefix}lon")
    lat = _number(record["lat"], path=path, label=label, field=f"{prefix}lat")
    check_lonlat(lon, lat, path=path, label=label, prefix=prefix)
    return lon, lat


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


def _validate_route(record: object, *, path: Path, label: object) -> dict[str, Any]:
    _require_table(record, path=path, label=label, field="route")
    record = cast("dict[str, Any]", record)
    _require(record, _ROUTE_REQUIRED, path=path, label=label)
    route_id = record["id"]
    if not isinstance(route_id, str) or not route_id.replace("-", "").replace("_", "").isalnum():
        msg = f"id {route_id!r} must be letters, digits, '-' or '_' (it names output files)"
        raise RouteDataError(msg, path=path, record=label, field="id")
    _choice(record, "kind", KINDS, path=path, label=route_id)
    _choice(record, "confidence", CONFIDENCES, path=path, label=route_id)
    sources = _table_list(record, "sources", path=path, label=route_id)
    for i, source in enumerate(sources):
        _require(source, _SOURCE_REQUIRED, path=path, label=route_id, prefix=f"sources[{i}].")
    waypoints = _table_list(record, "waypoints", path=path, label=route_id)
    coords = []
    for i, waypoint in enumerate(waypoints):
        prefix = f"waypoints[{i}]."
        _require(waypoint, _WAYPOINT_REQUIRED, path=path, label=route_id, prefix=prefix)
        coords.append(_lonlat(waypoint, path=path, label=route_id, prefix=prefix))
        for key in ("coord_conf", "route_conf"):
            _choice(waypoint, key, CONFIDENCES, path=path, label=route_id, prefix=prefix)
    check_line(coords, path=path, label=route_id, field="waypoints")
    names = [w["name"] for w in waypoints]
    segments = _table_list(record, "segments", path=path, label=route_id, required=False)
    for i, segment in enumerate(segments):
        _validate_segment(segment, names, path=path, label=route_id, prefix=f"segments[{i}].")
    if sum(bool(s.get("primary")) for s in segments) > 1:
        msg = "more than one segment says primary = true; keep one"
        raise RouteDataError(msg, path=path, record=route_id, field="segments")
    return {
        "id": route_id,
        "name": str(record["name"]),
        "kind": record["kind"],
        "status": record.get("status"),
        "capacity_bcm": _optional_number(record, "capacity_bcm", path=path, label=route_id),
        "diameter_mm": _optional_number(record, "diameter_mm", path=path, label=route_id),
        "confidence": record["confidence"],
        "sources": sources,
        "waypoints": waypoints,
        "segments": segments,
        "yearly_flow": _optional_text(record, "yearly_flow", path=path, label=route_id),
        "cost_km": None,
        "source_file": str(path),
        "geometry": shapely.LineString(coords),
    }


def _table_list(
    record: Mapping[str, Any], key: str, *, path: Path, label: object, required: bool = True
) -> list[dict[str, Any]]:
    value = record.get(key, [] if not required else None)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        msg = f"{key} must be an array of tables, e.g. {key} = [{{ ... }}]"
        raise RouteDataError(msg, path=path, record=label, field=key)
    return value


def _validate_segment(segment: dict[str, Any], names: list[str], *, path: Path, label: object, prefix: str) -> None:
    _require(segment, _SEGMENT_REQUIRED, path=path, label=label, prefix=prefix)
    _optional_number(segment, "length_km", path=path, label=label, prefix=prefix)
    has_country = "country" in segment
    has_ends = "from" in segment or "to" in segment
    if has_country == has_ends:
        msg = "give either 'country' (ISO3) or both 'from' and 'to' (waypoint names)"
        raise RouteDataError(msg, path=path, record=label, field=prefix.rstrip("."))
    if has_ends:
        for end in ("from", "to"):
            if segment.get(end) not in names:
                msg = f"{segment.get(end)!r} is not a waypoint name of this route; copy the name exactly"
                raise RouteDataError(msg, path=path, record=label, field=f"{prefix}{end}")
        if names.index(segment["from"]) >= names.index(segment["to"]):
            msg = f"'from' {segment['from']!r} must come before 'to' {segment['to']!r} along the route"
            raise RouteDataError(msg, path=path, record=label, field=prefix.rstrip("."))


def check_line(coords: Sequence[Sequence[float]] | np.ndarray, *, path: Path | str | None, label: object, field: str) -> None:
    """Raise :class:`RouteDataError` unless a vertex list makes a usable line.

    A line needs at least two distinct points and no point repeated
    immediately after itself.

    Parameters
    ----------
    coords
        ``(lon, lat)`` pairs.
    path, label, field
        Where they came from, for the message.
    """
    points = np.asarray(coords, dtype=float).reshape(-1, 2)
    if len(points) < 2 or not (points != points[0]).any():
        distinct = min(len(points), 1)
        msg = f"{len(points)} point(s), {distinct} distinct; a route needs at least 2 distinct points"
        raise RouteDataError(msg, path=path, record=label, field=field)
    repeats = np.flatnonzero((points[1:] == points[:-1]).all(axis=1))
    if len(repeats):
        i = int(repeats[0]) + 1
        msg = f"point {i} repeats point {i - 1} ({points[i, 0]:g}, {points[i, 1]:g}); delete the duplicate"
        raise RouteDataError(msg, path=path, record=label, field=f"{field}[{i}]")


def _geojson_id(feature: dict[str, Any], properties: dict[str, Any]) -> str | None:
    for value in (feature.get("id"), *(properties.get(key) for key in _GEOJSON_ID_KEYS)):
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _crs_transform(crs: object, *, path: Path) -> Any:
    """Return a lon/lat transformer for a legacy GeoJSON ``crs`` member, or None for WGS84."""
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str):
        msg = f"crs member {crs!r} has no properties.name; remove it (RFC 7946 GeoJSON is WGS84)"
        raise RouteDataError(msg, path=path, field="crs")
    try:
        source = CRS.from_user_input(name)
    except CRSError:
        msg = f"unknown crs {name!r}; reproject the file to WGS84 (EPSG:4326) and remove the crs member"
        raise RouteDataError(msg, path=path, field="crs") from None
    if source.equals("EPSG:4326") or source.equals("OGC:CRS84"):
        return None
    return Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def _geojson_parts(
    geometry: object, *, path: Path, label: str, transform: Any = None
) -> list[list[tuple[float, float]]]:
    if not isinstance(geometry, dict):
        msg = "geometry is missing or null; give a LineString or MultiLineString"
        raise RouteDataError(msg, path=path, record=label, field="geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "LineString":
        raw_parts = [coordinates]
    elif kind == "MultiLineString" and isinstance(coordinates, list) and coordinates:
        raw_parts = coordinates
    elif kind == "MultiLineString":
        msg = f"coordinates are {_short(coordinates)}; a MultiLineString needs an array of lines"
        raise RouteDataError(msg, path=path, record=label, field="geometry.coordinates")
    else:
        msg = f"geometry type {kind!r} is not a line; give a LineString or MultiLineString"
        raise RouteDataError(msg, path=path, record=label, field="geometry.type")
    parts = []
    for p, raw in enumerate(raw_parts):
        field = "geometry.coordinates" if kind == "LineString" else f"geometry.coordinates[{p}]"
        if not isinstance(raw, list) or not raw:
            msg = f"coordinates are {raw!r}; give an array of [lon, lat] positions"
            raise RouteDataError(msg, path=path, record=label, field=field)
        # Positions go straight into an array: a tracker file can hold millions.
        part = np.empty((len(raw), 2))
        dropped_z = False
        for i, position in enumerate(raw):
            if not isinstance(position, list) or not 2 <= len(position) <= 3:
                msg = f"position {_short(position)} is not [lon, lat] or [lon, lat, height]"
                raise RouteDataError(msg, path=path, record=label, field=f"{field}[{i}]")
            part[i, 0] = _number(position[0], path=path, label=label, field=f"{field}[{i}][0]")
            part[i, 1] = _number(position[1], path=path, label=label, field=f"{field}[{i}][1]")
            dropped_z = dropped_z or len(position) == 3
        if transform is not None:
            part[:, 0], part[:, 1] = transform.transform(part[:, 0], part[:, 1])
        bad = np.flatnonzero((np.abs(part[:, 0]) > 180) | (np.abs(part[:, 1]) > 90))
        if len(bad):
            i = int(bad[0])
            check_lonlat(float(part[i, 0]), float(part[i, 1]), path=path, label=label, prefix=f"{field}[{i}].")
        if dropped_z:
            warnings.warn(f"{path}: record {label!r}: {field}: heights dropped; routes are measured on the ellipsoid", RouteDataWarning, stacklevel=3)
        check_line(part, path=path, label=label, field=field)
        parts.append(part)
    return parts
