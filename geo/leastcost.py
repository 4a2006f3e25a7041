"""Least-cost paths over a cost grid (the solver of the route suggestions).

The grid is a raster in a projected CRS (the study-area projection for real
routes): ``cost`` per cell, ``inf`` where a line may not go (lakes, avoided
countries), and ``zone``, an integer per cell (the country), so that a border
crossing can carry a cost of its own. Cells connect to their eight
neighbours; a step costs its length (one cell, or the diagonal) times the
mean cost of the two cells, plus ``crossing_cost`` when it changes zone. The
shortest path is found with Dijkstra's algorithm
(``scipy.sparse.csgraph.dijkstra``), leg by leg through the via points.

Only the solver lives here for now; the cost surface from the elevation grid,
lakes and protected areas, and the ``route`` command come next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo.errors import RouteDataError

Cell = tuple[int, int]
_STEPS = ((0, 1, 1.0), (1, 0, 1.0), (1, 1, 2**0.5), (1, -1, 2**0.5))
"""Half of the 8-neighbourhood (row step, column step, length in cells); the
graph is undirected, so each edge is listed once."""


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

    Returns
    -------
    path
        The cells, the total cost and the number of zone changes.

    Raises
    ------
    RouteDataError
        A waypoint outside the grid or on an impassable cell, or no path.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    cost = np.where(np.isfinite(cost), cost, np.inf)
    rows, cols = cost.shape
    zone = np.zeros(cost.shape, dtype=np.int64) if zone is None else zone
    for i, (r, c) in enumerate(waypoints):
        if not (0 <= r < rows and 0 <= c < cols):
            msg = f"waypoint {i} at cell ({r}, {c}) is outside the {rows} x {cols} grid"
            raise RouteDataError(msg, field="waypoints")
        if not np.isfinite(cost[r, c]):
            msg = f"waypoint {i} at cell ({r}, {c}) is on an impassable cell (a lake or an avoided country)"
            raise RouteDataError(msg, field="waypoints")
    graph = csr_matrix(_edges(cost, zone, cell_m, crossing_cost), shape=(rows * cols, rows * cols))
    cells: list[Cell] = [tuple(waypoints[0])]  # type: ignore[list-item]
    total = 0.0
    for leg, (start, end) in enumerate(zip(waypoints[:-1], waypoints[1:], strict=True)):
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
    zones = [int(zone[r, c]) for r, c in cells]
    crossings = sum(a != b for a, b in zip(zones[:-1], zones[1:], strict=True))
    return LeastCostPath(cells=cells, cost=total, crossings=crossings)


def _edges(
    cost: NDArray[np.float64], zone: NDArray[np.int64], cell_m: float, crossing_cost: float
) -> tuple[NDArray[np.float64], tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """All passable 8-neighbour edges as (weights, (from, to)) for a sparse matrix."""
    rows, cols = cost.shape
    index = np.arange(rows * cols).reshape(rows, cols)
    weights, sources, targets = [], [], []
    for dr, dc, length in _STEPS:
        r0, r1 = slice(0, rows - dr), slice(dr, rows)
        c0, c1 = (slice(0, cols - dc), slice(dc, cols)) if dc >= 0 else (slice(-dc, cols), slice(0, cols + dc))
        a, b = cost[r0, c0], cost[r1, c1]
        w = length * cell_m * (a + b) / 2 + crossing_cost * (zone[r0, c0] != zone[r1, c1])
        ok = np.isfinite(w)
        weights.append(w[ok])
        sources.append(index[r0, c0][ok])
        targets.append(index[r1, c1][ok])
    # A zero weight would read as "no edge" in a sparse matrix; costs are positive.
    return np.concatenate(weights), (np.concatenate(sources), np.concatenate(targets))
