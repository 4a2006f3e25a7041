"""Least-cost paths over a cost grid (the solver of the route suggestions).

The grid is a raster in a projected CRS (the study-area projection for real
routes): ``cost`` per cell, ``inf`` where a line may not go (lakes, avoided
countries), and ``zone``, an integer per cell (the country), so that a border
crossing can carry a cost of its own. Cells connect to their eight
neighbours; a step costs its length (one cell, or the diagonal) times the
mean cost of the two cells, plus ``crossing_cost`` when it changes zone. The
shortest path is found with Dijkstra's algorithm
(``scipy.sparse.csgraph.dijkstra``), leg by leg through the via points.

:func:`cost_surface` builds that grid from slope (the elevation grid),
country multipliers, lakes, protected areas and avoided countries;
:func:`suggest_route` runs both for a start, via points and an end.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.catalog import read_text_file
from geo.countries import CountryIndex
from geo.elevation import ElevationGrid
from geo.errors import RouteDataError
from geo.geodesic import WGS84
from geo.projection import from_study, to_study

if TYPE_CHECKING:  # scipy is imported by the functions that solve: the map build needs none of it
    from scipy.sparse import csr_matrix

Cell = tuple[int, int]
Progress = Callable[[float, str], None]
"""A progress callback: the fraction of the work done (0 to 1) and a line saying what is being done."""


@dataclass(frozen=True)
class LeastCostPath:
    """A solved path.

    Attributes
    ----------
    cells
        ``(row, col)`` of every cell on the path, start to end.
    cost
        Total cost (cost units x metres, plus crossing costs).
    crossings
        Number of zone changes along the path.
    """

    cells: list[Cell]
    cost: float
    crossings: int


def least_cost_path(
    cost: NDArray[np.float64],
    waypoints: Sequence[Cell],
    *,
    cell_m: float,
    zone: NDArray[np.int64] | None = None,
    crossing_cost: float = 0.0,
    progress: Progress | None = None,
) -> LeastCostPath:
    """Find the cheapest 8-connected path through the waypoints, in order.

    Parameters
    ----------
    cost
        Cost per metre of each cell (rows x cols); ``inf`` or NaN: impassable.
    waypoints
        ``(row, col)`` cells: start, any via points, end.
    cell_m
        Cell size, metres.
    zone
        Integer zone of each cell (e.g. a country), or None.
    crossing_cost
        Added to every step between two zones (same units as a path cost).
    progress
        Called with the fraction done and a line of text when the graph is
        built and after each leg, or None.

    Returns
    -------
    path
        The cells, the total cost and the number of zone changes.

    Raises
    ------
    RouteDataError
        A waypoint outside the grid or on an impassable cell, a cell cost of
        0 or less, or no path.
    """
    from scipy.sparse.csgraph import dijkstra

    if np.isnan(cost).any():
        cost = np.where(np.isnan(cost), np.inf, cost)
    rows, cols = cost.shape
    for i, (r, c) in enumerate(waypoints):
        if not (0 <= r < rows and 0 <= c < cols):
            msg = f"waypoint {i} at cell ({r}, {c}) is outside the {rows} x {cols} grid"
            raise RouteDataError(msg, field="waypoints")
        if not np.isfinite(cost[r, c]):
            msg = (
                f"waypoint {i} at cell ({r}, {c}) is on an impassable cell"
                " (a lake or an avoided country, or within one cell of its edge)"
            )
            raise RouteDataError(msg, field="waypoints")
    if not (cost > 0).all():
        raise RouteDataError("every cell cost must be more than 0 (inf for impassable)", field="cost")
    graph = grid_graph(cost, cell_m=cell_m, zone=zone, crossing_cost=crossing_cost)
    legs = len(waypoints) - 1
    work = _GRAPH_SHARE_OF_A_LEG + legs
    if progress is not None:
        progress(_GRAPH_SHARE_OF_A_LEG / work, f"solving leg 1 of {legs}")
    cells: list[Cell] = [tuple(waypoints[0])]  # type: ignore[list-item]
    total = 0.0
    for leg, (start, end) in enumerate(pairwise(waypoints)):
        source, target = start[0] * cols + start[1], end[0] * cols + end[1]
        distances, predecessors = dijkstra(graph, directed=False, indices=source, return_predecessors=True)
        if not np.isfinite(distances[target]):
            msg = f"no passable path from {tuple(start)} to {tuple(end)} (leg {leg + 1}); barriers cut them apart"
            raise RouteDataError(msg, field="waypoints")
        total += float(distances[target])
        node, back = target, []
        while node != source:
            back.append((int(node // cols), int(node % cols)))
            node = predecessors[node]
        cells.extend(reversed(back))
        if progress is not None:
            done = f"solved leg {leg + 1} of {legs}" if leg + 1 == legs else f"solving leg {leg + 2} of {legs}"
            progress((_GRAPH_SHARE_OF_A_LEG + leg + 1) / work, done)
    crossings = 0
    if zone is not None:
        zones = [int(zone[r, c]) for r, c in cells]
        crossings = sum(a != b for a, b in pairwise(zones))
    return LeastCostPath(cells=cells, cost=total, crossings=crossings)


_GRAPH_SHARE_OF_A_LEG = 0.2
"""Building the graph takes about a fifth of the time of one Dijkstra call
(benchmarks/bench_leastcost.py), for the progress fractions."""


def grid_graph(
    cost: NDArray[np.float64],
    *,
    cell_m: float,
    zone: NDArray[np.int64] | None = None,
    crossing_cost: float = 0.0,
) -> csr_matrix:
    """Build the 8-neighbour graph of a cost grid, for an undirected Dijkstra.

    Node ``row * cols + col`` is a cell. Every cell lists its four forward
    neighbours (right, down-left, down, down-right: increasing node numbers,
    so the CSR arrays are written directly, without sorting); the solver is
    run with ``directed=False`` and finds the other four through them. A
    step weighs its length times the mean cost of its two cells, plus
    ``crossing_cost`` if their zones differ.

    Steps that would leave the grid, or enter an impassable cell, are kept
    with weight ``inf`` (Dijkstra never improves a distance through them),
    so every row of the matrix has exactly four entries and no mask or
    compaction pass is needed: on 2000 x 2000 cells this builds in about
    0.2 s instead of 3 s for a COO list of only the passable edges.

    Parameters
    ----------
    cost
        Cost per metre of each cell, all > 0 (``inf``: impassable).
    cell_m
        Cell size, metres.
    zone, crossing_cost
        As for :func:`least_cost_path`.

    Returns
    -------
    graph
        A ``rows * cols`` square CSR matrix of step weights.
    """
    from scipy.sparse import csr_matrix

    rows, cols = cost.shape
    n = rows * cols
    half = cost * (cell_m / 2)  # a straight step costs the sum of its two cells' halves
    steps = np.empty((rows, cols, 4))
    right, down_left, down, down_right = (steps[:, :, k] for k in range(4))
    np.add(half[:, :-1], half[:, 1:], out=right[:, :-1])
    np.add(half[:-1, 1:], half[1:, :-1], out=down_left[:-1, 1:])
    np.add(half[:-1, :], half[1:, :], out=down[:-1, :])
    np.add(half[:-1, :-1], half[1:, 1:], out=down_right[:-1, :-1])
    del half
    # Steps off the grid are set before anything reads them: np.empty may hold any bits (a
    # signalling NaN made the multiplication below warn, at random).
    right[:, -1] = down_left[:, 0] = down_right[:, -1] = np.inf  # off the sides
    down_left[-1, :] = down[-1, :] = down_right[-1, :] = np.inf  # off the bottom
    down_left *= 2**0.5  # diagonal steps are longer
    down_right *= 2**0.5
    if zone is not None and crossing_cost:
        right[:, :-1] += crossing_cost * (zone[:, :-1] != zone[:, 1:])
        down_left[:-1, 1:] += crossing_cost * (zone[:-1, 1:] != zone[1:, :-1])
        down[:-1, :] += crossing_cost * (zone[:-1, :] != zone[1:, :])
        down_right[:-1, :-1] += crossing_cost * (zone[:-1, :-1] != zone[1:, 1:])
    index_type = np.int32 if 4 * n < 2**31 else np.int64
    targets = np.arange(n, dtype=index_type)[:, None] + np.array([1, cols - 1, cols, cols + 1], dtype=index_type)
    last = targets[max(n - cols - 1, 0) :]
    np.minimum(last, n - 1, out=last)  # the bottom row's "down" steps (weight inf) point at the last cell
    starts = np.arange(0, 4 * n + 1, 4, dtype=index_type)
    return csr_matrix((steps.reshape(-1), targets.reshape(-1), starts), shape=(n, n))


# --------------------------------------------------------------------------
# The cost surface over real geography


@dataclass(frozen=True)
class CostConfig:
    """Parameters of the cost surface (``geo/data/cost.toml`` documents each)."""

    base: float
    slope_per_percent: float
    offshore: float
    crossing_cost_km: float
    country_multiplier: dict[str, float]
    protected: list[dict[str, object]]


def load_cost_config(path: Path | str) -> CostConfig:
    """Read and check the cost parameters.

    Parameters
    ----------
    path
        ``cost.toml``.

    Returns
    -------
    config
        The parameters, protected areas with a shapely ``polygon``.
    """
    path = Path(path)
    try:
        data = tomllib.loads(read_text_file(path, what="UTF-8 TOML"))
    except tomllib.TOMLDecodeError as exc:
        raise RouteDataError(f"not valid TOML: {exc}", path=path) from None
    numbers = {}
    for key in ("base", "slope_per_percent", "offshore", "crossing_cost_km"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise RouteDataError(f"{value!r} must be a number of zero or more", path=path, field=key)
        numbers[key] = float(value)
    if numbers["base"] <= 0:
        raise RouteDataError("base must be more than 0", path=path, field="base")
    multipliers = data.get("country_multiplier", {})
    for iso, factor in multipliers.items():
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 0:
            raise RouteDataError(f"{factor!r} must be a positive factor", path=path, record=iso, field="country_multiplier")
    protected = []
    for i, area in enumerate(data.get("protected", [])):
        try:
            polygon = shapely.Polygon(area["lonlat"])
            factor = float(area["multiplier"])
        except (KeyError, TypeError, ValueError):
            raise RouteDataError("needs name, multiplier, source and lonlat (a closed ring)", path=path, field=f"protected[{i}]") from None
        if not polygon.is_valid or not factor > 0 or not area.get("source"):
            raise RouteDataError("needs a valid ring, a positive multiplier and a source", path=path, field=f"protected[{i}]")
        protected.append({"name": area.get("name", f"area {i}"), "multiplier": factor, "polygon": polygon})
    return CostConfig(**numbers, country_multiplier={k: float(v) for k, v in multipliers.items()}, protected=protected)


@dataclass(frozen=True)
class CostSurface:
    """A cost grid in the study-area projection.

    Attributes
    ----------
    cost, zone
        Per cell: cost per metre (inf: barrier) and country number (-1: none).
    iso3
        Country code of each zone number.
    x0, y0
        Projected centre of cell (0, 0), the north-west corner, metres.
    cell_m
        Cell size, metres.
    """

    cost: NDArray[np.float64]
    zone: NDArray[np.int64]
    iso3: list[str]
    x0: float
    y0: float
    cell_m: float

    def cell_of(self, lon: float, lat: float) -> Cell:
        """Return the (row, col) holding a lon/lat point."""
        return _cell_of(lon, lat, x0=self.x0, y0=self.y0, cell_m=self.cell_m)

    def lonlat_of(self, cells: Sequence[Cell]) -> NDArray[np.float64]:
        """Return the lon/lat of cell centres, shape (n, 2)."""
        return _lonlat_of(cells, x0=self.x0, y0=self.y0, cell_m=self.cell_m)


def _cell_of(lon: float, lat: float, *, x0: float, y0: float, cell_m: float) -> Cell:
    """The (row, col) of a grid with cell (0, 0) centred at projected (x0, y0) holding a lon/lat point."""
    x, y = to_study(np.array([lon]), np.array([lat]))
    return int(round((y0 - y[0]) / cell_m)), int(round((x[0] - x0) / cell_m))


def _lonlat_of(cells: Sequence[Cell], *, x0: float, y0: float, cell_m: float) -> NDArray[np.float64]:
    """The lon/lat of the centres of cells of that grid, shape (n, 2)."""
    rc = np.asarray(cells, dtype=float).reshape(-1, 2)
    lon, lat = from_study(x0 + rc[:, 1] * cell_m, y0 - rc[:, 0] * cell_m)
    return np.column_stack([lon, lat])


def cost_surface(
    bbox_lonlat: tuple[float, float, float, float],
    *,
    cell_km: float,
    countries: CountryIndex,
    elevation: ElevationGrid,
    lakes: Sequence[shapely.Geometry],
    config: CostConfig,
    avoid: Sequence[str] = (),
    open_lonlat: Sequence[tuple[float, float]] = (),
    progress: Progress | None = None,
) -> CostSurface:
    """Build the cost grid over a lon/lat box.

    Parameters
    ----------
    bbox_lonlat
        ``(west, south, east, north)``.
    cell_km
        Cell size, km.
    countries
        A :class:`geo.countries.CountryIndex`.
    elevation
        A :class:`geo.elevation.ElevationGrid`.
    lakes
        Lake polygons (barriers).
    config
        From :func:`load_cost_config`.
    avoid
        ISO3 codes of countries the route may not enter.
    open_lonlat
        Points whose cells must be passable (the ends and via points of a
        route), checked before any cell is priced.
    progress
        Called with the fraction of rows done and a line of text at the
        start and after each band of rows, or None.

    Returns
    -------
    surface
        The grid: cost per metre per cell and country zones.

    Raises
    ------
    RouteDataError
        Cells over :data:`MAX_CELL_KM`, an ``avoid`` code that is not in
        ``countries``, a grid of more than 25 million cells, or a point of
        ``open_lonlat`` in a shut cell.
    """
    if not 0 < cell_km <= MAX_CELL_KM:
        msg = (
            f"{cell_km:g} km cells are too coarse: a lake's margin of one cell would shut whole regions;"
            f" use up to {MAX_CELL_KM:g} km"
        )
        raise RouteDataError(msg, field="cell_km")
    known = list(countries.iso3)
    for iso in avoid:
        if iso not in known:
            msg = f"{iso!r} is not an ISO3 code of the boundary extract (e.g. MNG, KAZ, CHN)"
            raise RouteDataError(msg, field="--avoid")
    west, south, east, north = bbox_lonlat
    edge = np.linspace(0, 1, 50)
    ring_lon = np.r_[west + (east - west) * edge, np.full(50, east), east - (east - west) * edge, np.full(50, west)]
    ring_lat = np.r_[np.full(50, south), south + (north - south) * edge, np.full(50, north), north - (north - south) * edge]
    x, y = to_study(ring_lon, ring_lat)
    cell_m = cell_km * 1000.0
    with np.errstate(over="ignore"):  # floats first: tiny cells overflow an int (and may reach inf)
        cols_f = np.ceil((x.max() - x.min()) / cell_m) + 1
        rows_f = np.ceil((y.max() - y.min()) / cell_m) + 1
    if rows_f * cols_f > MAX_CELLS:
        msg = f"{cell_km:g} km cells make a {rows_f:,.0f} x {cols_f:,.0f} grid, over {MAX_CELLS:,} cells; use a larger --cell-km"
        raise RouteDataError(msg, field="cell_km")
    rows, cols = int(rows_f), int(cols_f)
    x0, y0 = float(x.min()), float(y.max())
    barriers = _barriers(lakes, [countries.polygons[known.index(iso)] for iso in avoid], cell_km=cell_km)
    areas = [(area["polygon"], float(area["multiplier"])) for area in config.protected]  # type: ignore[arg-type]
    shapely.prepare(barriers + [polygon for polygon, _ in areas])
    for i, (lon, lat) in enumerate(open_lonlat):
        centre = _lonlat_of([_cell_of(lon, lat, x0=x0, y0=y0, cell_m=cell_m)], x0=x0, y0=y0, cell_m=cell_m)
        if any(_inside(barrier, centre[:, 0], centre[:, 1])[0] for barrier in barriers):
            msg = (
                f"point {i} ({lon}, {lat}) is in a lake or an avoided country, or within one cell ({cell_km:g} km)"
                " of its edge; move it, or use smaller cells"
            )
            raise RouteDataError(msg, field="--from/--via/--to")

    # Per cell, band by band (bounded memory, and progress to report): the
    # country, the height, the protected-area factor and whether it is shut.
    polygon_number = np.empty(rows * cols, dtype=np.int64)
    height = np.empty(rows * cols)
    factor = np.ones(rows * cols)
    shut = np.zeros(rows * cols, dtype=bool)
    band_rows = max(1, _BAND_CELLS // cols)
    what = f"pricing {rows:,} x {cols:,} cells of {cell_km:g} km"
    if progress is not None:
        progress(0.0, what)
    for top in range(0, rows, band_rows):
        bottom = min(rows, top + band_rows)
        band = slice(top * cols, bottom * cols)
        gx, gy = np.meshgrid(x0 + np.arange(cols) * cell_m, y0 - np.arange(top, bottom) * cell_m)
        lon, lat = from_study(gx.ravel(), gy.ravel())
        polygon_number[band] = countries.polygon_of(lon, lat)
        height[band] = elevation.sample(lon, lat)
        for polygon, multiplier in areas:
            factor[band][_inside(polygon, lon, lat)] *= multiplier
        for barrier in barriers:
            shut[band][_inside(barrier, lon, lat)] = True
        if progress is not None:
            progress(bottom / rows, f"{what}: {bottom:,} of {rows:,} rows")

    present = np.unique(polygon_number[polygon_number >= 0])
    codes = sorted({str(countries.iso3[i]) for i in present})
    zone_of_polygon = np.full(len(known) + 1, -1, dtype=np.int64)  # the last entry: no country (-1)
    zone_of_polygon[present] = [codes.index(str(countries.iso3[i])) for i in present]
    zone = zone_of_polygon[polygon_number]
    dz_dy, dz_dx = np.gradient(np.nan_to_num(height.reshape(rows, cols), nan=0.0), cell_m)
    slope_pct = 100.0 * np.hypot(dz_dx, dz_dy)
    cost = config.base * (1.0 + config.slope_per_percent * slope_pct).ravel()
    for iso, multiplier in config.country_multiplier.items():
        if iso in codes:
            cost[zone == codes.index(iso)] *= multiplier
    cost[zone == -1] *= config.offshore
    cost *= factor
    cost[shut] = np.inf
    return CostSurface(cost.reshape(rows, cols), zone.reshape(rows, cols), codes, x0, y0, cell_m)


MAX_CELL_KM = 50.0
"""The coarsest cells :func:`cost_surface` accepts (the elevation grid has about 9 km cells)."""
MAX_CELLS = 25_000_000
"""The largest grid :func:`cost_surface` prices (a 1 km grid over Irkutsk-Beijing is 4 million
cells and solves in about 6 s and 0.6 GB; 25 million would need about 4 GB)."""

_BAND_CELLS = 250_000
"""Cells per band of :func:`cost_surface`: a few MB per array of the band,
and about 20 progress steps on a 1 km route grid."""


def _barriers(
    lakes: Sequence[shapely.Geometry], avoided: Sequence[shapely.Geometry], *, cell_km: float
) -> list[shapely.Geometry]:
    """The areas whose cells are shut: lakes and avoided countries, each grown by about one cell.

    A cell is shut when its centre lies within about one cell of a lake's
    shore or of an avoided country, so that no step between two open cells
    cuts across a bay or clips a corner (degrees of longitude shrink with
    latitude: the margin is taken at the geometry's latitude).
    """
    barriers = [shapely.buffer(lake, _cell_in_degrees(lake, cell_km)) for lake in lakes]
    for polygon in avoided:
        margin_deg = _cell_in_degrees(polygon, cell_km)
        barriers.append(shapely.buffer(shapely.simplify(polygon, margin_deg / 4), margin_deg))
    return barriers


def _inside(polygon: shapely.Geometry, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which points lie inside a (prepared) polygon, testing only those in its bounding box."""
    west, south, east, north = polygon.bounds
    near = np.flatnonzero((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
    inside = np.zeros(len(lon), dtype=bool)
    inside[near] = shapely.contains_xy(polygon, lon[near], lat[near])
    return inside


def _cell_in_degrees(geometry: shapely.Geometry, cell_km: float) -> float:
    """One cell width in degrees of longitude at the geometry's middle latitude (the wider margin)."""
    south, north = geometry.bounds[1], geometry.bounds[3]
    return cell_km / (111.32 * max(np.cos(np.radians((south + north) / 2)), 0.2))


def load_lakes(path: Path | str) -> list[shapely.Geometry]:
    """Read the lake polygons (``lakes.geojson``) as shapely geometries."""
    document = json.loads(read_text_file(Path(path), what="UTF-8 GeoJSON"))
    return [shapely.from_geojson(json.dumps(f["geometry"])) for f in document["features"]]


STUDY_BOX_LONLAT = (46.0, 30.0, 146.0, 74.0)
"""The box the shipped boundary and elevation extracts cover."""


def suggest_route(
    points_lonlat: Sequence[tuple[float, float]],
    *,
    cell_km: float,
    countries: CountryIndex,
    elevation: ElevationGrid,
    lakes: Sequence[shapely.Geometry],
    config: CostConfig,
    avoid: Sequence[str] = (),
    progress: Progress | None = None,
) -> tuple[shapely.LineString, float, int]:
    """Suggest the least-cost line through lon/lat points, in order.

    Parameters
    ----------
    points_lonlat
        Start, via points, end.
    cell_km, countries, elevation, lakes, config, avoid
        As for :func:`cost_surface`.
    progress
        Called with the fraction of the work done and a line of text as the
        cells are priced (band by band) and each leg is solved, or None.

    Returns
    -------
    line, cost_km, crossings
        The suggested LineString (lon/lat; first and last vertex are the
        given ends; the cell staircase straightened within a quarter cell),
        its cost in km of flat pipe, and its border crossings.
    """
    west, south, east, north = STUDY_BOX_LONLAT
    for i, (lon, lat) in enumerate(points_lonlat):
        if not (west <= lon <= east and south <= lat <= north):
            msg = f"point {i} ({lon}, {lat}) is outside the study area {STUDY_BOX_LONLAT} (lon, lat)"
            raise RouteDataError(msg, field="--from/--via/--to")
    for i, ((lon0, lat0), (lon1, lat1)) in enumerate(pairwise(points_lonlat)):
        apart_m = float(WGS84.inv(lon0, lat0, lon1, lat1)[2])
        if apart_m < 2 * cell_km * 1000 and cell_km <= MAX_CELL_KM:  # coarser cells: cost_surface says so
            msg = (
                f"points {i} and {i + 1} are {apart_m / 1000:,.2f} km apart, less than two {cell_km:g} km cells;"
                " move them apart or use a smaller --cell-km"
            )
            raise RouteDataError(msg, field="--from/--via/--to")
    lons, lats = [p[0] for p in points_lonlat], [p[1] for p in points_lonlat]
    margin = max(3.0, 0.25 * max(max(lons) - min(lons), max(lats) - min(lats)))
    box = (max(west, min(lons) - margin), max(south, min(lats) - margin),
           min(east, max(lons) + margin), min(north, max(lats) + margin))  # fmt: skip
    # The share of the work that pricing the cells takes, against solving the legs.
    legs = len(points_lonlat) - 1
    pricing = _PRICING_SHARE_OF_A_LEG / (_PRICING_SHARE_OF_A_LEG + _GRAPH_SHARE_OF_A_LEG + legs)
    surface = cost_surface(
        box, cell_km=cell_km, countries=countries, elevation=elevation, lakes=lakes, config=config,
        avoid=[iso.upper() for iso in avoid], open_lonlat=points_lonlat,
        progress=_part_of(progress, 0.0, pricing),
    )  # fmt: skip
    cells = [surface.cell_of(lon, lat) for lon, lat in points_lonlat]
    path = least_cost_path(
        surface.cost, cells, cell_m=surface.cell_m, zone=surface.zone, crossing_cost=config.crossing_cost_km * 1000,
        progress=_part_of(progress, pricing, 1.0),
    )  # fmt: skip
    coords = surface.lonlat_of(path.cells)
    coords[0], coords[-1] = points_lonlat[0], points_lonlat[-1]
    keep = np.r_[True, (np.diff(coords, axis=0) != 0).any(axis=1)]
    # The cell staircase, straightened within a quarter of a cell (barriers keep a
    # cell's margin, so the straightened line stays clear of them).
    line = shapely.simplify(shapely.LineString(coords[keep]), cell_km / 4 / 111.32)
    return line, path.cost / 1000.0, path.crossings


_PRICING_SHARE_OF_A_LEG = 1.5
"""Pricing the cells (:func:`cost_surface`) takes about one and a half times as
long as solving one leg on them (``make_maps.py route`` profiled with 1 km
cells: 3.4 s against 2.4 s), for the progress fractions."""


def _part_of(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress callback that maps 0..1 onto start..end of ``progress``."""
    if progress is None:
        return None
    return lambda fraction, text: progress(start + (end - start) * fraction, text)
