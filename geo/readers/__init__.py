"""Route files of every format, behind one :func:`read_routes`.

One module per format: :mod:`geo.readers.geojson`, :mod:`geo.readers.csv`
(waypoints), :mod:`geo.readers.gis` (GeoPackage, KML); the project's TOML
catalog is :mod:`geo.catalog`. All of them check their records with the
functions of :mod:`geo.readers.common`, so a rule (ids, text, numbers,
coordinates, repeated positions) holds the same in every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from geo.errors import RouteDataError, quote
from geo.readers.common import warn_record
from geo.readers.csv import CSV_COLUMNS, load_csv_routes
from geo.readers.geojson import load_geojson_routes
from geo.readers.gis import load_gis_routes

__all__ = ["CSV_COLUMNS", "load_csv_routes", "load_geojson_routes", "load_gis_routes", "read_routes"]


def read_routes(paths: Sequence[Path | str]) -> gpd.GeoDataFrame:
    """Read one or more route files (TOML catalog, GeoJSON, CSV, GeoPackage, KML) into one table.

    Parameters
    ----------
    paths
        Files to read; the suffix says the format: ``.toml`` is the catalog,
        ``.geojson`` or ``.json`` GeoJSON, ``.csv`` waypoints, ``.gpkg`` and
        ``.kml`` are read through GDAL.

    Returns
    -------
    routes
        One row per route in EPSG:4326 with the columns of
        :data:`~geo.readers.common.ROUTE_COLUMNS`; ``geometry`` is a
        LineString (or MultiLineString) in lon/lat.
        An ``option`` that names no route of these files is dropped (set to
        None) with one :class:`~geo.errors.RouteDataWarning` per route.

    Raises
    ------
    RouteDataError
        On any invalid record, or an id that appears twice across the files.
    """
    from geo.catalog import load_catalog  # geo.catalog re-exports this module's names

    loaders = {".toml": load_catalog, ".geojson": load_geojson_routes, ".json": load_geojson_routes,
               ".csv": load_csv_routes, ".gpkg": load_gis_routes, ".kml": load_gis_routes}  # fmt: skip
    frames = []
    seen: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        loader = loaders.get(path.suffix.lower())
        if loader is None:
            msg = f"unknown route file type {path.suffix!r}; use .toml (catalog), .geojson, .gpkg, .kml or .csv (waypoints)"  # noqa: E501
            raise RouteDataError(msg, path=path)
        frame = loader(path)
        for route_id in frame["id"]:
            if route_id in seen:
                msg = f"duplicate route id {quote(route_id)}, also in {seen[route_id]}; give each route its own id"
                raise RouteDataError(msg, path=path, record=route_id, field="id")
            seen[route_id] = path
        frames.append(frame)
    if not frames:
        msg = "no route files given"
        raise RouteDataError(msg)
    routes = gpd.GeoDataFrame(gpd.pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    for row, (route_id, option) in enumerate(zip(routes["id"], routes["option"], strict=True)):
        if option is not None and option not in seen:
            problem = f"option {quote(option)} names no route read; the line keeps its own colour"
            warn_record(seen[route_id], route_id, problem)
            routes.at[row, "option"] = None
    return routes
