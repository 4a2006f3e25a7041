"""GeoPackage and KML routes, read through GDAL (pyogrio)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import RouteDataError, quote
from geo.readers.common import FileNotes, absent, check_id, imported_route, route_frame, warn_record

ID_FIELDS = ("route_id", "id", "ProjectID", "name", "Name")
"""Fields that name a feature, first found wins (``Name`` is a KML placemark's name)."""


def load_gis_routes(path: Path | str) -> gpd.GeoDataFrame:
    """Read routes through GDAL: GeoPackage (layer ``routes``, else the first) or KML.

    Parameters
    ----------
    path
        A ``.gpkg`` or ``.kml`` file of LineString or MultiLineString
        features; ids come from a ``route_id``, ``id``, ``ProjectID`` or
        ``name`` field (``Name`` in KML); a KML placemark with none of them
        is named ``<file stem>-<n>`` after its place in the file. Attributes
        are checked as in GeoJSON. Other CRSs are reprojected to WGS84;
        heights and repeated consecutive positions are dropped with one
        warning per file.

    Returns
    -------
    routes
        The columns of :data:`~geo.readers.common.ROUTE_COLUMNS`.
    """
    import pyogrio

    path = Path(path)
    kind = path.suffix[1:].upper()
    try:
        # GDAL's complaints about a damaged file (e.g. "bad application_id") and shapely's about NaN
        # coordinates come as RuntimeWarnings: the file is refused, or the record named, below, in one line.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = [name for name, _ in pyogrio.list_layers(path)]
            layer = "routes" if "routes" in layers else layers[0]
            frame = pyogrio.read_dataframe(path, layer=layer)
        if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs(4326)
    except Exception as exc:  # GDAL and PROJ raise several types for unreadable files  # noqa: BLE001
        msg = f"cannot read it as {kind} ({exc.__class__.__name__}); check the file"
        raise RouteDataError(msg, path=path) from None
    rows = []
    seen: set[str] = set()
    notes = FileNotes(path)
    columns = [c for c in frame.columns if c != "geometry"]
    cells_by_row = zip(frame.geometry.values, *(frame[c].values for c in columns), strict=True)
    for number, (geometry, *cells) in enumerate(cells_by_row, start=1):
        values = {column: _plain(cell) for column, cell in zip(columns, cells, strict=True)}
        if values.get("feature_type", "route") not in ("route", None):
            continue  # crossings, km posts and places of an export
        label = f"feature #{number}"
        fallback = f"{path.stem}-{number}" if kind == "KML" else None  # KML placemarks rarely carry ids
        route_id = _feature_id(values, path=path, label=label, fallback=fallback)
        if route_id in seen:
            msg = f"duplicate id {quote(route_id)}; give each feature its own id"
            raise RouteDataError(msg, path=path, record=route_id, field="id")
        seen.add(route_id)
        if geometry is None:
            warn_record(path, route_id, "geometry is null; feature skipped")
            continue
        if shapely.has_z(geometry):
            notes.heights(route_id)
        geometry = shapely.force_2d(geometry)
        if geometry.geom_type not in ("LineString", "MultiLineString"):
            msg = f"geometry type {geometry.geom_type!r} is not a line; give a LineString or MultiLineString"
            raise RouteDataError(msg, path=path, record=route_id, field="geometry")
        parts = [shapely.get_coordinates(part) for part in shapely.get_parts(geometry)]
        fields = [f"geometry[{p}]" for p in range(len(parts))]
        rows.append(
            imported_route(path=path, route_id=route_id, values=values, parts=parts, fields=fields, notes=notes,
                           name_keys=("name", "Name"))
        )  # fmt: skip
    if not rows:
        msg = "no line features; add LineString features"
        raise RouteDataError(msg, path=path)
    notes.warn()
    return route_frame(rows)


def _feature_id(values: dict[str, Any], *, path: Path, label: str, fallback: str | None) -> str:
    field = next((f for f in ID_FIELDS if not absent(values.get(f))), None)
    if field is not None:
        return check_id(values[field], path=path, record=label, field=field)
    if fallback is None:
        msg = f"no id: give the feature a {', '.join(repr(f) for f in ID_FIELDS[:-1])} field"
        raise RouteDataError(msg, path=path, record=label, field="id")
    return fallback


def _plain(cell: object) -> object:
    """A GDAL cell as a plain Python value: numpy scalars unwrapped, NaN and NaT (missing) as None."""
    if isinstance(cell, np.generic):
        cell = cell.item()
    if isinstance(cell, float) and math.isnan(cell):
        return None
    if cell is gpd.pd.NaT:
        return None
    return cell
