"""The supply-to-market network: one basis on which every route is compared.

Routes run between different places: the Mongolian option from Yamal to
Beijing, the western-Mongolia variant from Kosh-Agach to the Chinese border.
Putting their lengths side by side compares nothing. The network
(``geo/data/network.toml``) names the nodes where lines meet (fields,
stations, junctions, border crossings, market hubs) and the legs that join
them (stretches of catalog routes or lines through given points), each
``existing`` (an operating pipeline runs there) or ``new``.

The *path* of a route on a basis FROM -> TO is its own line from FROM (when
FROM lies on it, else from its start) to TO (when TO lies on it, else to its
end), joined to FROM and to TO by the shortest chain of legs. A node lies on
a route when one of the route's waypoints is within :data:`ON_ROUTE_M` of it.
A route whose start or end is not a node, or that no chain of legs joins to
the basis, has no path; :func:`basis_paths` says why in one sentence.

:func:`load_network` reads and checks the file; :func:`resolve_network`
gives the legs their geometry from the catalog; :func:`basis_paths` finds
the path of each route as pieces (each with its status); and
:func:`basis_summary` measures a path: km, new-build and existing km, km per
country, km in transit countries and border crossings.
"""

from __future__ import annotations

import heapq
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod

from geo.countries import NOT_A_COUNTRY, CountryIndex
from geo.errors import RouteDataError, quote
from geo.geodesic import DEFAULT_MAX_SEGMENT_M
from geo.measure import measure_routes
from geo.readers.common import CONFIDENCES, check_choice, check_lonlat, check_number, check_text, parse_file

WGS84 = Geod(ellps="WGS84")
ON_ROUTE_M = 1000.0
"""A node lies on a route when one of the route's waypoints is at most this far from it, metres."""
NODE_KINDS = ("supply", "market", "junction", "station", "border")
STATUSES = ("existing", "new")
_SLUG = "lower-case letters, digits and '-'"


@dataclass(frozen=True)
class Node:
    """A named place where lines meet (lon/lat in WGS84 degrees)."""

    id: str
    name: str
    kind: str
    country: str
    lonlat: tuple[float, float]
    source: str
    confidence: str


@dataclass(frozen=True)
class Leg:
    """A line between two nodes: a stretch of catalog ``route``, or through ``via`` points."""

    id: str
    start: str
    end: str
    status: str
    pipeline: str | None
    route: str | None
    via_lonlat: tuple[tuple[float, float], ...]
    source: str
    confidence: str


@dataclass(frozen=True)
class Stretch:
    """What a route's own line is between two of its nodes, when not the default."""

    route: str
    start: str
    end: str
    status: str
    pipeline: str | None
    source: str
    confidence: str


@dataclass(frozen=True)
class Network:
    """The nodes, legs and stretches of a network file, and its default basis."""

    nodes: Mapping[str, Node]
    legs: tuple[Leg, ...]
    stretches: tuple[Stretch, ...]
    basis: tuple[str, str]
    basis_name: str
    source_file: str


@dataclass(frozen=True)
class Piece:
    """A stretch of a path: its lon/lat vertices (n, 2), its status and what it is."""

    lonlat: NDArray[np.float64]
    status: str
    label: str
    pipeline: str | None
    route: str | None = None
    waypoints: tuple[int, int] | None = None
    """For a stretch of the compared route's own line: its first and last waypoint index."""
    vertices: tuple[int, int] | None = None
    """For a stretch of the compared route's own line: its first and last vertex index in the route's line."""
    join_m: float = 0.0
    """For a stretch of the compared route's own line: metres added to join it to its end nodes."""


@dataclass(frozen=True)
class BasisPath:
    """The path of one route on a basis, or why it has none (``pieces`` empty, ``why`` set)."""

    start: str
    end: str
    pieces: tuple[Piece, ...] = ()
    why: str | None = None
    countries: tuple[str, str] = ("", "")
    """ISO3 of the supplier (the FROM node) and of the buyer (the TO node)."""
    names: tuple[str, str] = ("", "")
    """The names of the FROM node and of the TO node (``Node.name``), for readers."""


# --------------------------------------------------------------------------
# reading


def load_network(path: Path | str) -> Network:
    """Read and check a network file (see the header of ``geo/data/network.toml``).

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    network
        Nodes by id, legs, stretches and the default basis.

    Raises
    ------
    RouteDataError
        A missing or mistyped field, an unknown kind, status or node id, a
        duplicate id, bad coordinates, a leg with both or neither of
        ``route`` and ``via``; naming the file, the record and the field.
    """
    path = Path(path)
    data = parse_file(path, tomllib.loads, language="TOML", what="UTF-8 text (TOML)", empty="add [[node]] and [[leg]] tables")
    nodes: dict[str, Node] = {}
    for number, record in enumerate(_tables(data, "node", path=path), start=1):
        node = _node(record, path=path, label=f"node #{number}")
        if node.id in nodes:
            raise RouteDataError(f"duplicate node id {node.id!r}; give each node its own id", path=path, record=node.id, field="id")
        nodes[node.id] = node
    legs: list[Leg] = []
    for number, record in enumerate(_tables(data, "leg", path=path), start=1):
        leg = _leg(record, nodes, path=path, label=f"leg #{number}")
        if any(other.id == leg.id for other in legs):
            raise RouteDataError(f"duplicate leg id {leg.id!r}; give each leg its own id", path=path, record=leg.id, field="id")
        legs.append(leg)
    stretches = tuple(
        _stretch(record, nodes, path=path, label=f"stretch #{number}")
        for number, record in enumerate(_tables(data, "stretch", path=path, required=False), start=1)
    )
    basis = data.get("basis")
    if not isinstance(basis, dict):
        raise RouteDataError("missing [basis] table with from, to and name", path=path, field="basis")
    ends = tuple(_node_ref(basis.get(key), nodes, path=path, record="basis", field=key) for key in ("from", "to"))
    name = check_text(basis.get("name"), path=path, record="basis", field="name", required=True)
    return Network(nodes, tuple(legs), stretches, (ends[0], ends[1]), str(name), str(path))


def parse_basis(text: str, network: Network) -> tuple[str, str]:
    """Read ``--basis FROM,TO`` (two node ids) against a network.

    Parameters
    ----------
    text
        ``"FROM,TO"``, e.g. ``"yamal,beijing"``.
    network
        From :func:`load_network`.

    Returns
    -------
    basis
        ``(from, to)`` node ids.

    Raises
    ------
    RouteDataError
        Not two ids, an unknown id (the message lists the known ones), or the
        same node twice.
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise RouteDataError(f"{quote(text)} is not FROM,TO; give two node ids, e.g. yamal,beijing", field="--basis")
    for part in parts:
        if part not in network.nodes:
            known = ", ".join(sorted(network.nodes))
            raise RouteDataError(f"{quote(part)} is not a node of the network ({Path(network.source_file).name}); use one of {known}", field="--basis")
    if parts[0] == parts[1]:
        raise RouteDataError(f"FROM and TO are both {parts[0]!r}; give two different nodes", field="--basis")
    return parts[0], parts[1]


def _tables(data: Mapping[str, Any], key: str, *, path: Path, required: bool = True) -> list[dict[str, Any]]:
    value = data.get(key, None if required else [])
    if required and not value:
        raise RouteDataError(f"no [[{key}]] tables; add them (see the header of geo/data/network.toml)", path=path, field=key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RouteDataError(f"{key!r} must be an array of tables, written [[{key}]]", path=path, field=key)
    return value


def _slug(value: object, *, path: Path, record: object, field: str) -> str:
    text = check_text(value, path=path, record=record, field=field, required=True)
    if not text or not all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in text):
        raise RouteDataError(f"{field} {quote(value)} must be {_SLUG}", path=path, record=record, field=field)
    return str(text)


def _node_ref(value: object, nodes: Mapping[str, Node], *, path: Path, record: object, field: str) -> str:
    if not isinstance(value, str) or value not in nodes:
        raise RouteDataError(f"{quote(value)} is not a node id of this file; add the [[node]] or fix the id", path=path, record=record, field=field)
    return value


def _common(record: Mapping[str, Any], *, path: Path, label: object) -> tuple[str, str]:
    source = check_text(record.get("source"), path=path, record=label, field="source", required=True)
    confidence = check_choice(record.get("confidence"), CONFIDENCES, field="confidence", path=path, record=label)
    return str(source), confidence


def _node(record: Mapping[str, Any], *, path: Path, label: str) -> Node:
    node_id = _slug(record.get("id"), path=path, record=label, field="id")
    where = {"path": path, "record": node_id}
    name = check_text(record.get("name"), field="name", required=True, **where)
    kind = check_choice(record.get("kind"), NODE_KINDS, field="kind", **where)
    country = record.get("country")
    if not isinstance(country, str) or len(country) != 3 or not country.isascii() or not country.isupper():
        raise RouteDataError(f"country {quote(country)} must be one ISO3 code such as \"RUS\"", field="country", **where)
    lon = check_number(record.get("lon"), field="lon", **where)
    lat = check_number(record.get("lat"), field="lat", **where)
    check_lonlat(lon, lat, path=path, label=node_id, prefix="")
    source, confidence = _common(record, path=path, label=node_id)
    return Node(node_id, str(name), kind, country, (lon, lat), source, confidence)


def _leg(record: Mapping[str, Any], nodes: Mapping[str, Node], *, path: Path, label: str) -> Leg:
    leg_id = _slug(record.get("id"), path=path, record=label, field="id")
    where = {"path": path, "record": leg_id}
    start = _node_ref(record.get("from"), nodes, field="from", **where)
    end = _node_ref(record.get("to"), nodes, field="to", **where)
    if start == end:
        raise RouteDataError(f"from and to are both {start!r}; a leg joins two nodes", field="to", **where)
    status = check_choice(record.get("status"), STATUSES, field="status", **where)
    pipeline = check_text(record.get("pipeline"), field="pipeline", required=status == "existing", **where)
    if ("route" in record) == ("via" in record):
        raise RouteDataError("give either 'route' (a catalog route id) or 'via' (a list of [lon, lat])", field="route", **where)
    route = check_text(record.get("route"), field="route", required=False, **where)
    via = record.get("via", [])
    if not isinstance(via, list):
        raise RouteDataError(f"via {quote(via)} must be a list of [lon, lat] pairs", field="via", **where)
    points = []
    for i, point in enumerate(via):
        if not isinstance(point, list) or len(point) != 2:
            raise RouteDataError(f"{quote(point)} must be [lon, lat]", field=f"via[{i}]", **where)
        lon = check_number(point[0], field=f"via[{i}][0]", **where)
        lat = check_number(point[1], field=f"via[{i}][1]", **where)
        check_lonlat(lon, lat, path=path, label=leg_id, prefix=f"via[{i}].")
        points.append((lon, lat))
    source, confidence = _common(record, path=path, label=leg_id)
    return Leg(leg_id, start, end, status, pipeline, route, tuple(points), source, confidence)


def _stretch(record: Mapping[str, Any], nodes: Mapping[str, Node], *, path: Path, label: str) -> Stretch:
    route = check_text(record.get("route"), path=path, record=label, field="route", required=True)
    where = {"path": path, "record": f"{label} ({route})"}
    start = _node_ref(record.get("from"), nodes, field="from", **where)
    end = _node_ref(record.get("to"), nodes, field="to", **where)
    status = check_choice(record.get("status"), STATUSES, field="status", **where)
    pipeline = check_text(record.get("pipeline"), field="pipeline", required=status == "existing", **where)
    source, confidence = _common(record, path=path, label=where["record"])
    return Stretch(str(route), start, end, status, pipeline, source, confidence)


# --------------------------------------------------------------------------
# routes on the network


def route_vertices(route: Mapping[str, Any]) -> tuple[NDArray[np.float64], list[int]]:
    """The lon/lat vertices of a route (parts end to end) and the vertex index of each waypoint.

    Parameters
    ----------
    route
        A row of :func:`geo.catalog.read_routes`.

    Returns
    -------
    lonlat, waypoint_vertex
        Array (n, 2) and one index per waypoint: the route's
        ``waypoint_vertex`` when it has one, else the first vertex at or after
        the previous waypoint's that has the waypoint's coordinates.
    """
    lonlat = shapely.get_coordinates(route["geometry"])
    given = route.get("waypoint_vertex")
    if isinstance(given, list | tuple | np.ndarray) and len(given) == len(route["waypoints"]):
        return lonlat, [int(i) for i in given]
    found, at = [], 0
    for waypoint in route["waypoints"]:
        same = np.flatnonzero((lonlat[at:, 0] == waypoint["lon"]) & (lonlat[at:, 1] == waypoint["lat"]))
        at = at + int(same[0]) if len(same) else at
        found.append(at)
    return lonlat, found


def nodes_on_route(route: Mapping[str, Any], network: Network) -> dict[str, int]:
    """The nodes that lie on a route, with the index of the waypoint at each.

    Parameters
    ----------
    route
        A row of :func:`geo.catalog.read_routes`.
    network
        From :func:`load_network`.

    Returns
    -------
    on_route
        ``{node id: waypoint index}``: the first waypoint within
        :data:`ON_ROUTE_M` of the node, in the route's order.
    """
    waypoints = route["waypoints"]
    if not waypoints or not network.nodes:
        return {}
    w_lon = np.array([float(w["lon"]) for w in waypoints])
    w_lat = np.array([float(w["lat"]) for w in waypoints])
    n_lon, n_lat = np.array([node.lonlat for node in network.nodes.values()]).T
    _, _, dist = WGS84.inv(*np.broadcast_arrays(n_lon[:, None], n_lat[:, None], w_lon[None, :], w_lat[None, :]))
    near = np.asarray(dist) <= ON_ROUTE_M  # (nodes, waypoints)
    return {node: int(np.argmax(row)) for node, row in zip(network.nodes, near, strict=True) if row.any()}


@dataclass(frozen=True)
class ResolvedNetwork:
    """A network whose legs have their lon/lat geometry and length (from :func:`resolve_network`)."""

    network: Network
    leg_lonlat: Mapping[str, NDArray[np.float64]]
    leg_m: Mapping[str, float]
    catalog_file: str | None = None
    """The ``source_file`` of the catalog's routes: stretches apply to those rows only."""


def resolve_network(network: Network, catalog: gpd.GeoDataFrame) -> ResolvedNetwork:
    """Give every leg its geometry: the stretch of its catalog route, or the line through its points.

    Parameters
    ----------
    network
        From :func:`load_network`.
    catalog
        The route catalog the legs refer to (:func:`geo.catalog.load_catalog`).

    Returns
    -------
    resolved
        Each leg's vertices (n, 2), from its ``from`` node to its ``to``
        node, and its geodesic length in metres.

    Raises
    ------
    RouteDataError
        A leg or stretch names a route not in the catalog, or a node that
        does not lie on that route.
    """
    by_id = {route["id"]: route for _, route in catalog.iterrows()}
    path = network.source_file
    lonlats, lengths = {}, {}
    for leg in network.legs:
        if leg.route is None:
            lonlat = np.array([network.nodes[leg.start].lonlat, *leg.via_lonlat, network.nodes[leg.end].lonlat], dtype=float)
        else:
            route = _catalog_route(by_id, leg.route, path=path, record=leg.id)
            lonlat = _stretch_of(route, network, leg.start, leg.end, path=path, record=leg.id)
        lonlats[leg.id] = lonlat
        lengths[leg.id] = float(WGS84.line_length(lonlat[:, 0], lonlat[:, 1]))
    for number, stretch in enumerate(network.stretches, start=1):
        route = _catalog_route(by_id, stretch.route, path=path, record=f"stretch #{number}")
        _stretch_of(route, network, stretch.start, stretch.end, path=path, record=f"stretch #{number}")
    files = set(catalog["source_file"]) if "source_file" in catalog else set()
    return ResolvedNetwork(network, lonlats, lengths, files.pop() if len(files) == 1 else None)


def _catalog_route(by_id: Mapping[str, Any], route_id: str, *, path: str, record: str) -> Any:
    if route_id not in by_id:
        raise RouteDataError(f"route {quote(route_id)} is not in the catalog; fix the id", path=path, record=record, field="route")
    return by_id[route_id]


def _stretch_of(route: Any, network: Network, start: str, end: str, *, path: str, record: str) -> NDArray[np.float64]:
    on = nodes_on_route(route, network)
    for key, node in (("from", start), ("to", end)):
        if node not in on:
            msg = f"node {node!r} does not lie on route {route['id']!r} (no waypoint within {ON_ROUTE_M / 1000:g} km); fix the node's lon/lat"
            raise RouteDataError(msg, path=path, record=record, field=key)
    lonlat, vertex = route_vertices(route)
    i, j = vertex[on[start]], vertex[on[end]]
    span = lonlat[i : j + 1] if i <= j else lonlat[j : i + 1][::-1]
    return _pinned(span, network.nodes[start].lonlat, network.nodes[end].lonlat)


def _pinned(lonlat: NDArray[np.float64], start: tuple[float, float] | None, end: tuple[float, float] | None) -> NDArray[np.float64]:
    """The line run on from the node at ``start`` and to the node at ``end`` (None: as it is), so pieces meet at nodes.

    A traced route's waypoint sits where the trace passes its place, up to
    :data:`geo.catalog.TRACE_LIMIT_M` from it; the node is at the place.
    """
    head = [start] if start is not None and tuple(lonlat[0]) != tuple(start) else []
    tail = [end] if end is not None and tuple(lonlat[-1]) != tuple(end) else []
    return np.concatenate([np.array(head, dtype=float).reshape(-1, 2), lonlat, np.array(tail, dtype=float).reshape(-1, 2)])


def basis_paths(routes: gpd.GeoDataFrame, resolved: ResolvedNetwork, *, basis: tuple[str, str]) -> list[BasisPath]:
    """The path of every route on a basis.

    Parameters
    ----------
    routes
        Routes as read by :func:`geo.catalog.read_routes`.
    resolved
        From :func:`resolve_network`.
    basis
        ``(from, to)`` node ids.

    Returns
    -------
    paths
        One per route, in order: the pieces from ``from`` to ``to`` (legs
        joining the route, and the stretches of its own line with their
        status), or an empty path whose ``why`` says why there is none.
    """
    network = resolved.network
    start, end = basis
    countries = (network.nodes[start].country, network.nodes[end].country)
    names = (network.nodes[start].name, network.nodes[end].name)
    return [replace(_path(route, resolved, start, end, countries), names=names) for _, route in routes.iterrows()]


def _path(route: Any, resolved: ResolvedNetwork, start: str, end: str, countries: tuple[str, str]) -> BasisPath:
    network = resolved.network
    on = nodes_on_route(route, network)
    last = len(route["waypoints"]) - 1
    at_index = {index: node for node, index in on.items()}
    first_node = start if start in on else at_index.get(0)
    last_node = end if end in on else at_index.get(last)
    none = BasisPath(start, end, countries=countries, why=None)
    if first_node is None:
        return _no_path(none, f"its start ({route['waypoints'][0]['name']}) is not a node of the network")
    if last_node is None:
        return _no_path(none, f"its end ({route['waypoints'][last]['name']}) is not a node of the network")
    if on[first_node] >= on[last_node]:
        return _no_path(none, f"{network.nodes[start].name} does not come before {network.nodes[end].name} along it")
    into = _shortest_legs(resolved, start, first_node)
    if into is None:
        return _no_path(none, f"no chain of legs joins {network.nodes[start].name} to its start at {network.nodes[first_node].name}")
    out = _shortest_legs(resolved, last_node, end)
    if out is None:
        return _no_path(none, f"no chain of legs joins its end at {network.nodes[last_node].name} to {network.nodes[end].name}")
    # A chain that runs through a node further along the route joins it there, not at its start
    # (and likewise at the end): the path never runs along the route's own line and back.
    (into_pieces, into_nodes), (out_pieces, out_nodes) = into, out
    meet = next((k for k, node in enumerate(into_nodes) if node in on and on[first_node] < on[node] < on[last_node]), None)
    if meet is not None:
        into_pieces, first_node = into_pieces[:meet], into_nodes[meet]
    leave = next((k for k in range(len(out_nodes) - 1, -1, -1) if out_nodes[k] in on and on[first_node] < on[out_nodes[k]] < on[last_node]), None)
    if leave is not None:
        out_pieces, last_node = out_pieces[leave:], out_nodes[leave]
    pieces = [*into_pieces, *_own_pieces(route, resolved, on, first_node, last_node), *out_pieces]
    return BasisPath(start, end, tuple(pieces), None, countries)


def _no_path(path: BasisPath, why: str) -> BasisPath:
    return BasisPath(path.start, path.end, (), f"no path on this basis: {why}", path.countries)


def _same_file(a: str | None, b: str | None) -> bool:
    """Whether two ``source_file`` values name one file, however each was typed (relative, absolute, a link)."""
    if a is None or b is None:
        return False
    try:
        return a == b or os.path.samefile(a, b)
    except OSError:  # one of them is gone or was never a file: not the catalog
        return False


def _own_pieces(route: Any, resolved: ResolvedNetwork, on: Mapping[str, int], first: str, last: str) -> list[Piece]:
    """The route's own line from node ``first`` to node ``last``, cut where a stretch changes its status.

    Stretches apply to the catalog's own routes only (a route from another
    file with the same id is not the catalog's line).
    """
    network = resolved.network
    from_catalog = _same_file(route.get("source_file"), resolved.catalog_file)
    spans = [
        (*sorted((on[s.start], on[s.end])), s)
        for s in network.stretches
        if from_catalog and s.route == route["id"] and s.start in on and s.end in on
    ]
    lo, hi = on[first], on[last]
    cuts = sorted({lo, hi} | {index for a, b, _ in spans for index in (a, b) if lo < index < hi})
    lonlat, vertex = route_vertices(route)
    existing = route["kind"] == "reference"
    pieces = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        stretch = next((s for s_a, s_b, s in spans if s_a <= a and b <= s_b), None)
        if stretch is not None:
            status, pipeline = stretch.status, stretch.pipeline
        else:
            status, pipeline = ("existing", str(route["name"])) if existing else ("new", None)
        line = lonlat[vertex[a] : vertex[b] + 1]
        pinned = _pinned(
            line,
            network.nodes[first].lonlat if a == lo else None,
            network.nodes[last].lonlat if b == hi else None,
        )
        join_m = float(WGS84.line_length(pinned[:, 0], pinned[:, 1]) - WGS84.line_length(line[:, 0], line[:, 1]))
        pieces.append(Piece(pinned, status, str(route["id"]), pipeline, str(route["id"]), (a, b), (vertex[a], vertex[b]), join_m))
    return pieces


def _shortest_legs(resolved: ResolvedNetwork, start: str, end: str) -> tuple[list[Piece], list[str]] | None:
    """The shortest chain of legs from node ``start`` to node ``end`` (Dijkstra): its pieces and
    the nodes it passes (``start`` first, ``end`` last; piece k runs from node k to node k + 1); None if none."""
    if start == end:
        return [], [start]
    network = resolved.network
    neighbours: dict[str, list[tuple[str, Leg]]] = {}
    for leg in network.legs:
        neighbours.setdefault(leg.start, []).append((leg.end, leg))
        neighbours.setdefault(leg.end, []).append((leg.start, leg))
    best = {start: 0.0}
    came: dict[str, tuple[str, Leg]] = {}
    queue = [(0.0, start)]
    while queue:
        dist, node = heapq.heappop(queue)
        if node == end:
            break
        if dist > best[node]:
            continue
        for other, leg in neighbours.get(node, []):
            candidate = dist + resolved.leg_m[leg.id]
            if candidate < best.get(other, np.inf):
                best[other] = candidate
                came[other] = (node, leg)
                heapq.heappush(queue, (candidate, other))
    if end not in best:
        return None
    chain, nodes = [], [end]
    node = end
    while node != start:
        previous, leg = came[node]
        lonlat = resolved.leg_lonlat[leg.id]
        forward = leg.start == previous
        chain.append(Piece(lonlat if forward else lonlat[::-1], leg.status, leg.id, leg.pipeline))
        nodes.append(previous)
        node = previous
    return chain[::-1], nodes[::-1]


# --------------------------------------------------------------------------
# measuring a path


def path_lines(paths: Sequence[BasisPath]) -> list[shapely.LineString | None]:
    """Each path as one lon/lat LineString (pieces end to end), None where there is no path."""
    lines = []
    for path in paths:
        if not path.pieces:
            lines.append(None)
            continue
        parts = [path.pieces[0].lonlat] + [piece.lonlat[1:] for piece in path.pieces[1:]]
        lines.append(shapely.LineString(np.concatenate(parts)))
    return lines


def basis_summary(path: BasisPath, measured: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-ready ``basis`` of a comparison record.

    Parameters
    ----------
    path
        From :func:`basis_paths`, with pieces.
    measured
        The row of :func:`geo.measure.measure_routes` for the path's line
        (:func:`path_lines`).

    Returns
    -------
    basis
        ``from``, ``to`` (node ids), ``from_name``, ``to_name`` (their
        names, for readers), ``km``, ``new_build_km``,
        ``existing_km``, ``countries`` (ISO3 -> km, largest first),
        ``transit_km`` (km in countries other than the supplier's and the
        buyer's; water and km outside the boundary extract are not transit),
        ``border_crossings`` (count) and ``legs`` (each piece: ``what``,
        ``status``, ``pipeline``, ``km``); km rounded to the metre.
    """
    by_status = {status: 0.0 for status in STATUSES}
    legs = []
    for piece in path.pieces:
        metres = float(WGS84.line_length(piece.lonlat[:, 0], piece.lonlat[:, 1]))
        by_status[piece.status] += metres
        legs.append({"what": piece.label, "status": piece.status, "pipeline": piece.pipeline, "km": _km(metres)})
    country_m = measured["country_m"]
    transit_m = sum(m for iso, m in country_m.items() if iso not in NOT_A_COUNTRY and iso not in path.countries)
    ordered = sorted(country_m.items(), key=lambda kv: (kv[0] in NOT_A_COUNTRY, -kv[1]))
    return {
        "from": path.start,
        "to": path.end,
        "from_name": path.names[0] or path.start,
        "to_name": path.names[1] or path.end,
        "km": _km(measured["length_m"]),
        "new_build_km": _km(by_status["new"]),
        "existing_km": _km(by_status["existing"]),
        "countries": {iso: _km(m) for iso, m in ordered},
        "transit_km": _km(transit_m),
        "border_crossings": len(measured["crossings"]),
        "legs": legs,
    }


def _km(metres: float) -> float:
    return round(float(metres) / 1000.0, 3)


def basis_records(
    paths: Sequence[BasisPath],
    countries: CountryIndex,
    *,
    max_segment_m: float = DEFAULT_MAX_SEGMENT_M,
) -> list[dict[str, Any] | str]:
    """Measure the path of every route on a basis.

    Parameters
    ----------
    paths
        From :func:`basis_paths`.
    countries
        Indexed boundaries (:func:`geo.countries.build_country_index`).
    max_segment_m
        Densification spacing along geodesics for the country lookup, metres.

    Returns
    -------
    bases
        Per path: :func:`basis_summary` of it, or the sentence that says why
        the route has no path.
    """
    lines = path_lines(paths)
    drawn = [line for line in lines if line is not None]
    measured = measure_routes(gpd.GeoDataFrame(geometry=drawn, crs="EPSG:4326"), countries, max_segment_m=max_segment_m) if drawn else None
    out: list[dict[str, Any] | str] = []
    row = 0
    for path, line in zip(paths, lines, strict=True):
        if line is None:
            out.append(str(path.why))
            continue
        assert measured is not None
        out.append(basis_summary(path, measured.iloc[row]))
        row += 1
    return out
