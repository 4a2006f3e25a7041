"""Labels on the map: a numbered tag on each route, and its two ends marked and named.

A reader of a screenshot cannot hover. Each route gets a permanent label,
its number in the legend on a disc of its colour (names would cover each
other at the overview's zoom), placed where the route runs clear of the
others (greedy: the point, between 20 % and 80 % of its length, farthest
from every other route and from the labels already placed), and a marker
at each end: a filled dot at the start, a ring at the end, named from zoom
5 on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import Geod

from layers.controls import short_name
from layers.coords import latlon
from layers.style import route_ends, text
from layers.encoding import ScriptElement, template

LABEL_FRACTIONS = np.linspace(0.2, 0.8, 13)
"""Where along a route (share of its vertices) its label may go."""
CLEARANCE_POINTS = 300
"""Vertices per route kept for the clearance search (every k-th): enough at overview zoom."""
NEAREST_CHECKED = 8
"""Obstacles per candidate measured as geodesics, after ranking them on the sphere."""
END_NAMES_MIN_ZOOM = 5
"""The ends are named from this zoom on (at the overview they would cover the map)."""
_WGS84 = Geod(ellps="WGS84")


def label_points(lines_lonlat: Sequence[np.ndarray]) -> list[tuple[float, float]]:
    """Where to put each route's label: the candidate point farthest from the other routes and labels.

    Parameters
    ----------
    lines_lonlat
        Each route's (densified) vertices, arrays of shape (n, 2), lon/lat.

    Returns
    -------
    points
        One ``(lon, lat)`` per route, on the route.
    """
    samples = [line[:: max(1, len(line) // CLEARANCE_POINTS)] for line in lines_lonlat]
    placed: list[tuple[float, float]] = []
    points = []
    for i, line in enumerate(lines_lonlat):
        candidates = line[np.unique((LABEL_FRACTIONS * (len(line) - 1)).round().astype(int))]
        others = [s for j, s in enumerate(samples) if j != i] + ([np.array(placed)] if placed else [])
        if not others:
            best = candidates[len(candidates) // 2]
        else:
            best = candidates[int(np.argmax(_clearance_m(candidates, np.concatenate(others))))]
        points.append((float(best[0]), float(best[1])))
        placed.append(points[-1])
    return points


def _clearance_m(candidates: np.ndarray, obstacles: np.ndarray, *, nearest: int = NEAREST_CHECKED) -> np.ndarray:
    """Geodesic distance from each candidate (lon/lat) to its nearest obstacle, metres.

    The obstacles are ranked on the unit sphere first (a cheap numpy matrix);
    only the ``nearest`` of each candidate are measured on the ellipsoid, whose
    distances differ from the sphere's by well under 1 %.
    """
    def unit(lonlat: np.ndarray) -> np.ndarray:
        lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
        return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    closeness = unit(candidates) @ unit(obstacles).T  # cosine of the angle: larger is nearer
    k = min(nearest, len(obstacles))
    near = np.argpartition(-closeness, k - 1, axis=1)[:, :k]
    c_lon = np.repeat(candidates[:, 0], k)
    c_lat = np.repeat(candidates[:, 1], k)
    _, _, dist_m = _WGS84.inv(c_lon, c_lat, obstacles[near.ravel(), 0], obstacles[near.ravel(), 1])
    return np.asarray(dist_m).reshape(len(candidates), k).min(axis=1)


class RouteLabels(ScriptElement):
    """Permanent route tags and end markers, added to the parent map.

    Parameters
    ----------
    labels
        ``{"tag", "colour", "at", "start", "end", "start_name", "end_name"}``
        per route: ``tag`` its number in the legend, ``at``/``start``/``end``
        ``[lat, lon]``; the texts escaped HTML (:func:`layers.style.text`).
    """

    _template = template(
        "{% macro header(this, kwargs) %}<style>"
        ".route-label span { display: block; font: 700 11px/16px system-ui, sans-serif; width: 16px; height: 16px;"
        " text-align: center; color: #fff; border: 1px solid #fff; border-radius: 50%; box-shadow: 0 1px 2px rgba(0,0,0,0.45); }"
        ".route-end-name span { display: inline-block; font: 11px/1.2 system-ui, sans-serif; padding: 0 3px;"
        " background: rgba(255,255,255,0.85); white-space: nowrap; }"
        "</style>{% endmacro %}"
        "{% macro script(this, kwargs) %}(function () {"
        "var map = {{ this._parent.get_name() }};"
        "var tags = L.layerGroup().addTo(map), ends = L.layerGroup().addTo(map), names = L.layerGroup();"
        "function icon(className, content, size, anchor, colour) {"
        "  var span = document.createElement('span'); span.innerHTML = content;"  # escaped by text() in Python
        "  if (colour) { span.style.background = colour; }"
        "  return L.divIcon({className: className, html: span, iconSize: size, iconAnchor: anchor});"
        "}"
        "function label(at, i) { return L.marker(at, {icon: i, interactive: false, keyboard: false}); }"
        "{{ this.labels|script_json }}.forEach(function (r) {"
        "  label(r.at, icon('route-label', r.tag, [18, 18], [9, 9], r.colour)).addTo(tags);"
        "  L.circleMarker(r.start, {radius: 5, color: r.colour, weight: 2, fillColor: r.colour, fillOpacity: 1,"
        "   interactive: false, className: 'route-start'}).addTo(ends);"
        "  L.circleMarker(r.end, {radius: 5, color: r.colour, weight: 3, fillColor: '#ffffff', fillOpacity: 1,"
        "   interactive: false, className: 'route-end-marker'}).addTo(ends);"
        "  [[r.start, r.start_name], [r.end, r.end_name]].forEach(function (e) {"
        "   if (e[1]) { label(e[0], icon('route-end-name', e[1], null, [-8, 8])).addTo(names); } });"
        "});"
        "function zoomed() { if (map.getZoom() >= {{ this.min_zoom }}) { names.addTo(map); } else { names.remove(); } }"
        "map.on('zoomend', zoomed); zoomed();"
        "})();{% endmacro %}"
    )

    def __init__(self, labels: Sequence[Mapping[str, Any]], *, min_zoom: int = END_NAMES_MIN_ZOOM) -> None:
        super().__init__()
        self._name = "RouteLabels"
        self.labels = [dict(label) for label in labels]
        self.min_zoom = int(min_zoom)


def route_labels(
    records: Sequence[Mapping[str, Any]],
    geometries: Sequence[shapely.Geometry],
    colours: Mapping[str, str],
    numbers: Sequence[int],
) -> RouteLabels:
    """Build the labels of the routes drawn on a map.

    Parameters
    ----------
    records
        Comparison records (name, start, end, id).
    geometries
        The routes' drawn (densified) lines, lon/lat, in the same order.
    colours
        Route id -> line colour.
    numbers
        Each route's number in the legend.

    Returns
    -------
    labels
        A :class:`RouteLabels` to add to the map.
    """
    lines = [shapely.get_coordinates(geometry) for geometry in geometries]
    at = label_points(lines)
    return RouteLabels(
        [
            {
                "tag": str(int(number)),
                "colour": colours[record["id"]],
                "at": latlon(*point),
                "start": latlon(*line[0]),
                "end": latlon(*line[-1]),
                "start_name": text(short_name(ends[0])),
                "end_name": text(short_name(ends[1])),
            }
            for record, line, point, number in zip(records, lines, at, numbers, strict=True)
            # a label sits at the line's own end: a name no file gives it stays unsaid
            for ends in [route_ends(record, basis=False, unnamed=("", ""))]
        ]
    )
