"""Benchmark: ``compare`` with as-built estimates against ``compare`` without them.

    python benchmarks/bench_compare.py [--runs 5] [--quick]

Both are timed in this process, interleaved, on the default catalog (the
routes and the shipped suggestions): the baseline is everything ``compare``
does (read the routes, measure them against the boundaries, sample the
elevation profiles, find and measure every basis path) with the estimates
switched off; the other run adds the as-built Monte Carlo (2,000 samples per
route, its published segments and its basis path). One untimed run of each
first loads the data files into the page cache. Target: at most 2 times the
baseline (issue 11), on the median of the runs.

Exit status 0 when the target is met, 1 when it is missed (after printing
every figure). ``--quick`` times one run of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import make_maps  # noqa: E402

TARGET = 2.0


def _time(as_built: bool) -> float:
    args = make_maps._parser().parse_args(["compare"])
    start = time.perf_counter()
    make_maps._measure_with_profiles(args, as_built=as_built)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one timed run of each")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    _time(False), _time(True)  # warm: data files into the page cache, imports done
    without, with_ = [], []
    for _ in range(runs):
        without.append(_time(False))
        with_.append(_time(True))
    base, estimated = statistics.median(without), statistics.median(with_)
    ratio = estimated / base
    print(f"compare without estimates (baseline): median {base:.2f} s of {runs} ({', '.join(f'{t:.2f}' for t in without)})")
    print(f"compare with estimates:               median {estimated:.2f} s of {runs} ({', '.join(f'{t:.2f}' for t in with_)})")
    print(f"ratio {ratio:.2f}x (target at most {TARGET:g}x)")
    if ratio > TARGET:
        print(f"missed: compare with estimates takes {ratio:.2f}x the baseline, over {TARGET:g}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
