"""A chooser for route lines that share a corridor: a click near several lines lists them.

Routes overlap (a branch runs on its trunk line, a suggestion lies beside its
option), so the line on top would take every click there. With the chooser,
a click on a route line measures the pixel distance from the click to every
route line on the map (each vertex projected with ``latLngToLayerPoint``,
each segment measured with ``L.LineUtil.pointToSegmentDistance``). When one
line is near, its popup opens as before; when several are, a small popup
lists them ("N lines here:"), each with a sample of its line and its name,
and picking one opens that route's own popup at the click.

A route line is a polyline with a bound popup and the options ``pos2Route``
(its id) and ``pos2Name`` (its name), both escaped HTML
(:func:`layers.routes.route_layer` sets them); the name reaches the list as
the HTML of that escaped text. Lines of layers switched off are not on the
map and do not count.
"""

from __future__ import annotations

import math

from layers.encoding import ScriptElement, template

CHOOSER_TOLERANCE_PX = 8.0
"""A line counts as under a click when its centre line passes this close (screen pixels)."""

_CSS = (
    ".route-chooser { font: 12px/1.3 system-ui, sans-serif; min-width: 10em; }"
    ".route-chooser-title { font-weight: 600; margin-bottom: 2px; }"
    ".route-chooser button { display: flex; align-items: center; gap: 6px; width: 100%; margin: 0; padding: 3px 2px;"
    " border: 0; background: none; font: inherit; text-align: left; cursor: pointer; }"
    ".route-chooser button:hover, .route-chooser button:focus { background: #eef3ff; }"
    ".route-chooser svg { flex: none; }"
)

_JS = """(function () {
var map = {{ this._parent.get_name() }}, tolerance = {{ this.tolerance_px|script_json }};
var SVG = 'http://www.w3.org/2000/svg';
function isRouteLine(layer) {
  return layer instanceof L.Polyline && !(layer instanceof L.Polygon) && layer.options.pos2Route !== undefined;
}
function distance(layer, point) {  // px from a layer point to the line's nearest segment
  var box = layer.getBounds(), a = map.latLngToLayerPoint(box.getNorthWest()), b = map.latLngToLayerPoint(box.getSouthEast());
  if (point.x < a.x - tolerance || point.x > b.x + tolerance || point.y < a.y - tolerance || point.y > b.y + tolerance) {
    return Infinity;
  }
  var best = Infinity, lines = layer.getLatLngs();
  if (lines.length && !Array.isArray(lines[0])) lines = [lines];
  lines.forEach(function (latlngs) {
    var previous = null;
    latlngs.forEach(function (latlng) {
      var p = map.latLngToLayerPoint(latlng);
      if (previous) best = Math.min(best, L.LineUtil.pointToSegmentDistance(point, previous, p));
      previous = p;
    });
  });
  return best;
}
function nearLines(clicked, latlng) {  // one line per route (its nearest part), nearest first
  var point = map.latLngToLayerPoint(latlng), byRoute = new Map();
  map.eachLayer(function (layer) {
    if (!isRouteLine(layer) || !layer.getPopup()) return;
    var d = layer === clicked ? 0 : distance(layer, point), key = layer.options.pos2Route, seen = byRoute.get(key);
    if (d <= tolerance && (!seen || d < seen.d)) byRoute.set(key, {layer: layer, d: d});
  });
  return Array.from(byRoute.values()).sort(function (x, y) { return x.d - y.d; }).map(function (e) { return e.layer; });
}
function sample(layer) {  // the line as the map draws it
  var o = layer.options, svg = document.createElementNS(SVG, 'svg'), line = document.createElementNS(SVG, 'line');
  svg.setAttribute('width', '28'); svg.setAttribute('height', '8');
  [['x1', '1'], ['y1', '4'], ['x2', '27'], ['y2', '4'], ['stroke', o.color], ['stroke-width', String(o.weight)],
   ['stroke-opacity', String(o.opacity)]].forEach(function (a) { line.setAttribute(a[0], a[1]); });
  if (o.dashArray) line.setAttribute('stroke-dasharray', String(o.dashArray));
  svg.appendChild(line);
  return svg;
}
function choose(lines, latlng) {
  var box = document.createElement('div'), title = document.createElement('div');
  box.className = 'route-chooser';
  title.className = 'route-chooser-title';
  title.textContent = lines.length + ' lines here:';
  box.appendChild(title);
  var chooser = L.popup({className: 'route-chooser-popup', maxWidth: 280, minWidth: 120});
  lines.forEach(function (layer) {
    var button = document.createElement('button'), name = document.createElement('span');
    button.type = 'button';
    button.className = 'route-choice';
    name.innerHTML = layer.options.pos2Name;  // escaped HTML of the name (layers.style.text)
    button.appendChild(sample(layer));
    button.appendChild(name);
    L.DomEvent.on(button, 'click', function (ev) {
      L.DomEvent.stop(ev);
      map.closePopup(chooser);
      layer.openPopup(latlng);
    });
    box.appendChild(button);
  });
  chooser.setLatLng(latlng).setContent(box).openOn(map);
}
function onClick(e) {
  if (e.target.closeTooltip) e.target.closeTooltip();  // the popup or list opens where the hover text was
  var lines = nearLines(e.target, e.latlng);
  if (lines.length > 1) choose(lines, e.latlng); else e.target.openPopup(e.latlng);
}
function take(layer) {  // the chooser answers the line's clicks instead of its own popup
  if (!isRouteLine(layer) || layer.pos2Chooser || !layer.getPopup()) return;
  layer.off('click', layer._openPopup);
  layer.on('click', onClick);
  layer.pos2Chooser = true;
}
map.eachLayer(take);
map.on('layeradd', function (e) { take(e.layer); });
})();"""


class RouteChooser(ScriptElement):
    """On the parent map, a click near several route lines lists them; one line: its popup.

    Parameters
    ----------
    tolerance_px
        A route line is near a click when its centre line passes within
        this many screen pixels.
    """

    _template = template(
        "{% macro header(this, kwargs) %}<style>" + _CSS + "</style>{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _JS + "{% endmacro %}"
    )

    def __init__(self, *, tolerance_px: float = CHOOSER_TOLERANCE_PX) -> None:
        super().__init__()
        self._name = "RouteChooser"
        if not math.isfinite(tolerance_px) or tolerance_px <= 0:
            msg = f"tolerance_px must be a positive number of pixels, not {tolerance_px!r}"
            raise ValueError(msg)
        self.tolerance_px = float(tolerance_px)
