"""Leave-one-out backtest of the as-built estimator (geo/asbuilt.py) on the traced pipelines.

    python benchmarks/backtest_asbuilt.py [--samples 2000] [--min-coverage 0.7]

For each trace that calibrates (geo/data/calibration_sketches.toml), the
routing factors are fitted on the sections of the *other* traces only
(tools/build_calibration.py: ``fit``), then every section of this trace's
sketch and the whole sketch are estimated with :func:`geo.asbuilt.as_built`
(no position noise: the sketch points are town centres the line is known to
pass) and compared with the trace length between the points' projections.
Prints per trace the median absolute % error of the estimate, of the bare
sketch (factor 1), and how often the trace length lies inside the 90 % band;
exits 1 when the pooled coverage of the sections is below ``--min-coverage``.

Traces: ODbL 1.0 © OpenStreetMap contributors, via Global Energy Monitor GGIT (CC BY 4.0).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO_DIR = Path(__file__).resolve().parent.parent
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from geo.asbuilt import as_built, load_routing_model  # noqa: E402
from geo.elevation import load_elevation  # noqa: E402
from tools.build_calibration import (  # noqa: E402
    ELEVATION_PATH,
    fit,
    load_sketches,
    load_traces,
    sections,
)


def backtest(*, samples: int = 2000, coverage: float = 0.9, seed: int = 0) -> dict[str, Any]:
    """Run the leave-one-out backtest; return per-trace and pooled figures."""
    traces = load_traces()
    elevation = load_elevation(ELEVATION_PATH)
    sketches = [s for s in load_sketches() if s.get("calibrate", True)]
    rows = sections(traces, sketches, elevation)
    per_trace, all_sections, wholes = {}, [], []
    with tempfile.TemporaryDirectory() as tmp:
        for sketch in sketches:
            held = sketch["trace"]
            training = [dict(r, calibrate=r["calibrate"] and r["trace"] != held) for r in rows]
            path = Path(tmp) / f"{held}.json"
            path.write_text(json.dumps(fit(training, traces), allow_nan=False))
            model = load_routing_model(path)
            lonlat = np.array([[p["lon"], p["lat"]] for p in sketch["points"]], dtype=float)
            mine = [r for r in rows if r["trace"] == held and r["calibrate"]]
            result = as_built(lonlat, model=model, elevation=elevation, coverage=coverage, samples=samples, seed=seed)
            errors, bare, inside = [], [], []
            for r in mine:
                band = result.band_between(r["index"], r["index"] + 1)
                truth = r["trace_m"] / 1000.0
                errors.append(abs(band["estimate"] - truth) / truth * 100.0)
                bare.append(abs(r["sketch_m"] / 1000.0 - truth) / truth * 100.0)
                inside.append(band["low"] <= truth <= band["high"])
            first, last = mine[0]["index"], mine[-1]["index"] + 1
            whole = result.band_between(first, last)
            truth = sum(r["trace_m"] for r in mine) / 1000.0
            contiguous = [r["index"] for r in mine] == list(range(first, last))
            per_trace[held] = {
                "sections": len(mine),
                "median_error_pct": float(np.median(errors)),
                "median_sketch_error_pct": float(np.median(bare)),
                "coverage": float(np.mean(inside)),
                "whole_km": truth,
                "whole_band": whole,
                "whole_error_pct": abs(whole["estimate"] - truth) / truth * 100.0,
                "whole_sketch_error_pct": abs(result.measured_m[first:last].sum() / 1000.0 - truth) / truth * 100.0,
                "whole_inside": bool(whole["low"] <= truth <= whole["high"]) if contiguous else None,
            }
            all_sections.extend(zip(errors, bare, inside, strict=True))
            wholes.append(per_trace[held])
    errors, bare, inside = (np.array(c, dtype=float) for c in zip(*all_sections, strict=True))
    return {
        "traces": per_trace,
        "sections": len(errors),
        "median_error_pct": float(np.median(errors)),
        "median_sketch_error_pct": float(np.median(bare)),
        "coverage": float(inside.mean()),
        "whole_median_error_pct": float(np.median([w["whole_error_pct"] for w in wholes])),
        "whole_median_sketch_error_pct": float(np.median([w["whole_sketch_error_pct"] for w in wholes])),
        "whole_coverage": float(np.mean([w["whole_inside"] for w in wholes if w["whole_inside"] is not None])),
        "nominal": coverage,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--min-coverage", type=float, default=0.7)
    args = parser.parse_args(argv)
    result = backtest(samples=args.samples)
    print(f"{'trace':6s} {'n':>3s} {'err %':>6s} {'sketch %':>8s} {'in band':>7s}   {'whole: trace km':>15s} "
          f"{'estimate [90 %]':>28s} {'err %':>6s} {'in':>3s}")  # fmt: skip
    for trace_id, t in result["traces"].items():
        b = t["whole_band"]
        print(f"{trace_id:6s} {t['sections']:3d} {t['median_error_pct']:6.1f} {t['median_sketch_error_pct']:8.1f} "
              f"{t['coverage']:7.2f}   {t['whole_km']:15.1f} {b['estimate']:10.1f} [{b['low']:7.1f}-{b['high']:7.1f}] "
              f"{t['whole_error_pct']:6.1f} {'yes' if t['whole_inside'] else 'no':>3s}")  # fmt: skip
    print(f"all    {result['sections']:3d} {result['median_error_pct']:6.1f} {result['median_sketch_error_pct']:8.1f} "
          f"{result['coverage']:7.2f}   whole sketches: median error {result['whole_median_error_pct']:.1f} % "
          f"(bare sketch {result['whole_median_sketch_error_pct']:.1f} %), "
          f"coverage {result['whole_coverage']:.2f} (nominal {result['nominal']})")  # fmt: skip
    if result["coverage"] < args.min_coverage:
        print(f"coverage {result['coverage']:.2f} below {args.min_coverage}: the band is too narrow", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
