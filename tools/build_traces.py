"""Clean the OpenStreetMap-traced reference pipelines into one main path each.

Reads the eight route files of Global Energy Monitor's Global Gas
Infrastructure Tracker (GOIT-GGIT-pipeline-routes, commit 6bfab45; OSM ways
exported with JOSM / overpass-turbo) from a folder (default
``../shared/data/traced-pipelines``) and writes:

``geo/data/traced_pipelines.geojson``
    One Feature per input file: the main path as a LineString (lon/lat,
    6 decimals), oriented from the gas source toward the market, with
    ``id``, ``name``, ``osm_ways``, ``method``, ``parts``, ``gap_km``,
    ``length_km``, ``source``, ``licence`` and ``confidence``.
``geo/data/traced_pipelines.source.json``
    Where the data came from: repository, commit, the SHA-256 of every input
    file and of the output, the build date and the licence.

How a file becomes one path (the same for every file):

1. ``shapely.line_merge`` joins the ways that share exact end points into
   parts.
2. Part ends closer than ``SNAP_M`` are one node of a graph whose edges are
   the parts (weighted by geodesic length, WGS84).
3. Disconnected pieces are joined by geodesic gap edges between part ends,
   shortest first, only between pieces not yet connected (Kruskal): the
   fewest, shortest bridges that connect everything.
4. The main path is the shortest path (Dijkstra) between the two leaf nodes
   farthest apart along the graph: it runs end to end, takes the shorter of
   two parallel strings and leaves out branches and station loops.
5. The path is oriented from the gas source toward the market (a compass
   direction per file, below), measured on the WGS84 ellipsoid, rounded.

Geometry © OpenStreetMap contributors (ODbL 1.0), via Global Energy Monitor
(CC BY 4.0). The output is a derived database under the ODbL: it ships with
that notice in every feature and in the source record.

    python tools/build_traces.py [../shared/data/traced-pipelines]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

REPO_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_DIR / "geo" / "data"
DEFAULT_SOURCE = REPO_DIR.parent / "shared" / "data" / "traced-pipelines"
OUT_NAME = "traced_pipelines.geojson"
SOURCE_NAME = "traced_pipelines.source.json"

WGS84 = Geod(ellps="WGS84")
DECIMALS = 6  # about 0.1 m
SNAP_M = 500.0  # way ends closer than this are one node (junctions traced a little apart)
MAX_GAP_M = 25_000.0  # longest gap bridged; pieces farther off are branches or other lines
SOURCE_REPO = "GlobalEnergyMonitor/GOIT-GGIT-pipeline-routes"
SOURCE_COMMIT = "6bfab45"
SOURCE_DATE = "2026-04-07"
SOURCE_PATH = "data/individual-routes/gas-pipelines/{id}.geojson"
LICENCE = (
    "Geometry © OpenStreetMap contributors, Open Database License (ODbL 1.0), "
    "https://www.openstreetmap.org/copyright; via Global Energy Monitor, Global Gas Infrastructure "
    "Tracker, CC BY 4.0. Derived database: ODbL 1.0."
)

# Per file: English name, the direction from the gas source to the market
# (compass words, no coordinates), confidence of the cleaned line as an
# as-built trace, and a note. Confidence: "high" = one OSM way or relation;
# "medium" = several OSM ways joined with short gaps; "low" = long stretches
# drawn by GEM with few vertices rather than traced in OSM.
FILES: dict[str, dict[str, str]] = {
    "P2353": {"name": "Power of Siberia 1: Kovykta – Chayanda", "direction": "west_to_east", "confidence": "high"},
    "P2352": {
        "name": "Power of Siberia 1: Chayanda – Blagoveshchensk (Amur crossing)",
        "direction": "north_to_south",
        "confidence": "medium",
    },
    "P4484": {
        "name": "Power of Siberia 1 / China–Russia East Route: Svobodny – Heihe – Changling",
        "direction": "north_to_south",
        "confidence": "high",
    },
    "P4482": {"name": "China–Russia East Route: Heihe – Shanghai", "direction": "north_to_south", "confidence": "low"},
    "P1124": {"name": "Central Asia – China pipeline (Lines A/B)", "direction": "west_to_east", "confidence": "high"},
    "P0758": {"name": "Sakhalin – Khabarovsk – Vladivostok", "direction": "north_to_south", "confidence": "medium"},
    "P2348": {"name": "Nadym – Punga 1", "direction": "east_to_west", "confidence": "medium"},
    "P5538": {"name": "Punga – Ukhta – Gryazovets 3 (Punga – Ukhta)", "direction": "east_to_west", "confidence": "medium"},
}


@dataclass
class Way:
    """One OSM way (or a GEM-drawn line without an OSM id): coordinates, id, metres."""

    coords: np.ndarray  # (n, 2) lon/lat
    osm_id: str | None
    length_m: float


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _length_m(coords: np.ndarray) -> float:
    if len(coords) < 2:
        return 0.0
    _, _, dist = WGS84.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return float(np.sum(dist))


def _read_ways(path: Path) -> list[Way]:
    """Every line of one file, with its OSM id (None for lines GEM drew)."""
    doc = json.loads(path.read_text("utf-8"))
    ways = []
    for feature in doc["features"]:
        geometry = shapely.geometry.shape(feature["geometry"])
        for line in shapely.get_parts(geometry):
            if line.geom_type == "LineString" and line.length > 0:
                coords = shapely.get_coordinates(line)
                ways.append(Way(coords, feature["properties"].get("@id"), _length_m(coords)))
    return ways


def _nodes(ways: list[Way]) -> tuple[np.ndarray, np.ndarray]:
    """Cluster way ends within SNAP_M; return node lon/lat and (way, end) -> node."""
    ends = np.array([[w.coords[0], w.coords[-1]] for w in ways]).reshape(-1, 2)
    node_of = -np.ones(len(ends), dtype=np.int64)
    centres: list[np.ndarray] = []
    for k, point in enumerate(ends):
        for n, centre in enumerate(centres):
            if WGS84.inv(point[0], point[1], centre[0], centre[1])[2] <= SNAP_M:
                node_of[k] = n
                break
        else:
            node_of[k] = len(centres)
            centres.append(point)
    return np.array(centres), node_of.reshape(-1, 2)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def clean(path: Path) -> dict[str, object]:
    """Reduce one file to its main path; return the path and how it was made."""
    ways = _read_ways(path)
    nodes, ends = _nodes(ways)
    # Edges: (a, b, length_m, coords from a to b, way index or -1 for a gap join).
    edges: list[tuple[int, int, float, np.ndarray, int]] = [
        (int(ends[k, 0]), int(ends[k, 1]), w.length_m, w.coords, k) for k, w in enumerate(ways)
    ]
    parent = list(range(len(nodes)))
    for a, b, _, _, _ in edges:
        parent[_find(parent, a)] = _find(parent, b)
    i, j = np.triu_indices(len(nodes), k=1)
    _, _, gap = WGS84.inv(nodes[i, 0], nodes[i, 1], nodes[j, 0], nodes[j, 1])
    for k in np.argsort(gap, kind="stable"):
        a, b = int(i[k]), int(j[k])
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb and gap[k] <= MAX_GAP_M:
            parent[ra] = rb
            edges.append((a, b, float(gap[k]), nodes[[a, b]], -1))
    # Keep the connected piece holding the most pipe; drop the rest (far branches).
    root = np.array([_find(parent, n) for n in range(len(nodes))])
    pipe = np.zeros(len(nodes))
    for a, _, length, _, way in edges:
        if way >= 0:
            pipe[root[a]] += length
    main_root = int(np.argmax(pipe))
    dropped_m = float(sum(e[2] for e in edges if e[4] >= 0 and root[e[0]] != main_root))
    # Graph (the shortest edge between two nodes counts for the path search).
    best: dict[tuple[int, int], int] = {}
    for e, (a, b, length, _, _) in enumerate(edges):
        key = (min(a, b), max(a, b))
        if a != b and (key not in best or length < edges[best[key]][2]):
            best[key] = e
    rows = [k[0] for k in best] + [k[1] for k in best]
    cols = [k[1] for k in best] + [k[0] for k in best]
    weights = [edges[e][2] for e in best.values()] * 2
    graph = coo_matrix((weights, (rows, cols)), shape=(len(nodes), len(nodes))).tocsr()
    degree = np.bincount(np.array(rows), minlength=len(nodes))
    leaves = np.flatnonzero((degree == 1) & (root == main_root))
    dist, pred = dijkstra(graph, directed=False, indices=leaves, return_predecessors=True)
    sub = dist[:, leaves]
    r, c = np.unravel_index(np.argmax(np.where(np.isfinite(sub), sub, -1)), sub.shape)
    start, stop = int(leaves[r]), int(leaves[c])
    chain = [stop]
    while chain[-1] != start:
        chain.append(int(pred[r, chain[-1]]))
    chain.reverse()
    pieces, used, drawn_m = [], [], 0.0
    for a, b in zip(chain[:-1], chain[1:], strict=True):
        ea, _, length, coords, way = edges[best[(min(a, b), max(a, b))]]
        pieces.append(coords if ea == a else coords[::-1])
        if way >= 0:
            used.append(way)
            if ways[way].osm_id is None:
                drawn_m += length
    # Joins: gap edges (2 vertices) and the jumps between snapped ends.
    line = [pieces[0]]
    gap_m = sum(edges[best[(min(a, b), max(a, b))]][2]
                for a, b in zip(chain[:-1], chain[1:], strict=True) if edges[best[(min(a, b), max(a, b))]][4] < 0)  # fmt: skip
    for piece in pieces[1:]:
        gap_m += WGS84.inv(line[-1][-1, 0], line[-1][-1, 1], piece[0, 0], piece[0, 1])[2]
        line.append(piece)
    merged = shapely.line_merge(shapely.MultiLineString([ways[k].coords for k in used]))
    return {
        "coords": np.vstack(line),
        "ways_total": len(ways),
        "parts_total": len(shapely.get_parts(shapely.line_merge(shapely.MultiLineString([w.coords for w in ways])))),
        "parts_used": len(shapely.get_parts(merged)),
        "gaps": sum(1 for e in edges if e[4] < 0),
        "gap_m": gap_m,
        "drawn_m": drawn_m,
        "dropped_m": dropped_m,
        "osm_ids": sorted({ways[k].osm_id for k in used if ways[k].osm_id is not None}),
    }


def _orient(coords: np.ndarray, direction: str) -> np.ndarray:
    """Flip the line so it runs in the given compass direction, source to market."""
    d_lon, d_lat = coords[-1] - coords[0]
    forward = {"west_to_east": d_lon > 0, "east_to_west": d_lon < 0,
               "north_to_south": d_lat < 0, "south_to_north": d_lat > 0}[direction]  # fmt: skip
    return coords if forward else coords[::-1]


def _dedupe(coords: np.ndarray) -> np.ndarray:
    keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
    return coords[keep]


def build(source_dir: Path) -> dict[str, object]:
    """Clean every file, write the GeoJSON and the provenance record."""
    features, inputs = [], {}
    for pid, meta in FILES.items():
        path = source_dir / f"{pid}.geojson"
        if not path.is_file():
            raise SystemExit(f"{path}: missing; pass the traced-pipelines folder")
        inputs[path.name] = _sha256(path)
        result = clean(path)
        coords = _dedupe(np.round(_orient(result["coords"], meta["direction"]), DECIMALS))
        length_km = _length_m(coords) / 1000.0
        method = (
            f"{result['ways_total']} line(s) of the file (shapely.line_merge: {result['parts_total']} part(s)) as graph "
            f"edges, ends within {SNAP_M:.0f} m one node, pieces bridged by {result['gaps']} geodesic gap join(s) "
            f"of at most {MAX_GAP_M / 1000:.0f} km (shortest first, Kruskal); main path = shortest path between "
            f"the two leaf ends farthest apart along the graph: {result['parts_used']} merged part(s), "
            f"{result['gap_m'] / 1000:.1f} km of joins"
        )
        if result["dropped_m"] > 0:
            method += f"; {result['dropped_m'] / 1000:.0f} km of pipe beyond the gap limit left out (branches)"
        if result["drawn_m"] > 0:
            method += (
                f"; {result['drawn_m'] / 1000:.0f} km of the path are lines drawn by GEM with few vertices, "
                "not OSM traces"
            )
        method += f"; oriented {meta['direction'].replace('_', ' ')} (gas source to market); not simplified."
        features.append({
            "type": "Feature",
            "properties": {
                "id": pid,
                "name": meta["name"],
                "osm_ways": result["osm_ids"],
                "method": method,
                "parts": result["parts_used"],
                "gap_km": round(result["gap_m"] / 1000.0, 3),
                "length_km": round(length_km, 3),
                "source": f"Global Energy Monitor GGIT, {SOURCE_REPO} commit {SOURCE_COMMIT} "
                          f"({SOURCE_DATE}), {SOURCE_PATH.format(id=pid)}; OpenStreetMap ways",
                "licence": LICENCE,
                "confidence": meta["confidence"],
            },
            "geometry": {"type": "LineString", "coordinates": coords.tolist()},
        })  # fmt: skip
    out = OUT_DIR / OUT_NAME
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"), ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    record = {
        "dataset": "Global Energy Monitor GGIT pipeline routes (OpenStreetMap ways)",
        "repository": SOURCE_REPO,
        "commit": SOURCE_COMMIT,
        "source_date": SOURCE_DATE,
        "licence": LICENCE,
        "attribution": "© OpenStreetMap contributors (ODbL 1.0); Global Energy Monitor, Global Gas "
        "Infrastructure Tracker (CC BY 4.0)",
        "attribution_short": "© OpenStreetMap contributors (ODbL), Global Energy Monitor (CC BY)",
        "input_sha256": inputs,
        "output_sha256": {OUT_NAME: _sha256(out)},
        "build_date": datetime.fromtimestamp(
            int(os.environ.get("SOURCE_DATE_EPOCH", datetime.now(timezone.utc).timestamp())),
            tz=timezone.utc,
        ).date().isoformat(),
        "method": __doc__.split("How a file becomes one path (the same for every file):")[1].split("Geometry ©")[0].strip(),
        "snap_m": SNAP_M,
        "decimals": DECIMALS,
        "simplification": "none",
    }
    (OUT_DIR / SOURCE_NAME).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, nargs="?", default=DEFAULT_SOURCE, help="the traced-pipelines folder")
    args = parser.parse_args(argv)
    build(args.source)
    doc = json.loads((OUT_DIR / OUT_NAME).read_text("utf-8"))
    for f in doc["features"]:
        p = f["properties"]
        print(f"{p['id']}: {p['length_km']:9.1f} km, {p['parts']} parts, gaps {p['gap_km']:.1f} km, "
              f"{len(f['geometry']['coordinates'])} vertices, {p['confidence']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
