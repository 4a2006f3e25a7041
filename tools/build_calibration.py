"""Fit the routing factors of geo/asbuilt.py from the traced pipelines and their sketches.

Reads ``geo/data/traced_pipelines.geojson`` (built by ``tools/build_traces.py``;
ODbL 1.0 © OpenStreetMap contributors, via Global Energy Monitor GGIT, CC BY
4.0), ``geo/data/calibration_sketches.toml`` and the elevation grid, and writes
``geo/data/routing_factors.json``:

* **Sections.** Each sketch is cut between consecutive named points. For each
  section: the sketch length (geodesic between the two points), the trace
  length between the points' projections on the trace (nearest vertex of the
  trace densified to 1 km, found by geodesic distance), their ratio (the
  routing factor) and the ruggedness of the sketch segment (what is known
  when estimating a new line).
* **Classes.** Mean and spread of the log factor per terrain class, each
  shrunk toward the pooled fit with the weight of ``PRIOR_N`` sections
  (partial pooling: a class with few sections borrows from the rest).
* **Length scale.** Points taken on every trace at a fixed spacing (2 to 400
  km) give the factor of a line of that spacing that lies on the pipe; its
  mean and spread relative to the value at ``reference_km`` (the median sketch
  leg) scale the class factors to any segment length.
* **Correlation.** Share of the log-factor variance between traces
  (one-way analysis of variance over the sections).

    python tools/build_calibration.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

REPO_DIR = Path(__file__).resolve().parent.parent
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from geo.asbuilt import DEFAULT_THRESHOLDS_M, TERRAIN_CLASSES, TRACED_SD_LOG, ruggedness_m  # noqa: E402
from geo.elevation import ElevationGrid, load_elevation  # noqa: E402
from geo.errors import RouteDataError  # noqa: E402
from geo.geodesic import WGS84, densify  # noqa: E402

DATA_DIR = REPO_DIR / "geo" / "data"
TRACES_PATH = DATA_DIR / "traced_pipelines.geojson"
SKETCHES_PATH = DATA_DIR / "calibration_sketches.toml"
ELEVATION_PATH = DATA_DIR / "elevation_5min.npz"
OUT_PATH = DATA_DIR / "routing_factors.json"

PRIOR_N = 5.0  # weight of the pooled fit in each class, in sections
SPACINGS_KM = (2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 150.0, 200.0, 400.0)
PROJECTION_STEP_M = 1_000.0
COVERAGE = 0.9
# 90 % position radius per grade, km. coord_conf: is the point right for the
# named place (town centre: 1 km; derived: 5; rough: 20). route_conf: does a
# source say the line passes there. The calibration sketches run through towns
# the pipelines are known to pass (route_conf high), so their spread already
# holds the town-to-pipe offset: high adds nothing.
COORD_RADIUS_KM = {"high": 1.0, "medium": 5.0, "low": 20.0}
ROUTE_RADIUS_KM = {"high": 0.0, "medium": 20.0, "low": 50.0}
LICENCE = (
    "Fitted on geometry © OpenStreetMap contributors (ODbL 1.0) via Global Energy Monitor GGIT (CC BY 4.0); "
    "derived data under ODbL 1.0"
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_traces(path: Path = TRACES_PATH) -> dict[str, np.ndarray]:
    """Return ``{trace id: (n, 2) lon/lat}`` from the cleaned traces."""
    doc = json.loads(path.read_text("utf-8"))
    return {f["properties"]["id"]: np.asarray(f["geometry"]["coordinates"], dtype=float) for f in doc["features"]}


def load_sketches(path: Path = SKETCHES_PATH) -> list[dict[str, Any]]:
    """Return the sketch records, checked (one-line RouteDataError on a bad field)."""
    doc = tomllib.loads(path.read_text("utf-8"))
    sketches = doc.get("sketch")
    if not isinstance(sketches, list) or not sketches:
        raise RouteDataError("no [[sketch]] tables", path=path)
    for sketch in sketches:
        record = sketch.get("trace")
        for key in ("trace", "name", "source", "confidence"):
            if not isinstance(sketch.get(key), str) or not sketch[key]:
                raise RouteDataError("must be a non-empty string", path=path, record=record, field=key)
        points = sketch.get("points")
        if not isinstance(points, list) or len(points) < 2:
            raise RouteDataError("need at least two points", path=path, record=record, field="points")
        for i, point in enumerate(points):
            for key in ("name", "source", "confidence"):
                if not isinstance(point.get(key), str) or not point[key]:
                    raise RouteDataError("must be a non-empty string", path=path, record=record, field=f"points[{i}].{key}")
            for key, limit in (("lon", 180.0), ("lat", 90.0)):
                value = point.get(key)
                if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > limit:
                    raise RouteDataError(f"must be degrees within +-{limit:g}", path=path, record=record, field=f"points[{i}].{key}")
    return sketches


def trace_position(trace: np.ndarray, lonlat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project points on a trace: km along it and km off it (nearest vertex at 1 km spacing).

    Parameters
    ----------
    trace
        (n, 2) lon/lat.
    lonlat
        (m, 2) points.

    Returns
    -------
    along_m, off_m
        Metres from the trace's start to each projection, and from the point to it.
    """
    lon, lat, _, _, seg = densify(trace[:, 0], trace[:, 1], np.array([0]), max_segment_m=PROJECTION_STEP_M)
    cum = np.r_[0.0, np.cumsum(seg)]
    along, off = [], []
    for plon, plat in lonlat:
        _, _, dist = WGS84.inv(np.full(len(lon), plon), np.full(len(lon), plat), lon, lat)
        k = int(np.argmin(dist))
        along.append(cum[k])
        off.append(dist[k])
    return np.array(along), np.array(off)


def sections(
    traces: dict[str, np.ndarray], sketches: list[dict[str, Any]], elevation: ElevationGrid
) -> list[dict[str, Any]]:
    """Cut every sketch into sections and measure sketch, trace and ruggedness.

    Returns
    -------
    sections
        Dicts: ``trace``, ``from``, ``to``, ``sketch_m``, ``trace_m``,
        ``factor``, ``ruggedness_m``, ``calibrate`` (bool), ``index`` (section
        number within its sketch).
    """
    rows = []
    for sketch in sketches:
        points = sketch["points"]
        lonlat = np.array([[p["lon"], p["lat"]] for p in points], dtype=float)
        along, _ = trace_position(traces[sketch["trace"]], lonlat)
        _, _, sketch_m = WGS84.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
        rugged = ruggedness_m(lonlat, elevation=elevation)
        for i in range(len(points) - 1):
            trace_m = float(along[i + 1] - along[i])
            if trace_m <= 0:
                raise RouteDataError("projects behind the previous point on the trace", path=SKETCHES_PATH,
                                     record=sketch["trace"], field=f"points[{i + 1}]")  # fmt: skip
            rows.append({
                "trace": sketch["trace"],
                "index": i,
                "from": points[i]["name"],
                "to": points[i + 1]["name"],
                "sketch_m": float(sketch_m[i]),
                "trace_m": trace_m,
                "factor": trace_m / float(sketch_m[i]),
                "ruggedness_m": float(rugged[i]),
                "calibrate": bool(sketch.get("calibrate", True)) and "exclude_next" not in points[i],
            })  # fmt: skip
    return rows


def length_scale(traces: dict[str, np.ndarray], ids: list[str], reference_km: float) -> dict[str, list[float]]:
    """Factor of on-trace point lines by spacing, relative to the reference spacing."""
    means, sds = [], []
    spacings = sorted({*SPACINGS_KM, reference_km})
    for spacing in spacings:
        logs = []
        for trace_id in ids:
            trace = traces[trace_id]
            lon, lat, _, _, seg = densify(trace[:, 0], trace[:, 1], np.array([0]), max_segment_m=500.0)
            cum = np.r_[0.0, np.cumsum(seg)]
            idx = np.unique(np.clip(np.searchsorted(cum, np.arange(0.0, cum[-1], spacing * 1000.0)), 0, len(lon) - 1))
            if len(idx) < 2:
                continue
            _, _, chord = WGS84.inv(lon[idx[:-1]], lat[idx[:-1]], lon[idx[1:]], lat[idx[1:]])
            logs.extend(np.log(np.diff(cum[idx]) / chord))
        means.append(float(np.mean(logs)))
        sds.append(float(np.std(logs)))
    ref = spacings.index(reference_km)
    return {
        "length_km": [float(s) for s in spacings],
        "mean_ratio": [round(m / means[ref], 4) for m in means],
        "sd_ratio": [round(s / sds[ref], 4) for s in sds],
    }


def fit(rows: list[dict[str, Any]], traces: dict[str, np.ndarray], *, thresholds_m: tuple[float, float] = DEFAULT_THRESHOLDS_M) -> dict[str, Any]:
    """Fit the model on the sections marked ``calibrate`` (and their traces)."""
    used = [r for r in rows if r["calibrate"]]
    logs = np.log([r["factor"] for r in used])
    rug = np.array([r["ruggedness_m"] for r in used])
    klass = np.searchsorted(np.asarray(thresholds_m), rug, side="right")
    pooled_mean, pooled_var = float(logs.mean()), float(logs.var(ddof=1))
    classes = {}
    for k, name in enumerate(TERRAIN_CLASSES):
        sel = logs[klass == k]
        n = len(sel)
        mean = (sel.sum() + PRIOR_N * pooled_mean) / (n + PRIOR_N)
        var = (((sel - sel.mean()) ** 2).sum() if n else 0.0) + PRIOR_N * pooled_var
        classes[name] = {
            "mean_log": round(float(mean), 5),
            "sd_log": round(float(np.sqrt(var / (max(n - 1, 0) + PRIOR_N))), 5),
            "n": n,
            "factor": round(float(np.exp(mean)), 4),
        }
    # One-way ANOVA: share of the variance between traces.
    ids = sorted({r["trace"] for r in used})
    groups = [logs[[r["trace"] == t for r in used]] for t in ids]
    n_total, k_groups = len(logs), len(groups)
    within = sum(((g - g.mean()) ** 2).sum() for g in groups) / max(n_total - k_groups, 1)
    n0 = (n_total - sum(len(g) ** 2 for g in groups) / n_total) / max(k_groups - 1, 1)
    between = (sum(len(g) * (g.mean() - logs.mean()) ** 2 for g in groups) / max(k_groups - 1, 1) - within) / n0
    correlation = float(np.clip(between / (between + within), 0.0, 1.0)) if between + within > 0 else 0.0
    reference_km = round(float(np.median([r["sketch_m"] for r in used])) / 1000.0, 1)
    return {
        "classes": classes,
        "thresholds_m": list(thresholds_m),
        "reference_km": reference_km,
        "length_scale": length_scale(traces, ids, reference_km),
        "correlation": round(correlation, 4),
        "coord_radius_km": COORD_RADIUS_KM,
        "route_radius_km": ROUTE_RADIUS_KM,
        "traced_sd_log": TRACED_SD_LOG,
        "coverage": COVERAGE,
        "sections": len(used),
        "traces": ids,
    }


def build() -> dict[str, Any]:
    """Fit on every calibration section and write ``routing_factors.json``."""
    traces = load_traces()
    elevation = load_elevation(ELEVATION_PATH)
    rows = sections(traces, load_sketches(), elevation)
    model = fit(rows, traces)
    model.update({
        "method": (
            "ln(trace km / sketch km) of sections between named towns on OSM-traced pipelines; normal per terrain "
            f"class (ruggedness = mean |height change| per {5} km step along the sketch segment, elevation_5min), "
            f"shrunk toward the pooled fit with weight {PRIOR_N:g}; scaled to other segment lengths by the factor of "
            "points taken on the traces at fixed spacings; tools/build_calibration.py"
        ),
        "source": "geo/data/traced_pipelines.geojson (GEM GGIT routes, OSM ways) and geo/data/calibration_sketches.toml",
        "confidence": "medium",
        "licence": LICENCE,
        "attribution": "© OpenStreetMap contributors (ODbL 1.0); Global Energy Monitor, Global Gas Infrastructure Tracker (CC BY 4.0)",
        "radius_note": "90 % radius of a 2-D normal position error per grade; combined as hypot(coord, route)",
        "input_sha256": {p.name: _sha256(p) for p in (TRACES_PATH, SKETCHES_PATH, ELEVATION_PATH)},
    })  # fmt: skip
    OUT_PATH.write_text(json.dumps(model, indent=2, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
    return model


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    model = build()
    for name, c in model["classes"].items():
        print(f"{name:9s} n={c['n']:2d} factor {c['factor']:.3f} sd_log {c['sd_log']:.3f}")
    print(f"reference {model['reference_km']} km, correlation {model['correlation']}, sections {model['sections']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
