"""Benchmark: the report figure's wall time against the import floor of what it is made with.

    python benchmarks/bench_figure.py [--runs 5] [--kind map] [--format png] [--quick]

Times ``python make_maps.py figure --kind KIND --out fig.FORMAT`` (the whole
command: imports, measuring every route, drawing, writing) against
``python -c "import geopandas, matplotlib.pyplot"``, the floor any
geopandas-and-matplotlib script pays before it draws anything. The two are
run alternately, ``--runs`` times each, so both see the same load on a
shared machine; the medians are compared. Target: at most 2 times.

It also reports the CPU seconds (user + system) of both, which a busy
machine disturbs less than the wall time, and the size of the file.

Exit status: 0 when the target is met; 1 when it is missed, after printing
the figures and one line on stderr. ``--quick`` (two runs of each) checks
that behaviour fast.

Figures from a run are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR = "import geopandas, matplotlib.pyplot"
TARGET = 2.0
"""The figure command may take at most this many times the import floor (median wall time)."""


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, its user + system CPU seconds)."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter() - t, u.ru_utime + u.ru_stime)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True).stdout
    wall, cpu = out.split()
    return float(wall), float(cpu)


def figure_vs_floor(runs: int, kind: str, fmt: str) -> dict:
    """Median wall and CPU time of the figure command and of the import floor, run alternately."""
    figure, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"figure.{fmt}"
        command = [sys.executable, str(REPO / "make_maps.py"), "figure", "--kind", kind, "--out", str(out)]
        _timed(command)  # untimed first run: the file system cache, as for every later run
        for _ in range(runs):
            floor.append(_timed([sys.executable, "-c", FLOOR]))
            figure.append(_timed(command))
        size = out.stat().st_size
    f_s, b_s = statistics.median(t for t, _ in floor), statistics.median(t for t, _ in figure)
    f_cpu, b_cpu = statistics.median(c for _, c in floor), statistics.median(c for _, c in figure)
    return {
        "kind": kind,
        "format": fmt,
        "figure_s": round(b_s, 2),
        "import_floor_s": round(f_s, 2),
        "time_ratio": round(b_s / f_s, 2),
        "time_ratio_exact": b_s / f_s,
        "figure_cpu_s": round(b_cpu, 2),
        "import_floor_cpu_s": round(f_cpu, 2),
        "cpu_ratio": round(b_cpu / f_cpu, 2),
        "file_kb": round(size / 1024),
        "figure_runs_s": [round(t, 2) for t, _ in figure],
        "floor_runs_s": [round(t, 2) for t, _ in floor],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs of each command (default 5; 2 with --quick)")
    parser.add_argument("--kind", choices=("map", "comparison", "profiles"), default="map", help="figure drawn (default map)")
    parser.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="file written (default png)")
    parser.add_argument("--quick", action="store_true", help="two runs of each: checks the exit status")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    report = {"runs": runs, "time": time.strftime("%Y-%m-%d")} | figure_vs_floor(runs, args.kind, args.format)
    exact = report.pop("time_ratio_exact")
    report["target"] = f"time_ratio <= {TARGET:g}"
    report["target_met"] = exact <= TARGET
    print(json.dumps(report, indent=2))
    if exact > TARGET:
        print(
            f"target missed: `figure --kind {args.kind}` took {exact:.2f} times the import floor ({FLOOR!r}); the target is {TARGET:g}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
