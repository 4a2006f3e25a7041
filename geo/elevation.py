"""Terrain along the routes: a coarse elevation grid and route profiles.

The grid is pvlib's 5 arc-minute altitude map cut to the study box by
``tools/build_elevation.py``: cells of 1/12 degree (9 km north-south,
3-7 km east-west), heights in 28 m steps, peaks smoothed by the cell mean,
no data over sea and large lakes. It shows what a route climbs at the scale
of the whole line; it is no survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.errors import RouteDataError
from geo.geodesic import points_along_m, segment_lengths_m

DEFAULT_PROFILE_SPACING_M = 5_000.0
"""Profiles sample the ground at least this often along the route."""


@dataclass(frozen=True)
class ElevationGrid:
    """A regular lon/lat grid of heights (metres; NaN where there are none).

    Attributes
    ----------
    height_m
        Array (rows, cols); row 0 is the northern edge.
    lon0, lat0
        Centre of cell (0, 0), degrees.
    step_deg
        Cell size, degrees.
    """

    height_m: NDArray[np.float64]
    lon0: float
    lat0: float
    step_deg: float

    def sample(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the height of the cell holding each point (NaN outside the grid).

        Parameters
        ----------
        lon, lat
            Degrees.

        Returns
        -------
        height_m
            Metres above sea level.
        """
        col = np.floor((np.asarray(lon) - self.lon0) / self.step_deg + 0.5).astype(np.int64)
        row = np.floor((self.lat0 - np.asarray(lat)) / self.step_deg + 0.5).astype(np.int64)
        rows, cols = self.height_m.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        out = np.full(np.shape(lon), np.nan)
        out[inside] = self.height_m[row[inside], col[inside]]
        return out


def load_elevation(path: Path | str) -> ElevationGrid:
    """Read the grid written by ``tools/build_elevation.py``.

    Parameters
    ----------
    path
        ``elevation_5min.npz``.

    Returns
    -------
    grid
        Heights decoded as ``code * 28 - 450`` m, code 255 as NaN.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            code = data["code"]
            lon0, lat0, step = float(data["lon0"]), float(data["lat0"]), float(data["step_deg"])
    except (OSError, KeyError, ValueError) as exc:
        msg = f"cannot read the elevation grid ({exc.__class__.__name__}); rebuild it with tools/build_elevation.py"
        raise RouteDataError(msg, path=path) from None
    height = np.where(code == 255, np.nan, code.astype(np.float64) * 28.0 - 450.0)
    return ElevationGrid(height, lon0, lat0, step)


def route_profile(
    geometry: shapely.Geometry, grid: ElevationGrid, *, spacing_m: float = DEFAULT_PROFILE_SPACING_M
) -> dict[str, Any]:
    """Sample the ground along a route and summarise the climb.

    Parameters
    ----------
    geometry
        The route in lon/lat (LineString or MultiLineString, parts end to end).
    grid
        From :func:`load_elevation`.
    spacing_m
        Sampling step along the geodesic, metres (the last point is the end).

    Returns
    -------
    profile
        ``distance_m`` and ``height_m`` arrays (NaN where the grid has no
        data), ``lon``/``lat`` of the samples, ``max_m``/``min_m`` with their
        ``max_lonlat``/``min_lonlat``, and ``ascent_m``/``descent_m``: the
        sums of rises and falls between consecutive samples that have data.
    """
    coords, owner = shapely.get_coordinates(shapely.get_parts(geometry), return_index=True)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    lon, lat = coords[:, 0], coords[:, 1]
    cum = np.r_[0.0, np.cumsum(segment_lengths_m(lon, lat, starts))]
    length = cum[-1]
    targets = np.r_[np.arange(0.0, length, spacing_m), length]
    plon, plat, _ = points_along_m(lon, lat, cum, targets)
    height = grid.sample(plon, plat)
    known = np.flatnonzero(np.isfinite(height))
    steps = np.diff(height[known])
    profile: dict[str, Any] = {
        "distance_m": targets,
        "height_m": height,
        "lon": plon,
        "lat": plat,
        "ascent_m": float(steps[steps > 0].sum()),
        "descent_m": float(-steps[steps < 0].sum()),
    }
    if len(known):
        top, bottom = known[np.argmax(height[known])], known[np.argmin(height[known])]
        profile.update(
            max_m=float(height[top]), max_lonlat=(float(plon[top]), float(plat[top])),
            min_m=float(height[bottom]), min_lonlat=(float(plon[bottom]), float(plat[bottom])),
        )  # fmt: skip
    else:
        profile.update(max_m=None, max_lonlat=None, min_m=None, min_lonlat=None)
    return profile
