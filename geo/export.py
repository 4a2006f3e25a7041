"""Export measured routes as text: GeoJSON and the comparison CSV.

Writers here return strings; the command line (``make_maps.py``) decides
where they go and writes them atomically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
        written into every feature's ``method`` property.

    Returns
    -------
    text
        Compact GeoJSON, lon/lat, no ``crs`` member, at most
        :data:`GEOJSON_DECIMALS` decimals, one feature per line.
    """
    features = []
    for geometry, record in zip(measured.geometry.values, records, strict=True):
        features.append(
            {
                "type": "Feature",
                "id": record["id"],
                "properties": {**record, "method": dict(method)},
                "geometry": _geometry(geometry),
            }
        )
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
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
