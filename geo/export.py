"""Export measured routes: GeoJSON, GeoPackage, KML (and the CSV of geo.compare).

:func:`routes_geojson` returns text; :func:`write_gpkg` and :func:`write_kml`
write through GDAL (pyogrio) to the path they are given. The command line
(``make_maps.py``) decides where files go and writes them atomically.

GeoJSON files hold one FeatureCollection: the routes (``feature_type``
``"route"``) and, in files written by ``export``, as Point features their
border crossings (``"border_crossing"``), kilometre posts (``"km_post"``) and
the named places (``"place"``). Reading a file back with ``--routes`` takes
the route features and skips the points.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

GEOJSON_DECIMALS = 6
"""Coordinate decimals in GeoJSON output (about 0.1 m), as RFC 7946 advises."""


def routes_geojson(
    measured: gpd.GeoDataFrame,
    records: Sequence[Mapping[str, Any]],
    *,
    method: Mapping[str, Any],
    points: bool = False,
    places: gpd.GeoDataFrame | None = None,
) -> str:
    """Return measured routes as an RFC 7946 FeatureCollection.

    Parameters
    ----------
    measured
        Output of :func:`geo.measure.measure_routes`; its densified geometry
        is written, so the file holds the line that was measured.
    records
        :func:`geo.compare.comparison_records` for the same routes, in the
        same order; they become the feature properties.
    method
        How the numbers were made (ellipsoid, spacing, boundary data, date);
        written into every route's ``method`` property.
    points
        Whether to add each route's border crossings and kilometre posts as
        Point features (``export`` does; the maps' ``routes.geojson`` holds
        the routes only).
    places
        Named points to add as ``"place"`` features, or None.

    Returns
    -------
    text
        RFC 7946 GeoJSON: lon/lat, no ``crs`` member, at most
        :data:`GEOJSON_DECIMALS` decimals, lines that cross the antimeridian
        split into MultiLineStrings; one feature per line of text.
    """
    features = []
    for geometry, record in zip(measured.geometry.values, records, strict=True):
        features.append(
            {
                "type": "Feature",
                "id": record["id"],
                "properties": {"feature_type": "route", **record, "method": dict(method)},
                "geometry": _geometry(split_antimeridian(geometry)),
            }
        )
    tables = point_tables(measured, records, places) if points else {}
    if not points and places is not None:
        tables = {"places": point_tables(measured, records, places)["places"]}
    for table in tables.values():
        # to_dict, not itertuples: a namedtuple renames a column called "from" (a keyword) to "_2".
        rows = table.drop(columns="geometry").to_dict("records")
        for properties, geometry in zip(rows, table.geometry.values, strict=True):
            point = [round(geometry.x, GEOJSON_DECIMALS), round(geometry.y, GEOJSON_DECIMALS)]
            features.append({"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": point}})
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False) for f in features)
    return '{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n"


def _geometry(geometry: shapely.Geometry) -> dict[str, Any]:
    coords = shapely.get_coordinates(geometry)
    rounded = np.round(coords, GEOJSON_DECIMALS)
    if isinstance(geometry, shapely.LineString):
        return {"type": "LineString", "coordinates": rounded.tolist()}
    parts = []
    offset = 0
    for part in shapely.get_parts(geometry):
        n = shapely.get_num_coordinates(part)
        parts.append(rounded[offset : offset + n].tolist())
        offset += n
    return {"type": "MultiLineString", "coordinates": parts}


def split_antimeridian(geometry: shapely.Geometry) -> shapely.Geometry:
    """Split a line where it crosses the antimeridian (RFC 7946, section 3.1.9).

    A step of more than 180 degrees of longitude between two vertices is
    taken as a crossing of 180 E/W; the line is cut there, at the latitude
    interpolated across the crossing, into a MultiLineString.

    Parameters
    ----------
    geometry
        LineString or MultiLineString in lon/lat.

    Returns
    -------
    geometry
        The same geometry if it does not cross, else a MultiLineString.

    Examples
    --------
    >>> split_antimeridian(shapely.LineString([(179, 0), (-179, 2)])).wkt
    'MULTILINESTRING ((179 0, 180 1), (-180 1, -179 2))'
    """
    parts = []
    for part in shapely.get_parts(geometry):
        coords = shapely.get_coordinates(part)
        current = [coords[0].tolist()]
        for (x0, y0), (x1, y1) in itertools.pairwise(coords):
            if abs(x1 - x0) > 180:
                edge = 180.0 if x0 > 0 else -180.0
                span = (edge - x0) + (-edge - x1) * -1  # both legs to the meridian, unwrapped
                t = (edge - x0) / span if span else 0.5
                y = y0 + t * (y1 - y0)
                current.append([edge, y])
                parts.append(current)
                current = [[-edge, y]]
            current.append([x1, y1])
        parts.append(current)
    if len(parts) == 1:
        return geometry
    return shapely.MultiLineString(parts)


def point_tables(
    measured: gpd.GeoDataFrame,
    records: Sequence[Mapping[str, Any]],
    places: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the point features of an export as flat tables.

    Parameters
    ----------
    measured, records
        As for :func:`routes_geojson`.
    places
        Named points, or None.

    Returns
    -------
    tables
        ``{"border_crossings": ..., "km_posts": ..., "places": ...}`` in
        EPSG:4326, each with a ``feature_type`` column (places only when given).
    """
    crossings = [
        {"feature_type": "border_crossing", "route_id": r["id"], "from": c["from"], "to": c["to"], "km": c["km"],
         "geometry": shapely.Point(c["lon"], c["lat"])}
        for r in records for c in r["border_crossings"]
    ]  # fmt: skip
    posts = [
        {"feature_type": "km_post", "route_id": r["id"], "km": round(float(m) / 1000, 3),
         "geometry": shapely.Point(lon, lat)}
        for r, table in zip(records, measured["km_posts"], strict=True)
        for m, lon, lat in np.asarray(table).reshape(-1, 3)
    ]  # fmt: skip
    tables = {
        "border_crossings": gpd.GeoDataFrame(crossings, geometry="geometry", crs="EPSG:4326")
        if crossings
        else _empty(["feature_type", "route_id", "from", "to", "km"]),
        "km_posts": gpd.GeoDataFrame(posts, geometry="geometry", crs="EPSG:4326")
        if posts
        else _empty(["feature_type", "route_id", "km"]),
    }
    if places is not None:
        table = places[["name", "category", "description", "coord_conf", "source", "geometry"]].copy()
        table["iso3"] = ["/".join(c) for c in places["countries"]]  # not "countries": routes use that key for km
        table.insert(0, "feature_type", "place")
        tables["places"] = table
    return tables


def _empty(columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))


def routes_table(measured: gpd.GeoDataFrame, records: Sequence[Mapping[str, Any]]) -> gpd.GeoDataFrame:
    """Return the routes as a flat table for GIS formats (nested fields as JSON text).

    Parameters
    ----------
    measured, records
        As for :func:`routes_geojson`.

    Returns
    -------
    routes
        One row per route in EPSG:4326: scalar fields as columns, km per
        country as ``km_<ISO3>`` columns, the basis km as ``basis_km``,
        ``basis_new_build_km``, ``basis_existing_km`` and
        ``basis_transit_km`` (empty without a path), crossings, segments,
        countries and the basis also as JSON text.
    """
    isos = sorted({iso for r in records for iso in r["countries"]})
    rows = []
    for record in records:
        row = {k: v for k, v in record.items() if not isinstance(v, (list, dict))}
        row.update({f"km_{iso}": record["countries"].get(iso, 0.0) for iso in isos})
        basis = record.get("basis") or {}
        row.update({f"basis_{key}": basis.get(key) for key in ("km", "new_build_km", "existing_km", "transit_km")})
        for key in ("countries", "border_crossings", "segments", "basis"):
            row[f"{key}_json"] = json.dumps(record.get(key), ensure_ascii=False, allow_nan=False)
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry=list(measured.geometry.values), crs="EPSG:4326")


def write_gpkg(path: Path, measured: gpd.GeoDataFrame, records: Sequence[Mapping[str, Any]], places: gpd.GeoDataFrame | None) -> None:
    """Write a GeoPackage with layers routes, border_crossings, km_posts (and places).

    Parameters
    ----------
    path
        The ``.gpkg`` file to create (replaced if it exists).
    measured, records, places
        As for :func:`routes_geojson`.
    """
    import pyogrio

    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(routes_table(measured, records), path, layer="routes", driver="GPKG")
    for layer, table in point_tables(measured, records, places).items():
        if len(table):
            pyogrio.write_dataframe(table, path, layer=layer, driver="GPKG", append=True)


def write_kml(path: Path, measured: gpd.GeoDataFrame, records: Sequence[Mapping[str, Any]]) -> None:
    """Write the routes as KML placemarks: name and a description table.

    Parameters
    ----------
    path
        The ``.kml`` file to create (replaced if it exists).
    measured, records
        As for :func:`routes_geojson`.
    """
    import html

    import pyogrio

    rows = []
    for record in records:
        cells = [("Length", f"{record['length_km']:,.1f} km (geodesic, WGS84)")]
        cells += [(f"in {iso}", f"{km:,.1f} km") for iso, km in record["countries"].items()]
        cells += [("Border crossings", ", ".join(f"{c['from']}>{c['to']} at km {c['km']:,.1f}" for c in record["border_crossings"]) or "none")]
        cells += [("Capacity", "-" if record["capacity_bcm"] is None else f"{record['capacity_bcm']:g} bcm/yr")]
        table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in cells)
        # "route_id": KML readers take "id" for the placemark's own id.
        rows.append({"route_id": record["id"], "Name": record["name"], "Description": f"<table>{table}</table>"})
    frame = gpd.GeoDataFrame(rows, geometry=list(measured.geometry.values), crs="EPSG:4326")
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, path, driver="KML", layer="routes")
