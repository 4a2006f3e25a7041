"""GeoJSON routes: a FeatureCollection, a Feature or a bare (Multi)LineString, in WGS84.

One reader for every size. While the text is parsed, each line's array of
positions that holds only numbers becomes a numpy array at once (an
``object_hook``), so a 50 MB tracker file needs about a quarter of the
memory of the parsed lists; arrays that hold anything else stay lists and
are checked position by position, for a message that points at the bad one.
Both kinds then go through the same checks (:mod:`geo.readers.common`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from geo.errors import RouteDataError, quote
from geo.readers.common import (
    ID_MAX_CHARS,
    FileNotes,
    OversizedNumber,
    absent,
    check_id,
    check_number,
    imported_route,
    parse_file,
    route_frame,
    warn_record,
)

ID_PROPERTIES = ("ProjectID", "name")
"""Properties that name a feature without an ``id`` member, first found wins."""


def load_geojson_routes(path: Path | str) -> gpd.GeoDataFrame:
    """Read routes from GeoJSON: a FeatureCollection, a Feature or a bare geometry.

    Parameters
    ----------
    path
        A GeoJSON file of LineString or MultiLineString geometries. Each
        feature needs an id: the feature's ``id`` member (a string or a
        whole number), or its ``ProjectID`` or ``name`` property (a bare
        geometry or a Feature without one is named after the file).
        Optional properties ``name``, ``kind``, ``option``, ``status``, ``confidence``,
        ``capacity_bcm``, ``diameter_mm``, ``cost_km``, ``source``,
        ``start_name`` and ``end_name`` (the places at the line's first and
        last position) are checked and used when present. Features with a null geometry are
        skipped with a :class:`~geo.errors.RouteDataWarning`; Point features of
        an export (``feature_type`` other than ``"route"``) are skipped
        silently; heights and repeated consecutive positions are dropped with
        one warning per file. A legacy ``crs`` member naming another 2D CRS
        is reprojected to WGS84 with pyproj when pyproj knows it.

    Returns
    -------
    routes
        The columns of :data:`~geo.readers.common.ROUTE_COLUMNS`; waypoints
        are the two ends (named by ``start_name`` and ``end_name``, else
        ``start`` and ``end (vertex N)``), there are no published segments.
    """
    path = Path(path)
    document = _read_json(path)
    kind = document.get("type") if isinstance(document, dict) else None
    if kind in ("LineString", "MultiLineString"):
        # only the members read below (missing properties read as {}); a legacy crs applies to the geometry
        document = {"features": [{"id": path.stem, "geometry": document}], "crs": document.get("crs")}
    elif kind == "Feature":
        single = dict(document)
        if _id_candidate(single) is None:
            single["id"] = path.stem
        document = {"features": [single], "crs": document.get("crs")}
    elif kind != "FeatureCollection":
        found = kind if isinstance(document, dict) else type(document).__name__
        msg = f"top-level type is {quote(found)}; expected a FeatureCollection, a Feature or a (Multi)LineString"
        raise RouteDataError(msg, path=path, field="type")
    transform = _crs_transform(document.get("crs"), path=path)
    features = document.get("features")
    if not isinstance(features, list) or not features:
        msg = "'features' is missing or empty; add at least one LineString feature"
        raise RouteDataError(msg, path=path, field="features")
    rows = []
    seen: set[str] = set()
    notes = FileNotes(path)
    for number in range(1, len(features) + 1):
        feature, features[number - 1] = features[number - 1], None  # let parsed features go
        label = f"feature #{number}"
        if not isinstance(feature, dict):
            msg = f"expected a Feature object, got {quote(feature)}"
            raise RouteDataError(msg, path=path, record=label, field="features")
        properties = feature.get("properties")
        properties = {} if properties is None else properties
        if not isinstance(properties, dict):
            msg = f"properties must be an object, got {quote(properties)}"
            raise RouteDataError(msg, path=path, record=label, field="properties")
        if properties.get("feature_type", "route") != "route":
            continue  # crossings, km posts and places of an exported file
        route_id = _feature_id(feature, path=path, label=label)
        if route_id in seen:
            msg = f"duplicate id {quote(route_id)}; give each feature its own id"
            raise RouteDataError(msg, path=path, record=route_id, field="id")
        seen.add(route_id)
        if feature.get("geometry", "missing") is None:
            warn_record(path, route_id, "geometry is null; feature skipped")
            continue
        parts, fields, has_z = _parts(feature.get("geometry"), path=path, label=route_id)
        if transform is not None:
            parts = [
                _reproject(part, transform, path=path, label=route_id, field=field)
                for part, field in zip(parts, fields, strict=True)
            ]
        if has_z:
            notes.heights(route_id)
        rows.append(
            imported_route(path=path, route_id=route_id, values=properties, parts=parts, fields=fields, notes=notes,
                           prefix="properties.")
        )  # fmt: skip
    if not rows:
        msg = "no route features (all are skipped or points of another feature_type); add LineString features"
        raise RouteDataError(msg, path=path, field="features")
    notes.warn()
    return route_frame(rows)


def _feature_id(feature: dict[str, Any], *, path: Path, label: str) -> str:
    candidate = _id_candidate(feature)
    if candidate is None:
        msg = "no id: set the feature's 'id' or a 'ProjectID' or 'name' property"
        raise RouteDataError(msg, path=path, record=label, field="id")
    field, value = candidate
    if isinstance(value, OversizedNumber):
        msg = f"id {value!r} is longer than {ID_MAX_CHARS} characters; shorten it"
        raise RouteDataError(msg, path=path, record=label, field=field)
    return check_id(value, path=path, record=label, field=field)


def _id_candidate(feature: dict[str, Any]) -> tuple[str, Any] | None:
    """The field and value of the feature's ``id`` member, else of its first id property, or None."""
    properties = feature.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    candidates = [("id", feature.get("id")), *((f"properties.{k}", properties.get(k)) for k in ID_PROPERTIES)]
    return next(((field, value) for field, value in candidates if not absent(value)), None)


def _parts(geometry: object, *, path: Path, label: str) -> tuple[list[np.ndarray], list[str], bool]:
    """Return a line geometry's parts as ``(n, 2)`` float arrays, their field names and whether heights were given."""
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
        msg = f"coordinates are {quote(coordinates)}; a MultiLineString needs an array of lines"
        raise RouteDataError(msg, path=path, record=label, field="geometry.coordinates")
    else:
        msg = f"geometry type {quote(kind)} is not a line; give a LineString or MultiLineString"
        raise RouteDataError(msg, path=path, record=label, field="geometry.type")
    parts, fields, has_z = [], [], False
    for p, raw in enumerate(raw_parts):
        field = "geometry.coordinates" if kind == "LineString" else f"geometry.coordinates[{p}]"
        if isinstance(raw, np.ndarray):  # made by _compact_lines while parsing: numbers only
            part = raw
        elif not isinstance(raw, list) or not raw:
            msg = f"coordinates are {quote(raw)}; give an array of [lon, lat] positions"
            raise RouteDataError(msg, path=path, record=label, field=field)
        else:
            part = _positions(raw, path=path, label=label, field=field)
        has_z = has_z or part.shape[1] == 3
        parts.append(np.ascontiguousarray(part[:, :2]))
        fields.append(field)
    return parts, fields, has_z


def _positions(raw: list[Any], *, path: Path, label: str, field: str) -> np.ndarray:
    """Check positions one by one (lists that are not all numbers): the message names the bad one."""
    part = np.empty((len(raw), 3 if any(isinstance(p, list) and len(p) == 3 for p in raw) else 2))
    for i, position in enumerate(raw):
        if not isinstance(position, list) or not 2 <= len(position) <= 3:
            msg = f"position {quote(position)} is not [lon, lat] or [lon, lat, height]"
            raise RouteDataError(msg, path=path, record=label, field=f"{field}[{i}]")
        part[i, 0] = check_number(position[0], path=path, record=label, field=f"{field}[{i}][0]")
        part[i, 1] = check_number(position[1], path=path, record=label, field=f"{field}[{i}][1]")
    return part


def _reproject(part: np.ndarray, transform: Transformer, *, path: Path, label: str, field: str) -> np.ndarray:
    lon, lat = transform.transform(part[:, 0], part[:, 1])
    out = np.column_stack([lon, lat])
    bad = np.flatnonzero(~np.isfinite(out).all(axis=1))
    if len(bad):
        i = int(bad[0])
        msg = f"position ({part[i, 0]:g}, {part[i, 1]:g}) has no WGS84 position in the file's crs; check the crs member"
        raise RouteDataError(msg, path=path, record=label, field=f"{field}[{i}]")
    return out


def _crs_transform(crs: object, *, path: Path) -> Transformer | None:
    """Return a lon/lat transformer for a legacy GeoJSON ``crs`` member, or None for WGS84."""
    if crs is None:
        return None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not name.strip():
        msg = f"crs member {quote(crs)} has no properties.name text; remove it (RFC 7946 GeoJSON is WGS84)"
        raise RouteDataError(msg, path=path, field="crs")
    try:
        source = CRS.from_user_input(name)
    except (CRSError, ProjError, ValueError, TypeError):
        msg = f"unknown crs {quote(name)}; reproject the file to WGS84 (EPSG:4326) and remove the crs member"
        raise RouteDataError(msg, path=path, field="crs") from None
    if source.equals("EPSG:4326") or source.equals("OGC:CRS84"):
        return None
    if not (source.is_geographic or source.is_projected) or len(source.axis_info) != 2:
        msg = f"crs {quote(name)} is not a 2D geographic or projected CRS; reproject the file to WGS84 (EPSG:4326)"
        raise RouteDataError(msg, path=path, field="crs")
    try:
        return Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    except (CRSError, ProjError):
        msg = f"crs {quote(name)} cannot be transformed to WGS84; reproject the file to WGS84 (EPSG:4326)"
        raise RouteDataError(msg, path=path, field="crs") from None


# --------------------------------------------------------------------------
# parsing

INT_MAX_DIGITS = 200
"""JSON integers longer than this are kept as :class:`OversizedNumber` (Python
refuses to convert over 4,300 digits, and no coordinate or id needs 200)."""


def _read_json(path: Path) -> Any:
    def parse(text: str) -> Any:
        return json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int, object_hook=_compact_lines)

    empty = "expected a GeoJSON FeatureCollection"
    return parse_file(path, parse, language="JSON", what="UTF-8 text (GeoJSON)", empty=empty)


def _reject_constant(name: str) -> float:
    msg = f"{name} is not a number in JSON (RFC 8259); remove it or use null"
    raise ValueError(msg)


def _parse_int(text: str) -> int | OversizedNumber:
    return int(text) if len(text) <= INT_MAX_DIGITS else OversizedNumber(text)


def _compact_lines(obj: dict[str, Any]) -> dict[str, Any]:
    """Turn the positions of a (Multi)LineString into numpy arrays while parsing, where they are all numbers."""
    kind = obj.get("type")
    coordinates = obj.get("coordinates")
    if kind == "LineString":
        array = _compact(coordinates)
        if array is not None:
            obj["coordinates"] = array
    elif kind == "MultiLineString" and type(coordinates) is list:
        for p, part in enumerate(coordinates):
            array = _compact(part)
            if array is not None:
                coordinates[p] = array
    return obj


def _compact(positions: object) -> np.ndarray | None:
    """``(n, 2)`` or ``(n, 3)`` floats from a list of number pairs or triples, else None (checked one by one later)."""
    if type(positions) is not list or not positions:
        return None
    try:
        array = np.array(positions)
    except (ValueError, TypeError, OverflowError, RecursionError):  # ragged, nested too deep
        return None
    if array.ndim != 2 or array.shape[1] not in (2, 3) or array.dtype.kind not in "if":
        return None
    # numpy reads true/false mixed with numbers as 1/0: keep such lists for the exact check
    rows, cols = np.nonzero((array == 0) | (array == 1))
    if any(type(positions[r][c]) is bool for r, c in zip(rows.tolist(), cols.tolist(), strict=True)):
        return None
    return array.astype(float)
