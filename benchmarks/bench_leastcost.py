"""Benchmark: the least-cost solver against the bare solver call, and the cost of cell size.

    python benchmarks/bench_leastcost.py

1. A 2000 x 2000 grid of random costs, corner to corner: ``least_cost_path``
   (graph building, Dijkstra, path tracing) against the bare
   ``scipy.sparse.csgraph.dijkstra`` call on the same, already built graph.
   Target: at most 1.3 times; peak memory under 1.5 GB (each in its own
   process).
2. ``make_maps.py route`` from Irkutsk to Beijing with cells of 10, 5, 2 and
   1 km: how time grows as cells shrink.

Figures from a run are in benchmarks/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIDE = 2000

CHILD = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, sys.argv[2])
from geo.leastcost import _edges, least_cost_path
rng = np.random.default_rng(7)
cost = rng.uniform(1.0, 3.0, (int(sys.argv[3]), int(sys.argv[3])))
n = cost.size
if sys.argv[1] == "ours":
    t = time.perf_counter()
    path = least_cost_path(cost, [(0, 0), (cost.shape[0] - 1, cost.shape[1] - 1)], cell_m=1000.0)
    seconds = time.perf_counter() - t
    result = {"seconds": seconds, "cost": path.cost}
else:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    graph = csr_matrix(_edges(cost, np.zeros(cost.shape, dtype=np.int64), 1000.0, 0.0), shape=(n, n))  # built beforehand
    t = time.perf_counter()
    distances = dijkstra(graph, directed=False, indices=0)
    seconds = time.perf_counter() - t
    result = {"seconds": seconds, "cost": float(distances[n - 1])}
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def main() -> int:
    runs = {}
    for which in ("bare", "ours"):
        out = subprocess.run([sys.executable, "-c", CHILD, which, str(REPO), str(SIDE)], capture_output=True, text=True, check=True)
        runs[which] = json.loads(out.stdout)
    report = {
        "grid": f"{SIDE} x {SIDE}",
        "ours_s": round(runs["ours"]["seconds"], 2),
        "bare_dijkstra_s": round(runs["bare"]["seconds"], 2),
        "ratio": round(runs["ours"]["seconds"] / runs["bare"]["seconds"], 2),
        "same_cost": abs(runs["ours"]["cost"] - runs["bare"]["cost"]) < 1e-6 * runs["bare"]["cost"],
        "ours_peak_mb": round(runs["ours"]["peak_mb"]),
        "bare_peak_mb": round(runs["bare"]["peak_mb"]),
        "route_seconds_by_cell_km": {},
    }
    for cell_km in (10, 5, 2, 1):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(REPO / "make_maps.py"), "route", "--from", "104.28,52.29", "--to", "116.41,39.90",
             "--cell-km", str(cell_km)],
            capture_output=True, check=True,
        )  # fmt: skip
        report["route_seconds_by_cell_km"][str(cell_km)] = round(time.perf_counter() - start, 2)
    report["targets_met"] = {"at_most_1_3x": report["ratio"] <= 1.3, "under_1_5_gb": report["ours_peak_mb"] < 1536}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
