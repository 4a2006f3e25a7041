"""Country boundaries: loading them and indexing them for fast overlays.

The shipped boundaries are Natural Earth 1:10m admin-0 countries, clipped to
the study box by ``tools/build_countries.py`` (which records the version and
SHA-256 in ``geo/data/countries.source.json``). Natural Earth draws de facto
borders and its polygons are land only: a route over the Gulf of Ob is in no
country there, and is reported under :data:`NO_COUNTRY`. Beyond the box of the
extract nothing is known, and that length is reported under :data:`OUTSIDE`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from geo.errors import RouteDataError
from geo.readers.common import read_feature_collection

NO_COUNTRY = "none"
"""Key for route length inside the boundary extract that lies in no country
polygon: sea, and lakes cut out of the land polygons."""
OUTSIDE = "outside"
"""Key for route length outside the box of the boundary extract, where the
country is not known (never counted as water)."""
NOT_A_COUNTRY = (NO_COUNTRY, OUTSIDE)
_CHUNK_VERTICES = 64


def load_countries(path: Path | str) -> gpd.GeoDataFrame:
    """Read country polygons with an ``iso3`` and a ``name`` property.

    Parameters
    ----------
    path
        A GeoJSON file in lon/lat, one (Multi)Polygon feature per country.

    Returns
    -------
    countries
        GeoDataFrame in EPSG:4326 with columns ``iso3``, ``name``, ``geometry``.
    """
    path = Path(path)
    frame = read_feature_collection(path, what="country boundaries", fix="rebuild them with tools/build_countries.py")
    for column in ("iso3", "name"):
        if column not in frame.columns:
            msg = f"missing property {column!r}; rebuild the file with tools/build_countries.py"
            raise RouteDataError(msg, path=path, field=column)
    return frame[["iso3", "name", "geometry"]].set_crs(4326, allow_override=True)


def load_source_record(path: Path | str) -> dict[str, object]:
    """Read the provenance record written by ``tools/build_countries.py``.

    Parameters
    ----------
    path
        ``countries.source.json``.

    Returns
    -------
    record
        Dataset name, version, attribution and SHA-256 sums.
    """
    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class CountryIndex:
    """Country polygons and their boundary lines, spatially indexed.

    Building the index costs a few hundred milliseconds; build it once and
    reuse it for every route (see :func:`build_country_index`).

    Attributes
    ----------
    iso3
        ISO3 code of each polygon in ``polygons``.
    polygons
        One (Multi)Polygon per country.
    boundary_chunks
        All borders and coastlines, cut into short LineStrings (a shared
        border appears once per country).
    boundary_tree
        STRtree over ``boundary_chunks``.
    box_lonlat
        West, south, east, north of the extract, degrees; its outline is
        among ``boundary_chunks`` so a route is split where it leaves the box.
    """

    iso3: NDArray[np.object_]
    polygons: NDArray[np.object_]
    boundary_chunks: NDArray[np.object_]
    boundary_tree: shapely.STRtree
    box_lonlat: tuple[float, float, float, float]

    def country_of(self, points: NDArray[np.object_]) -> NDArray[np.object_]:
        """Return the ISO3 code of the country containing each point.

        Parameters
        ----------
        points
            Array of shapely Points in lon/lat.

        Returns
        -------
        iso3
            Array of codes, :data:`NO_COUNTRY` for points in no polygon,
            :data:`OUTSIDE` for points outside :attr:`box_lonlat`.
        """
        lonlat = shapely.get_coordinates(points)
        number = self.polygon_of(lonlat[:, 0], lonlat[:, 1])
        west, south, east, north = self.box_lonlat
        inside = (lonlat[:, 0] >= west) & (lonlat[:, 0] <= east) & (lonlat[:, 1] >= south) & (lonlat[:, 1] <= north)
        found = np.full(len(points), NO_COUNTRY, dtype=object)
        found[number >= 0] = self.iso3[number[number >= 0]]
        found[~inside] = OUTSIDE  # the box wins: beyond it the data says nothing
        return found

    def polygon_of(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the position in :attr:`polygons` of the country holding each point.

        Parameters
        ----------
        lon, lat
            Coordinates of the points, degrees.

        Returns
        -------
        number
            Index into :attr:`polygons` and :attr:`iso3`; -1 for points in no
            polygon. A point on a border shared by two polygons gets the first.
        """
        number = np.full(len(lon), -1, dtype=np.int64)
        # Each polygon, prepared once (shapely keeps it), tests only the points
        # in its bounding box that no earlier polygon holds: for the couple of
        # dozen countries of the extract this is 4 times faster than an STRtree
        # of the points (and needs no Point objects).
        shapely.prepare(self.polygons)
        for i, (west, south, east, north) in enumerate(shapely.bounds(self.polygons)):
            near = np.flatnonzero((number < 0) & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
            if len(near):
                number[near[shapely.intersects_xy(self.polygons[i], lon[near], lat[near])]] = i
        return number


def build_country_index(
    countries: gpd.GeoDataFrame, *, box_lonlat: tuple[float, float, float, float] | None = None
) -> CountryIndex:
    """Index country polygons and their boundaries for route overlays.

    Parameters
    ----------
    countries
        Output of :func:`load_countries` (EPSG:4326).
    box_lonlat
        West, south, east, north of the extract, degrees; default: the
        bounds of ``countries`` (the shipped extract is clipped to its box,
        ``box_lonlat`` in ``countries.source.json``).

    Returns
    -------
    index
        A :class:`CountryIndex`.
    """
    if countries.crs is None or not countries.crs.equals("EPSG:4326"):
        msg = f"country boundaries must be in EPSG:4326 (lon/lat), got {countries.crs}"
        raise RouteDataError(msg)
    polygons = np.asarray(countries.geometry.values, dtype=object)
    # Every ring of every polygon, in short pieces. A shared border is there
    # twice (once per country, on the same vertices, as Natural Earth is an
    # exact coverage): the measurement drops the repeated crossing it yields.
    # Noding the linework with union_all first would cost more than it saves.
    box = tuple(float(v) for v in (countries.total_bounds if box_lonlat is None else box_lonlat))
    lines = np.r_[shapely.get_parts(shapely.boundary(polygons)), shapely.boundary(shapely.box(*box))]
    chunks = _chunk_lines(lines, _CHUNK_VERTICES)
    return CountryIndex(
        iso3=countries["iso3"].to_numpy(dtype=object),
        polygons=polygons,
        boundary_chunks=chunks,
        boundary_tree=shapely.STRtree(chunks),
        box_lonlat=box,  # type: ignore[arg-type]
    )


def _chunk_lines(lines: NDArray[np.object_], max_vertices: int) -> NDArray[np.object_]:
    """Cut lines into pieces of at most ``max_vertices`` vertices (sharing ends)."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    ends = np.r_[starts[1:], len(coords)]
    pieces = []
    step = max_vertices - 1
    for start, end in zip(starts, ends, strict=True):
        for first in range(start, end - 1, step):
            pieces.append(coords[first : min(first + max_vertices, end)])
    return np.asarray([shapely.LineString(p) for p in pieces], dtype=object)
