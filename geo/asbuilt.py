"""As-built length of a line, with an honest band (issue 11, part 2).

A line through town waypoints is not a pipeline: built pipelines wind around
terrain, settlements and rivers, and the named towns are not on the pipe.
This module estimates the length of the pipeline that would be built along a
line, with a band at a stated coverage (default 0.9), from two uncertainties:

Routing factor
    ``as-built length / waypoint-line length`` per segment, calibrated by
    ``tools/build_calibration.py`` on the OSM-traced operating pipelines of
    ``geo/data/traced_pipelines.geojson`` (ODbL 1.0 © OpenStreetMap
    contributors, via Global Energy Monitor GGIT, CC BY 4.0) against press-map
    style sketches through named towns (``geo/data/calibration_sketches.toml``).
    The log factor is normal with a mean and spread per terrain class
    (:func:`terrain_class`), shrunk toward the pooled fit when a class has few
    sections. It depends on the segment length: a segment the length of a
    sketch leg (the model's ``reference_km``, about 150 km) gets the sketch
    factor; shorter segments a smaller one, scaled by how the factor of the
    traces themselves falls with the spacing of points taken on them (1.7 % at
    2 km, 5 % at 10 km, 11 % at 100 km). A dense line (a vertex every 2 km)
    thus gets a factor near 1: it already follows the ground. Segments of one
    line share part of their factor (``correlation``): a route that winds in
    one place tends to wind elsewhere.
Waypoint position
    Each vertex graded ``(coord_conf, route_conf)`` is moved at random by a 2-D
    normal offset whose 90 % radius is ``hypot(coord_radius_km[coord_conf],
    route_radius_km[route_conf])`` (Monte Carlo, seeded: the same seed gives the
    same numbers).

The estimate is the median of the sampled totals; the band is the
``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles. Every length is
geodesic on the WGS84 ellipsoid (pyproj); nothing is measured in degrees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.elevation import ElevationGrid
from geo.errors import RouteDataError
from geo.geodesic import WGS84, densify

TERRAIN_CLASSES = ("flat", "hilly", "mountain")
"""Terrain classes, from the least to the most rugged."""

DEFAULT_THRESHOLDS_M: tuple[float, float] = (15, 40)
"""Ruggedness (m per 5 km step) where hilly and mountain begin."""

RELIEF_SPACING_M = 5_000.0
"""Spacing of the height samples along each segment for the ruggedness, metres."""

TRACED_SD_LOG = 0.01
"""Spread of the log factor of a line that is already a trace (90 %: about +-1.6 %)."""

RADIUS_TO_SIGMA = 1.0 / math.sqrt(2.0 * math.log(10.0))
"""A 2-D normal with per-axis sigma = r * this holds 90 % of its points within r."""

GRADES = ("high", "medium", "low")


@dataclass(frozen=True)
class ClassFactor:
    """The routing factor of one terrain class at the reference segment length.

    Attributes
    ----------
    mean_log
        Mean of ``ln(as-built / sketch)``.
    sd_log
        Standard deviation of the same.
    n
        Calibration sections in the class.
    """

    mean_log: float
    sd_log: float
    n: int


@dataclass(frozen=True)
class RoutingModel:
    """The fitted routing factors and the waypoint radii (``geo/data/routing_factors.json``).

    Attributes
    ----------
    classes
        ``{"flat" | "hilly" | "mountain": ClassFactor}``.
    thresholds_m
        Ruggedness (mean absolute height change between samples 5 km apart,
        metres) at which ``hilly`` and ``mountain`` begin.
    reference_km
        Segment length at which the class factors apply (median sketch leg).
    length_km, mean_ratio, sd_ratio
        Table: at a segment length, the class mean and spread are multiplied
        by these ratios (interpolated in log length, held at the table's ends).
    correlation
        Share of the log-factor variance common to all segments of a line.
    coord_radius_km, route_radius_km
        90 % position radius per ``coord_conf`` / ``route_conf`` grade, km.
    traced_sd_log
        Spread of the log factor for a line that is already a trace.
    coverage
        Default coverage of the band.
    source, confidence, licence
        Provenance of the fit.
    """

    classes: Mapping[str, ClassFactor]
    thresholds_m: tuple[float, float]
    reference_km: float
    length_km: tuple[float, ...]
    mean_ratio: tuple[float, ...]
    sd_ratio: tuple[float, ...]
    correlation: float
    coord_radius_km: Mapping[str, float]
    route_radius_km: Mapping[str, float]
    traced_sd_log: float = TRACED_SD_LOG
    coverage: float = 0.9
    source: str = ""
    confidence: str = "medium"
    licence: str = ""


def _number(doc: Mapping[str, Any], key: str, path: object, *, low: float = -math.inf, high: float = math.inf) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise RouteDataError(f"must be a number in [{low}, {high}], got {value!r}", path=path, field=key)
    return float(value)


def load_routing_model(path: Path | str) -> RoutingModel:
    """Read the routing model written by ``tools/build_calibration.py``.

    Parameters
    ----------
    path
        ``geo/data/routing_factors.json`` (strict JSON).

    Returns
    -------
    model
        The fitted model.

    Raises
    ------
    RouteDataError
        One line naming the file and the field when the file is missing or wrong.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise RouteDataError(f"cannot read the routing model ({exc.__class__.__name__})", path=path) from None
    if not isinstance(doc, dict):
        raise RouteDataError("must be a JSON object", path=path)
    classes = {}
    for name in TERRAIN_CLASSES:
        record = (doc.get("classes") or {}).get(name)
        if not isinstance(record, dict):
            raise RouteDataError("missing", path=path, field=f"classes.{name}")
        classes[name] = ClassFactor(
            _number(record, "mean_log", f"{path}: classes.{name}", low=-1.0, high=2.0),
            _number(record, "sd_log", f"{path}: classes.{name}", low=0.0, high=2.0),
            int(_number(record, "n", f"{path}: classes.{name}", low=0)),
        )
    table = doc.get("length_scale") or {}
    columns = [table.get(k) for k in ("length_km", "mean_ratio", "sd_ratio")]
    if not all(isinstance(c, list) and c and len(c) == len(columns[0]) for c in columns):
        raise RouteDataError("length_km, mean_ratio and sd_ratio must be lists of one length", path=path, field="length_scale")
    radii = {}
    for key in ("coord_radius_km", "route_radius_km"):
        value = doc.get(key)
        if not isinstance(value, dict) or set(value) != set(GRADES):
            raise RouteDataError(f"must give a radius for each of {', '.join(GRADES)}", path=path, field=key)
        radii[key] = {g: _number(value, g, f"{path}: {key}", low=0.0, high=1000.0) for g in GRADES}
    thresholds = doc.get("thresholds_m")
    if not (isinstance(thresholds, list) and len(thresholds) == 2 and thresholds[0] <= thresholds[1]):
        raise RouteDataError("must be two increasing numbers", path=path, field="thresholds_m")
    return RoutingModel(
        classes=classes,
        thresholds_m=(float(thresholds[0]), float(thresholds[1])),
        reference_km=_number(doc, "reference_km", path, low=1.0),
        length_km=tuple(float(x) for x in columns[0]),
        mean_ratio=tuple(float(x) for x in columns[1]),
        sd_ratio=tuple(float(x) for x in columns[2]),
        correlation=_number(doc, "correlation", path, low=0.0, high=1.0),
        coord_radius_km=radii["coord_radius_km"],
        route_radius_km=radii["route_radius_km"],
        traced_sd_log=_number(doc, "traced_sd_log", path, low=0.0, high=1.0),
        coverage=_number(doc, "coverage", path, low=0.0, high=1.0),
        source=str(doc.get("source", "")),
        confidence=str(doc.get("confidence", "")),
        licence=str(doc.get("licence", "")),
    )


_RELIEF_CACHE: dict[tuple[bytes, int], NDArray[np.float64]] = {}


def ruggedness_m(lonlat: NDArray[np.float64], *, elevation: ElevationGrid) -> NDArray[np.float64]:
    """Return each segment's ruggedness: the mean absolute height change per 5 km.

    Heights are sampled every :data:`RELIEF_SPACING_M` along the segment's
    geodesic (at least its two ends); samples without data (sea, large lakes)
    are skipped. Ruggedness measures how broken the ground is, which is what
    makes a pipeline wind; unlike the height range it is not raised by a long
    even slope. Results are cached per line.

    Parameters
    ----------
    lonlat
        Vertices, shape (n, 2), lon/lat degrees.
    elevation
        From :func:`geo.elevation.load_elevation`.

    Returns
    -------
    ruggedness_m
        Metres per 5 km step, one per segment (0 where fewer than two samples have data).
    """
    lonlat = np.ascontiguousarray(lonlat, dtype=np.float64)
    key = (lonlat.tobytes(), id(elevation))
    cached = _RELIEF_CACHE.get(key)
    if cached is not None:
        return cached.copy()
    lon, lat, _, original, _ = densify(lonlat[:, 0], lonlat[:, 1], np.array([0]), max_segment_m=RELIEF_SPACING_M)
    height = elevation.sample(lon, lat)
    step = np.abs(np.diff(height))
    owner = np.searchsorted(original, np.arange(len(step)), side="right") - 1
    known = np.isfinite(step)
    n_seg = len(lonlat) - 1
    total = np.bincount(owner[known], weights=step[known], minlength=n_seg)
    count = np.bincount(owner[known], minlength=n_seg)
    result = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    if len(_RELIEF_CACHE) > 4096:
        _RELIEF_CACHE.clear()
    _RELIEF_CACHE[key] = result
    return result.copy()


def terrain_class(
    lonlat: NDArray[np.float64],
    *,
    elevation: ElevationGrid,
    thresholds_m: tuple[float, float] = DEFAULT_THRESHOLDS_M,
) -> list[str]:
    """Classify each segment as flat, hilly or mountain by its ruggedness.

    Parameters
    ----------
    lonlat
        Vertices, shape (n, 2), lon/lat degrees.
    elevation
        The elevation grid.
    thresholds_m
        Ruggedness (m per 5 km, see :func:`ruggedness_m`) where ``hilly`` and
        ``mountain`` begin.

    Returns
    -------
    classes
        One of :data:`TERRAIN_CLASSES` per segment.
    """
    rug = ruggedness_m(lonlat, elevation=elevation)
    index = np.searchsorted(np.asarray(thresholds_m), rug, side="right")
    return [TERRAIN_CLASSES[i] for i in index]


def _ratio(model: RoutingModel, length_km: NDArray[np.float64], column: tuple[float, ...]) -> NDArray[np.float64]:
    x = np.log(np.asarray(model.length_km))
    return np.interp(np.log(np.maximum(length_km, 1e-3)), x, np.asarray(column))


def _round_km(metres: float) -> float:
    return float(round(float(metres) / 1000.0, 1))


@dataclass(frozen=True)
class SampleBlock:
    """The samples of a run of consecutive segments of a line.

    Either one sample per segment (``per_segment_m``, shape (samples,
    count)) or, for a traced stretch whose segments share one factor, that
    factor per sample (``factor``, shape (samples,)): the segment's sample
    is then its measured length times the factor, never stored (a traced
    line of 1,749 segments takes 16 kB instead of 28 MB).
    """

    first: int
    count: int
    per_segment_m: NDArray[np.float64] | None = None
    factor: NDArray[np.float64] | None = None

    def span_m(self, i: int, j: int, measured_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Summed samples of this block's segments in ``[i, j)`` (line indices)."""
        lo, hi = max(i, self.first) - self.first, min(j, self.first + self.count) - self.first
        if self.per_segment_m is not None:
            return self.per_segment_m[:, lo:hi].sum(axis=1)
        assert self.factor is not None
        return self.factor * measured_m[self.first + lo : self.first + hi].sum()

    def weighted_m(self, weights: NDArray[np.float64], measured_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Samples of this block's segments weighted by ``weights`` (this block's slice)."""
        if self.per_segment_m is not None:
            return self.per_segment_m @ weights
        assert self.factor is not None
        return self.factor * (measured_m[self.first : self.first + self.count] @ weights)


@dataclass(frozen=True)
class AsBuilt:
    """Monte Carlo samples of the as-built length of a line.

    Attributes
    ----------
    measured_m
        Geodesic length of each segment of the line as given, metres.
    coverage
        Coverage of :meth:`band` and :meth:`band_between`.
    blocks
        The samples, by runs of segments (:class:`SampleBlock`) in order;
        read them with :meth:`span_m`, :meth:`weighted_m` or :attr:`samples_m`.
    """

    measured_m: NDArray[np.float64]
    coverage: float
    blocks: tuple[SampleBlock, ...]

    @classmethod
    def joined(cls, parts: Sequence[AsBuilt], coverage: float) -> AsBuilt:
        """The estimate of a line made of ``parts`` end to end (their segments in order)."""
        blocks, offset = [], 0
        for part in parts:
            blocks += [replace(block, first=block.first + offset) for block in part.blocks]
            offset += len(part.measured_m)
        return cls(np.concatenate([p.measured_m for p in parts]), float(coverage), tuple(blocks))

    @property
    def samples_m(self) -> NDArray[np.float64]:
        """Array (samples, segments): every segment's as-built length in each sample, metres.

        Built on each call (samples x segments floats): the sums are cheaper
        through :meth:`span_m` and :meth:`weighted_m`.
        """
        return np.hstack(
            [b.per_segment_m if b.per_segment_m is not None else b.factor[:, None] * self.measured_m[b.first : b.first + b.count][None, :]
             for b in self.blocks]
        )  # fmt: skip

    def span_m(self, i: int, j: int) -> NDArray[np.float64]:
        """Samples of the summed as-built length of segments ``i`` to ``j - 1``, metres."""
        n = len(self.measured_m)
        if not (isinstance(i, int | np.integer) and isinstance(j, int | np.integer) and 0 <= i < j <= n):
            msg = f"span ({i!r}, {j!r}) must satisfy 0 <= i < j <= {n}"
            raise ValueError(msg)
        total = np.zeros(self._n_samples())
        for block in self.blocks:
            if block.first < j and i < block.first + block.count:
                total += block.span_m(i, j, self.measured_m)
        return total

    def weighted_m(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """Samples of the sum of each segment's as-built length times its weight, metres."""
        total = np.zeros(self._n_samples())
        for block in self.blocks:
            total += block.weighted_m(weights[block.first : block.first + block.count], self.measured_m)
        return total

    def _n_samples(self) -> int:
        block = self.blocks[0]
        return len(block.factor) if block.per_segment_m is None else block.per_segment_m.shape[0]

    def band(self) -> dict[str, float]:
        """Return the as-built length of the whole line.

        Returns
        -------
        band
            ``{"estimate": km, "low": km, "high": km, "coverage": c}``: the median
            of the samples and the ``(1 - c) / 2`` and ``(1 + c) / 2`` quantiles,
            km rounded to 0.1, plain floats.
        """
        return self.band_between(0, len(self.measured_m))

    def band_between(self, i: int, j: int) -> dict[str, float]:
        """Return the as-built length of the span from vertex ``i`` to vertex ``j``.

        Parameters
        ----------
        i, j
            Vertex indices, ``0 <= i < j <= number of segments``.

        Returns
        -------
        band
            As :meth:`band`, for segments ``i`` to ``j - 1``.
        """
        total = self.span_m(i, j)
        low, mid, high = np.quantile(total, [(1 - self.coverage) / 2, 0.5, (1 + self.coverage) / 2])
        return {
            "estimate": _round_km(mid),
            "low": _round_km(low),
            "high": _round_km(high),
            "coverage": float(self.coverage),
        }


def as_built(
    lonlat: NDArray[np.float64],
    *,
    model: RoutingModel,
    elevation: ElevationGrid,
    grades: Sequence[tuple[str, str]] | None = None,
    traced: bool = False,
    coverage: float = 0.9,
    samples: int = 2000,
    seed: int = 0,
) -> AsBuilt:
    """Estimate the as-built length of a line by seeded Monte Carlo.

    Parameters
    ----------
    lonlat
        Vertices, shape (n, 2), lon/lat degrees, n >= 2 (a waypoint line or a
        user line of any density).
    model
        From :func:`load_routing_model`.
    elevation
        The elevation grid (terrain class of each segment).
    grades
        ``(coord_conf, route_conf)`` per vertex, each ``high``, ``medium`` or
        ``low``; None: the vertices are taken as exact.
    traced
        The line is already an as-built trace: factor 1, spread
        ``model.traced_sd_log`` shared by the whole line, no position noise.
    coverage
        Share of the samples inside the band, in (0, 1).
    samples
        Monte Carlo samples (at least 100).
    seed
        Seed of ``numpy.random.default_rng``: the same seed gives the same numbers.

    Returns
    -------
    as_built
        The samples; call :meth:`AsBuilt.band` or :meth:`AsBuilt.band_between`.

    Raises
    ------
    ValueError
        Bad shape, coverage or sample count.
    RouteDataError
        A grade that is not high, medium or low, or grades of the wrong length.
    """
    lonlat = np.asarray(lonlat, dtype=np.float64)
    if lonlat.ndim != 2 or lonlat.shape[1] != 2 or len(lonlat) < 2 or not np.isfinite(lonlat).all():
        raise ValueError(f"lonlat must be a finite (n, 2) array with n >= 2, got shape {lonlat.shape}")
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage must be in (0, 1), got {coverage!r}")
    if samples < 100:
        raise ValueError(f"samples must be at least 100, got {samples!r}")
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    _, _, measured = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    measured = np.asarray(measured, dtype=np.float64)
    n_seg = len(measured)
    rng = np.random.default_rng(seed)
    if traced:
        factor = np.exp(model.traced_sd_log * rng.standard_normal((samples, 1)))[:, 0]
        return AsBuilt(measured, float(coverage), (SampleBlock(0, n_seg, factor=factor),))
    classes = terrain_class(lonlat, elevation=elevation, thresholds_m=model.thresholds_m)
    length_km = measured / 1000.0
    mean = np.array([model.classes[c].mean_log for c in classes]) * _ratio(model, length_km, model.mean_ratio)
    sd = np.array([model.classes[c].sd_log for c in classes]) * _ratio(model, length_km, model.sd_ratio)
    shared = rng.standard_normal((samples, 1))
    own = rng.standard_normal((samples, n_seg))
    z = math.sqrt(model.correlation) * shared + math.sqrt(1.0 - model.correlation) * own
    factor = np.exp(mean + sd * z)
    if grades is None:
        chord = np.broadcast_to(measured, (samples, n_seg))
    else:
        chord = _displaced_lengths(lon, lat, _radii_m(grades, model, len(lonlat)), rng, samples)
    return AsBuilt(measured, float(coverage), (SampleBlock(0, n_seg, per_segment_m=chord * factor),))


def _radii_m(grades: Sequence[tuple[str, str]], model: RoutingModel, n: int) -> NDArray[np.float64]:
    if len(grades) != n:
        raise RouteDataError(f"need one (coord_conf, route_conf) per vertex: {n}, got {len(grades)}", field="grades")
    radii = np.zeros(n)
    for k, grade in enumerate(grades):
        if not (isinstance(grade, tuple | list) and len(grade) == 2 and grade[0] in GRADES and grade[1] in GRADES):
            raise RouteDataError(f"must be two of {', '.join(GRADES)}, got {grade!r}", field=f"grades[{k}]")
        radii[k] = math.hypot(model.coord_radius_km[grade[0]], model.route_radius_km[grade[1]]) * 1000.0
    return radii


def _displaced_lengths(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    radius_m: NDArray[np.float64],
    rng: np.random.Generator,
    samples: int,
) -> NDArray[np.float64]:
    """Segment lengths with every vertex moved by a 2-D normal of its 90 % radius.

    Each segment is the geodesic of length L with unit directions t1 at its
    start and t2 at its end (from its azimuths) and normals n1, n2. Moving
    its ends by d1 and d2 (east, north metres) makes it
    sqrt((L + d2.t2 - d1.t1)^2 + (d2.n2 - d1.n1)^2) long: exact in the plane
    tangent at each end; against moving the ends along geodesics and
    measuring the new geodesic it is off by at most 20 m for 50 km offsets
    on segments of 50-700 km (tests/test_asbuilt.py), far below the spread
    the offsets stand for, and it needs one geodesic per segment, not one
    per sample.
    """
    east, north = rng.standard_normal((2, samples, len(lon))) * (radius_m * RADIUS_TO_SIGMA)
    az12, az21, length_m = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    a1 = np.radians(np.asarray(az12))
    a2 = np.radians(np.asarray(az21) + 180.0)  # the direction of travel at the segment's end
    along = east[:, 1:] * np.sin(a2) + north[:, 1:] * np.cos(a2) - (east[:, :-1] * np.sin(a1) + north[:, :-1] * np.cos(a1))
    across = east[:, 1:] * np.cos(a2) - north[:, 1:] * np.sin(a2) - (east[:, :-1] * np.cos(a1) - north[:, :-1] * np.sin(a1))
    return np.hypot(np.asarray(length_m) + along, across)
