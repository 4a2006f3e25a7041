"""Waypoint CSV routes: one row per waypoint, ``route_id,seq,name,lon,lat``."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np

from geo.errors import RouteDataError, quote
from geo.readers.common import (
    FileNotes,
    check_id,
    check_lonlat,
    check_text,
    csv_rows,
    decimal_cell,
    imported_route,
    not_repeated,
    route_frame,
)

CSV_COLUMNS = ("route_id", "seq", "name", "lon", "lat")
SEQ = re.compile(r"[0-9]{1,9}")
"""``seq``: ASCII digits, at most nine (``str.isdigit`` also takes ``¹`` and ``٣``)."""


def load_csv_routes(path: Path | str) -> gpd.GeoDataFrame:
    """Read routes from a CSV of waypoints, one row per waypoint.

    Parameters
    ----------
    path
        UTF-8 CSV with the columns ``route_id,seq,name,lon,lat``, each once
        (others are ignored): ``seq`` numbers each route's waypoints 1, 2,
        3, ... with no gap, in any row order; lon and lat are plain decimals.
        A waypoint at the same place as the one before it is dropped, with
        one warning per file that counts them.

    Returns
    -------
    routes
        The columns of :data:`~geo.readers.common.ROUTE_COLUMNS`; the
        waypoints keep their names.

    Raises
    ------
    RouteDataError
        Naming the file, the line and the column: missing or repeated
        columns, bad ids, numbers or ``seq``, coordinates out of range,
        repeated or missing ``seq``, fewer than two distinct points.
    """
    path = Path(path)
    waypoints: dict[str, dict[int, tuple[int, str, float, float]]] = {}
    for line, row in csv_rows(path, CSV_COLUMNS):
        where = {"path": path, "line": line}
        if not row["route_id"]:
            msg = "missing route_id; every waypoint names its route"
            raise RouteDataError(msg, field="route_id", **where)
        try:
            route_id = check_id(row["route_id"], path=path, record=None, field="route_id")
            name = check_text(row["name"], path=path, record=route_id, field="name")
        except RouteDataError as exc:
            raise RouteDataError(exc.problem, field=exc.field, **where) from None
        if not SEQ.fullmatch(row["seq"]) or int(row["seq"]) < 1:
            msg = f"seq {quote(row['seq'])} is not a whole number from 1 up (ASCII digits, at most 9)"
            raise RouteDataError(msg, field="seq", **where)
        seq = int(row["seq"])
        lon, lat = (decimal_cell(row[c], field=c, example="104.28", **where) for c in ("lon", "lat"))
        try:
            check_lonlat(lon, lat, path=None, label=None)
        except RouteDataError as exc:
            raise RouteDataError(exc.problem, field=exc.field, **where) from None
        route = waypoints.setdefault(route_id, {})
        if seq in route:
            msg = f"seq {seq} of route {quote(route_id)} repeats line {route[seq][0]}; number the waypoints 1, 2, 3, ..."  # noqa: E501
            raise RouteDataError(msg, field="seq", **where)
        route[seq] = (line, name or f"{route_id} {seq}", lon, lat)
    if not waypoints:
        msg = "no waypoints under the header; add rows route_id,seq,name,lon,lat"
        raise RouteDataError(msg, path=path)
    rows = []
    notes = FileNotes(path)
    for route_id, points in waypoints.items():
        if max(points) != len(points):
            gap = next(n for n in range(1, len(points) + 1) if n not in points)
            found = ", ".join(map(str, sorted(points)[:10])) + (", ..." if len(points) > 10 else "")
            msg = f"seq {gap} is missing (found {found}); number the waypoints without gaps"
            raise RouteDataError(msg, path=path, record=route_id, field="seq")
        ordered = [points[n] for n in range(1, len(points) + 1)]
        coords = np.array([(lon, lat) for _, _, lon, lat in ordered])
        row = imported_route(path=path, route_id=route_id, values={}, parts=[coords], fields=["waypoints"], notes=notes)
        keep = not_repeated(coords)
        row["waypoints"] = [
            {"name": name, "lon": lon, "lat": lat} for (_, name, lon, lat), k in zip(ordered, keep, strict=True) if k
        ]
        row["name"] = route_id
        rows.append(row)
    notes.warn()
    return route_frame(rows)
