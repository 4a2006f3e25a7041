"""The map page: a lean folium Map, deterministic rendering and offline inlining."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import folium
from folium.elements import JSCSSMixin
from xyzservices import TileProvider

from layers.countries import ViewFrame
from layers.encoding import PolylineDecoder, ScriptElement, macros_as_text, template
from layers.leaflet_plugins import Fullscreen, MeasureTool
from layers.style import (
    NARROW_PX,
    POPUP_AUTOPAN_PADDING_PX,
    POPUP_AUTOPAN_TOP_LEFT_PX,
    POPUP_MAX_HEIGHT_CSS,
    POPUP_MAX_WIDTH_PX,
    text,
)

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
"""The tile layer, spelled out: looking the provider up in xyzservices costs more than the page."""
LEAFLET_VERSION = "1.9.4"
"""Pinned above folium 0.20's 1.9.3: 1.9.4 fixes the touch bug where one tap on
the collapsed layer control also toggles the layer under the finger."""
LEAFLET_JS = ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js")
LEAFLET_CSS = ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css")
HTML_TO_IMAGE_JS = ("html_to_image", "https://cdn.jsdelivr.net/npm/html-to-image@1.11.13/dist/html-to-image.js")
"""html-to-image (MIT, 20 KB, pinned in package.json) draws the map's DOM into a PNG for "Save image"."""
JQUERY_JS = ("jquery", "https://code.jquery.com/jquery-3.7.1.min.js")
"""folium's popups are built with jQuery; Bootstrap, Font Awesome and the
awesome-markers plugin that folium also loads are not used by these maps."""


def base_map(
    bounds_latlon: Sequence[Sequence[float]],
    *,
    tiles: bool = True,
    reserve_right_px: int = 0,
    frame_latlon: Sequence[Sequence[float]] | None = None,
) -> folium.Map:
    """Create the map every page starts from.

    Parameters
    ----------
    bounds_latlon
        ``[[south, west], [north, east]]`` to fit.
    tiles
        Whether to add OpenStreetMap tiles under the country outlines.
    reserve_right_px
        Width kept free on the right when fitting (for a panel there): at
        most 34 % of the map's width, and none on a phone, where the panel
        is a bottom sheet (:class:`FitView`).
    frame_latlon
        ``[[south, west], [north, east]]`` the view may not leave, nor zoom
        out past (:class:`layers.countries.ViewFrame`): the country outlines'
        bounds, so their edge is never in sight. None: no limit.

    Returns
    -------
    m
        A folium Map with scale bar, full-screen button and measure control
        (labelled as spherical), loading Leaflet and jQuery only; the view
        follows the URL hash (:class:`FitView`), popups fit the screen and the
        controls do not print (:class:`PageStyle`).
    """
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_control=True)
    m.default_js = [LEAFLET_JS, JQUERY_JS]
    m.default_css = [LEAFLET_CSS]
    PolylineDecoder().add_to(m)
    PageStyle().add_to(m)
    if frame_latlon is not None:
        ViewFrame(frame_latlon).add_to(m)  # before the first view, which it limits
    FitView(bounds_latlon, reserve_right_px=reserve_right_px).add_to(m)
    if tiles:
        # After fitBounds: tiles are then requested for the final view only,
        # not first for the world at zoom 1.
        provider = TileProvider(name="OpenStreetMap", url=OSM_TILES, attribution=OSM_ATTRIBUTION, max_zoom=19)
        folium.TileLayer(provider, max_zoom=19, max_native_zoom=19).add_to(m)
    Fullscreen().add_to(m)
    MeasureTool(title="Measure (spherical distances; route km are geodesic, in the popups)").add_to(m)
    return m


_FOLIUM_ID = re.compile(r"_([0-9a-f]{32})(?![0-9a-f])")


def render_html(m: folium.Map) -> str:
    """Render a map to HTML with deterministic element ids.

    folium names every element with a random 32-digit hex id; they are
    replaced by a decimal counter in order of first appearance (``map_0``,
    ``poly_line_1`` ...), so the same map renders to the same bytes every
    time, and 6 KB shorter on the overview.

    Parameters
    ----------
    m
        The map.

    Returns
    -------
    html
        The page.
    """
    with macros_as_text():  # the same bytes, without parsing folium's rendered macros again
        html = m.get_root().render()
    numbers: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in numbers:
            numbers[key] = f"{len(numbers)}"  # short: an id is repeated wherever its element is used
        return f"_{numbers[key]}"

    return _FOLIUM_ID.sub(renumber, html)


class Asset(NamedTuple):
    """A file the page needs: its bytes and MIME type."""

    content: bytes
    mime: str


Fetch = Callable[[str], Asset]
"""Returns the asset behind a URL, or raises ``LookupError``."""

_SCRIPT_SRC = re.compile(r'<script\s+src="(https?:)?(//[^"]+)"\s*>\s*</script>')
_STYLESHEET = re.compile(r'<link\s+rel="stylesheet"\s+href="(https?:)?(//[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


def inline_assets(html: str, fetch: Fetch) -> str:
    """Inline every external script and stylesheet of a page.

    Scripts become inline ``<script>`` blocks (``</script`` escaped),
    stylesheets inline ``<style>`` blocks whose ``url(...)`` references
    (images, fonts) become ``data:`` URIs resolved against the stylesheet's
    own URL. Tiles are not touched: without network the map shows the
    country outlines.

    Parameters
    ----------
    html
        A rendered page.
    fetch
        Gives the bytes behind a URL (for example from ``node_modules``).

    Returns
    -------
    html
        The same page with no external script or stylesheet.

    Raises
    ------
    LookupError
        From ``fetch``, naming the URL that has no local copy.
    """

    def script(match: re.Match[str]) -> str:
        url = "https:" + match.group(2)
        body = fetch(url).content.decode("utf-8")
        if "Leaflet" in url or "leaflet@" in url:
            body += _DEFAULT_ICON_FIX
        return "<script>" + body.replace("</script", "<\\/script") + "</script>"

    def stylesheet(match: re.Match[str]) -> str:
        url = "https:" + match.group(2)
        css = fetch(url).content.decode("utf-8")
        return "<style>" + _CSS_URL.sub(lambda m: _data_uri(m, url, fetch), css) + "</style>"

    html = _SCRIPT_SRC.sub(script, html)
    return _STYLESHEET.sub(stylesheet, html)


def _data_uri(match: re.Match[str], base_url: str, fetch: Fetch) -> str:
    target = match.group(2)
    if target.startswith(("data:", "#")):
        return match.group(0)
    absolute = urljoin(base_url, target)
    split = urlsplit(absolute)
    asset = fetch(f"{split.scheme}://{split.netloc}{split.path}")
    return f"url(data:{asset.mime};base64,{base64.b64encode(asset.content).decode('ascii')})"


# Leaflet finds its default marker icon by a path next to leaflet.css; with
# inlined CSS there is none, and no marker of these maps uses it.
_DEFAULT_ICON_FIX = "\n;if (window.L && L.Icon && L.Icon.Default) { L.Icon.Default.imagePath = ''; }\n"


_FIT_VIEW_JS = """
(function () {
  var map = {{ this._parent.get_name() }};
  var HASH = /^#(\\d{1,2}(?:\\.\\d{1,2})?)\\/(-?\\d{1,2}(?:\\.\\d+)?)\\/(-?\\d{1,3}(?:\\.\\d+)?)$/;
  function parse(hash) {
    var m = HASH.exec(hash || '');
    if (!m) { return null; }
    var zoom = +m[1], lat = +m[2], lon = +m[3];
    if (zoom > 19 || Math.abs(lat) > 85 || Math.abs(lon) > 360) { return null; }
    return {zoom: zoom, center: [lat, lon]};
  }
  var bounds = L.latLngBounds({{ this.bounds|script_json }});
  function padding() {
    // The padding follows the screen: a panel's reserve is at most 34 % of the
    // map's width (the panel's own limit is a third), so the routes fit on any
    // screen (a padding wider than the map makes Leaflet's zoom NaN).
    // On a phone (under 600 px) the panel is a bottom sheet, closed to its
    // summary line: keep clear of that line instead of the panel's width.
    var size = map.getSize(), reserve = {{ this.reserve_right_px|script_json }}, narrow = size.x < 600;
    var topLeft = [Math.min(20, 0.05 * size.x), Math.min(20, 0.05 * size.y)];
    var bottomRight = narrow
      ? [Math.min(20, 0.05 * size.x), reserve ? 60 : Math.min(50, 0.1 * size.y)]
      : [Math.min(20 + reserve, 0.34 * size.x), Math.min(50, 0.1 * size.y)];
    // Below the title block (about 110 px high on a wide screen) when that costs no zoom level.
    var below = [topLeft[0], Math.min(110, 0.15 * size.y)];
    var zoom = function (tl) { return map.getBoundsZoom(bounds, false, L.point(tl).add(bottomRight)); };
    if (!narrow && zoom(below) >= zoom(topLeft)) { topLeft = below; }
    return {topLeft: topLeft, bottomRight: bottomRight};
  }
  function fit() {  // a first guess, before the controls exist: the layers are drawn at about the final view
    var pad = padding();
    map.fitBounds(bounds, {paddingTopLeft: pad.topLeft, paddingBottomRight: pad.bottomRight, animate: false});
  }
  function obstacles() {
    // The boxes of the controls as drawn (title block, legend, panel, slider,
    // attribution ...), in container pixels, grown by 8 px. A hidden control
    // marked data-pos2-keep-clear (the year slider, shown with the trade lines) counts too.
    var container = map.getContainer(), at = container.getBoundingClientRect(), boxes = [];
    container.querySelectorAll('.leaflet-control, .pos2-title').forEach(function (el) {
      var later = el.hidden && el.hasAttribute('data-pos2-keep-clear');
      if (later) { el.hidden = false; }
      var r = el.getBoundingClientRect();
      if (later) { el.hidden = true; }
      if (r.width > 0 && r.height > 0) {
        boxes.push([r.left - at.left - 8, r.top - at.top - 8, r.right - at.left + 8, r.bottom - at.top + 8]);
      }
    });
    return boxes;
  }
  function lines(step) {
    // The lines on the map, in pixels at zoom 0: their ends, and points at most
    // step apart along them.
    var ends = [], along = [];
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.Polyline) || layer instanceof L.Polygon || !layer.options.weight) { return; }
      var parts = layer.getLatLngs();
      (L.LineUtil.isFlat(parts) ? [parts] : parts).forEach(function (part) {
        var last = null;
        part.forEach(function (latlng, i) {
          var p = map.project(latlng, 0);
          if (i === 0 || i === part.length - 1) { ends.push(p); }
          if (last) {
            for (var n = Math.ceil(p.distanceTo(last) / step), k = 1; k < n; k++) { along.push(last.add(p.subtract(last).multiplyBy(k / n))); }
          }
          along.push(p);
          last = p;
        });
      });
    });
    return {ends: ends, along: along};
  }
  function place(points, z, size, pad, boxes, want) {
    // The view's top-left corner (pixels at zoom z, on a 4 px grid) nearest want
    // that keeps the bounds pad px inside the map, the view inside the map's
    // frame (layers.countries.ViewFrame) and no point under a box; null if none.
    var scale = Math.pow(2, z), grid = 4;
    var nw = map.project(bounds.getNorthWest(), z), se = map.project(bounds.getSouthEast(), z);
    var lo = [se.x - size.x + pad, se.y - size.y + pad], hi = [nw.x - pad, nw.y - pad];
    var frame = map.options.maxBounds;
    if (frame) {
      var fnw = map.project(frame.getNorthWest(), z), fse = map.project(frame.getSouthEast(), z);
      lo = [Math.max(lo[0], fnw.x), Math.max(lo[1], fnw.y)];
      hi = [Math.min(hi[0], fse.x - size.x), Math.min(hi[1], fse.y - size.y)];
    }
    if (lo[0] > hi[0] || lo[1] > hi[1]) { return null; }
    var nx = Math.floor((hi[0] - lo[0]) / grid) + 1, ny = Math.floor((hi[1] - lo[1]) / grid) + 1;
    // Corner (i, j) is lo + grid * (i, j). A point p is under box b when the corner
    // is inside (p - b.right, p - b.left) x (p - b.bottom, p - b.top): count those
    // rectangles in a difference array, then sum it up.
    var covered = new Int32Array((nx + 1) * (ny + 1));
    points.forEach(function (p0) {
      var px = p0.x * scale, py = p0.y * scale;
      boxes.forEach(function (b) {
        var i0 = Math.max(0, Math.ceil((px - b[2] - lo[0]) / grid)), i1 = Math.min(nx - 1, Math.floor((px - b[0] - lo[0]) / grid));
        var j0 = Math.max(0, Math.ceil((py - b[3] - lo[1]) / grid)), j1 = Math.min(ny - 1, Math.floor((py - b[1] - lo[1]) / grid));
        if (i0 > i1 || j0 > j1) { return; }
        covered[j0 * (nx + 1) + i0] += 1;
        covered[j0 * (nx + 1) + i1 + 1] -= 1;
        covered[(j1 + 1) * (nx + 1) + i0] -= 1;
        covered[(j1 + 1) * (nx + 1) + i1 + 1] += 1;
      });
    });
    var best = null, bestD = Infinity;
    for (var j = 0; j < ny; j++) {
      for (var i = 0; i < nx; i++) {
        var k = j * (nx + 1) + i;
        if (i > 0) { covered[k] += covered[k - 1]; }
        if (j > 0) { covered[k] += covered[k - nx - 1] - (i > 0 ? covered[k - nx - 2] : 0); }
      }
    }
    for (j = 0; j < ny; j++) {
      for (i = 0; i < nx; i++) {
        var x = lo[0] + grid * i, y = lo[1] + grid * j, d = (x - want[0]) * (x - want[0]) + (y - want[1]) * (y - want[1]);
        if (d < bestD && covered[j * (nx + 1) + i] === 0) { best = L.point(x, y); bestD = d; }
      }
    }
    return best;
  }
  function search(points, top, bottom, size, pad, boxes) {
    // The largest zoom from top down to bottom, in quarter levels, with a place; null if none.
    var guess = padding();
    for (var z = top; z >= bottom; z -= 0.25) {
      // where the first guess would put the bounds' centre
      var nw = map.project(bounds.getNorthWest(), z), se = map.project(bounds.getSouthEast(), z);
      var want = [(nw.x + se.x - guess.topLeft[0] - size.x + guess.bottomRight[0]) / 2,
                  (nw.y + se.y - guess.topLeft[1] - size.y + guess.bottomRight[1]) / 2];
      var corner = place(points, z, size, pad, boxes, want);
      if (corner) { return {zoom: z, center: map.unproject(corner.add(size.divideBy(2)), z)}; }
    }
    return null;
  }
  function exactly(center, zoom) {  // a quarter zoom level, not rounded to a whole one (the buttons still step by one)
    var snap = map.options.zoomSnap;
    map.options.zoomSnap = 0;
    map.setView(center, zoom, {animate: false});
    map.options.zoomSnap = snap;
  }
  function settle() {
    // Once the controls are drawn, the view is fitted around them, in quarter
    // zoom levels, with a margin that grows with the screen: the largest zoom
    // with no line's end under a control; half a level less if that keeps
    // the whole lines clear of the controls.
    var size = map.getSize(), pad = Math.max(12, Math.min(40, 0.04 * Math.min(size.x, size.y)));
    var boxes = obstacles();
    var top = Math.floor(map.getBoundsZoom(bounds, false, L.point(2 * pad, 2 * pad))) + 1;
    var drawn = lines(6 / Math.pow(2, top));
    if (!drawn.ends.length) { return; }
    var view = search(drawn.ends, top, Math.max(map.getMinZoom(), top - 5), size, pad, boxes);
    if (!view) { return; }
    view = search(drawn.along, view.zoom, view.zoom - 0.5, size, pad, boxes) || view;
    exactly(view.center, view.zoom);
  }
  var written = null;
  function show(hash) {
    var view = parse(hash);
    if (view) { exactly(view.center, view.zoom); }
    return view !== null;
  }
  function follow() {
    // From here on the view is written into the URL (#zoom/lat/lon): a link or a
    // reload opens the same view. Written after the first view, so an unmoved
    // page keeps its plain address.
    map.on('moveend', function () {
      var c = map.getCenter(), z = map.getZoom();
      written = '#' + Math.round(z * 100) / 100 + '/' + c.lat.toFixed(4) + '/' + c.lng.toFixed(4);
      if (location.hash === written) { return; }
      try { history.replaceState(history.state, '', written); } catch (e) { location.replace(written); }
    });
  }
  if (show(location.hash)) {
    follow();
  } else {
    fit();
    var first = function () { settle(); follow(); };
    // The controls are added after this script: settle when the page's scripts have run.
    if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', first); } else { setTimeout(first, 0); }
  }
  window.addEventListener('hashchange', function () {
    if (location.hash !== written) { show(location.hash); }
  });
})();
"""


class FitView(ScriptElement):
    """The first view: the one in the URL hash, else the bounds fitted around the controls.

    The hash ``#zoom/lat/lon`` (zoom to 2 decimals) is restored on load and
    rewritten after every move, so the address is a permalink to the view.
    Without one, the bounds are first fitted with a padding that depends on
    the map's size when the page opens: ``reserve_right_px`` (a panel on the
    right) is kept free up to 34 % of the map's width; under 600 px, where
    the panel is a bottom sheet, 60 px at the bottom instead. Then, once the
    page's scripts have run (``DOMContentLoaded``), the view is settled on
    the controls as drawn (``.leaflet-control``, ``.pos2-title`` and hidden
    controls marked ``data-pos2-keep-clear``, each grown by 8 px): the
    largest zoom, in quarter levels, at which the bounds are inside the map
    by 4 % of its smaller side (12 to 40 px) and no end of a line on the map
    is under a control; half a level less if that keeps the whole lines
    clear of the controls. Of the views at that zoom, the one nearest the
    first guess.

    Parameters
    ----------
    bounds_latlon
        ``[[south, west], [north, east]]``.
    reserve_right_px
        Width to keep free on the right in the first guess, in pixels.
    """

    _template = template("{% macro script(this, kwargs) %}" + _FIT_VIEW_JS + "{% endmacro %}")

    def __init__(self, bounds_latlon: Sequence[Sequence[float]], *, reserve_right_px: int = 0) -> None:
        super().__init__()
        self._name = "FitView"
        self.bounds = [[float(v) for v in bounds_latlon[0]], [float(v) for v in bounds_latlon[1]]]
        self.reserve_right_px = int(reserve_right_px)


SCALE_MAX_WIDTH_PX = 100
"""Widest the scale bar grows (Leaflet's default); the attribution keeps clear of it."""

_PAGE_CSS = f"""
<style>
.leaflet-popup-content {{ max-height: {POPUP_MAX_HEIGHT_CSS}; max-width: min({POPUP_MAX_WIDTH_PX}px, calc(90vw - 44px));
  overflow: auto; font: 12px/1.35 system-ui, sans-serif; }}
path.leaflet-interactive:focus {{ outline: none; }}
.leaflet-control-layers .pos2-swatch {{ vertical-align: middle; margin: 0 4px 0 2px; }}
.leaflet-bottom.leaflet-right {{ left: 0; }}
.leaflet-control-container .leaflet-control-attribution {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  max-width: calc(100% - {SCALE_MAX_WIDTH_PX + 40}px); box-sizing: border-box; cursor: pointer; }}
.leaflet-control-container .leaflet-control-attribution.pos2-open {{ white-space: normal; }}
.pos2-popup-sheet {{ position: fixed; left: 0; right: 0; bottom: 0; z-index: 1100; max-height: 50vh; overflow: auto;
  background: #fff; border-radius: 8px 8px 0 0; box-shadow: 0 -2px 8px rgba(0,0,0,0.35); padding: 0 10px 10px;
  box-sizing: border-box; font: 12px/1.35 system-ui, sans-serif; color: #222; }}
.pos2-popup-sheet[hidden] {{ display: none; }}
.pos2-popup-sheet .pos2-sheet-close {{ position: sticky; top: 0; float: right; margin: 0 -6px 0 8px; padding: 4px 10px;
  border: 0; background: #fff; font: 22px/1 system-ui, sans-serif; cursor: pointer; }}
.pos2-popup-sheet .pos2-sheet-body {{ padding-top: 8px; }}
.pos2-title {{ position: absolute; z-index: 800; top: 10px; left: 54px; max-width: min(456px, calc(100% - 128px));
  box-sizing: border-box;
  background: rgba(255,255,255,0.92); border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.35); padding: 4px 8px;
  font: 11px/1.35 system-ui, sans-serif; color: #222; }}
.pos2-title summary {{ cursor: pointer; }}
.pos2-title h1 {{ display: inline; font-size: 14px; margin: 0; }}
.pos2-title p {{ margin: 2px 0; }}
.pos2-title .pos2-links a {{ margin-right: 8px; }}
.pos2-title .pos2-links ul {{ margin: 2px 0; padding-left: 16px; max-height: 30vh; overflow: auto; }}
.pos2-title button.pos2-save-image {{ font: inherit; padding: 0 6px; cursor: pointer; }}
.pos2-title .pos2-print-only, .pos2-exporting .pos2-title .pos2-links {{ display: none; }}
.pos2-exporting .pos2-title .pos2-print-only {{ display: block; }}
.pos2-exporting .leaflet-bottom {{ bottom: 0 !important; }}
.pos2-exporting .leaflet-control:not(.pos2-legend):not(.leaflet-control-scale):not(.pos2-years) {{ visibility: hidden; }}
@media (min-width: 600px) {{  /* a saved image names the lines in full (on a phone the legend would cover the map) */
  .pos2-exporting .pos2-legend {{ max-height: none !important; max-width: 50% !important; }}
  .pos2-exporting .pos2-legend .name {{ max-width: none !important; white-space: normal !important; }}
}}
.pos2-exporting .leaflet-tooltip-pane {{ display: none; }}
@media print {{
  .leaflet-control:not(.leaflet-control-scale):not(.pos2-legend), .leaflet-control-layers, .pos2-panel,
  .leaflet-popup-pane, .leaflet-tooltip-pane, .pos2-popup-sheet, .pos2-title .pos2-links {{ display: none !important; }}
  .pos2-legend {{ box-shadow: none; border: 1px solid #999; max-width: 50% !important; max-height: none !important; }}
  .pos2-legend .name {{ max-width: none !important; white-space: normal !important; }}
  .leaflet-bottom {{ bottom: 0 !important; }}
  .leaflet-control-scale {{ background: #fff; }}
  .pos2-title {{ box-shadow: none; border: 1px solid #999; left: 10px; max-width: 45%; }}
  .pos2-title summary {{ list-style: none; }}
  .pos2-title summary::-webkit-details-marker {{ display: none; }}
  .pos2-title .pos2-print-only {{ display: block; }}
  .leaflet-container {{ background: #fff; }}
}}
</style>
"""


_PAGE_JS = """
L.Popup.mergeOptions({{ this.popup_options|script_json }});
(function () {
  var map = {{ this._parent.get_name() }}, container = map.getContainer();
  // On paper the title block and the legend are open (the numbered lines need their key).
  var printFolded = [];
  window.addEventListener('beforeprint', function () {
    printFolded = Array.prototype.filter.call(
      container.querySelectorAll('.pos2-title > details, .pos2-legend > details'), function (d) { return !d.open; });
    printFolded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener('afterprint', function () { printFolded.forEach(function (d) { d.open = false; }); });
  // A click opens a popup: the hover tooltip of what was clicked goes, not to sit over it.
  map.on('popupopen', function () {
    map.eachLayer(function (layer) { if (layer.getTooltip && layer.getTooltip() && layer.isTooltipOpen()) { layer.closeTooltip(); } });
  });
  // The attribution is one line (CSS); hovering shows the whole text, and a
  // tap on a cut line unfolds it (a second tap folds it again).
  var attribution = map.attributionControl && map.attributionControl.getContainer();
  if (attribution) {
    attribution.addEventListener('mouseenter', function () { attribution.title = attribution.textContent; });
    attribution.addEventListener('click', function (event) {
      var open = attribution.classList.contains('pos2-open');
      if (!open && attribution.scrollWidth > attribution.clientWidth + 1) {
        event.preventDefault();  // the first tap shows the text, not a link behind it
        attribution.classList.add('pos2-open');
      } else if (open && !event.target.closest('a')) {
        attribution.classList.remove('pos2-open');
      }
    });
  }
  // On a screen under {{ this.narrow_px }} px a popup opens as a sheet fixed to the
  // bottom (at most half the height, scrolling, with a close button) instead
  // of a bubble as wide as the screen; the clicked point stays above it.
  var sheet = null, body = null;
  function closeSheet() { if (sheet) { sheet.hidden = true; } }
  function makeSheet() {
    sheet = L.DomUtil.create('div', 'pos2-popup-sheet', container);
    sheet.setAttribute('role', 'dialog');
    var close = L.DomUtil.create('button', 'pos2-sheet-close', sheet);
    close.type = 'button';
    close.setAttribute('aria-label', 'Close');
    close.textContent = '\\u00d7';
    body = L.DomUtil.create('div', 'pos2-sheet-body', sheet);
    close.addEventListener('click', closeSheet);
    L.DomEvent.disableClickPropagation(sheet);
    L.DomEvent.disableScrollPropagation(sheet);
    map.on('preclick', closeSheet);  // a tap on the map closes it (before a tap on a line opens another)
    document.addEventListener('keydown', function (event) { if (event.key === 'Escape') { closeSheet(); } });
  }
  function openSheet(popup) {
    if (!sheet) { makeSheet(); }
    var content = popup._content;  // what Leaflet itself would show: HTML made by the page's escaping helpers
    if (typeof content === 'function') { content = content(popup._source || popup); }
    body.textContent = '';
    if (typeof content === 'string') { body.innerHTML = content; } else if (content) { body.appendChild(content); }
    sheet.hidden = false;
    sheet.scrollTop = 0;
    var at = popup.getLatLng(), top = map.getSize().y - sheet.offsetHeight;
    if (at) {
      var y = map.latLngToContainerPoint(at).y;
      if (y > top - 24) { map.panBy([0, y - top / 2], {animate: false}); }
    }
  }
  var openOn = L.Popup.prototype.openOn;
  L.Popup.include({
    openOn: function (target) {
      var on = arguments.length ? target : this._source && this._source._map;
      if (on === map && map.getSize().x < {{ this.narrow_px }}) { openSheet(this); return this; }
      return openOn.apply(this, arguments);
    }
  });
})();
"""


class PageStyle(ScriptElement):
    """Page-wide CSS and behaviour: popups that fit the screen, the bottom corners, a print style.

    Popups are at most ``min(60vh, 420px)`` high (then they scroll) and
    ``min(340px, 90vw)`` wide (CSS, whatever ``maxWidth`` a layer gives);
    when the map pans to show one it keeps 16 px from the edges and stays
    below the title block's first line (Leaflet's defaults for every popup).
    On a map narrower than :data:`NARROW_PX` a popup opens as a sheet fixed
    to the bottom instead (at most half the height, scrolling, with a close
    button). A clicked line gets no focus outline. The attribution is one
    line beside the scale bar (hover or tap for the whole text). Printing
    leaves out the controls, the legend, the panels and the layer list but
    keeps the scale bar, and shows the title block with the credits.
    """

    _template = template(
        "{% macro header(this, kwargs) %}" + _PAGE_CSS + "{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _PAGE_JS + "{% endmacro %}"
    )
    narrow_px = NARROW_PX
    popup_options = {
        "autoPanPaddingTopLeft": list(POPUP_AUTOPAN_TOP_LEFT_PX),
        "autoPanPaddingBottomRight": list(POPUP_AUTOPAN_PADDING_PX),
    }

    def __init__(self) -> None:
        super().__init__()
        self._name = "PageStyle"


MERCATOR_NOTE = (
    "Web Mercator map: one scale bar for the whole view, and lines in the north are drawn longer than lines "
    "of the same length further south; every km given is geodesic (WGS84 ellipsoid)."
)

_TITLE_JS = """
(function () {
  var map = {{ this._parent.get_name() }};
  var div = L.DomUtil.create('div', 'pos2-title', map.getContainer());
  div.innerHTML = {{ this.inner_html|script_json }};
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  document.title = div.querySelector('h1').textContent;  // the heading's text: no second copy of the data
  var details = div.querySelector('details');
  // A phone: the title line only (a tap opens it). An open layer list that
  // would cover the block (a phone, a narrow window) folds to its button (a
  // tap opens it, a tap on the map folds it again).
  if (map.getSize().x < 600) { details.open = false; }
  var block = div.getBoundingClientRect();
  map.getContainer().querySelectorAll('.leaflet-control-layers-expanded').forEach(function (list) {
    var box = list.getBoundingClientRect();
    if (map.getSize().x >= 600 && (box.left > block.right + 8 || box.top > block.bottom + 8)) { return; }
    list.classList.remove('leaflet-control-layers-expanded');
    map.on('click', function () { list.classList.remove('leaflet-control-layers-expanded'); });
  });
  window.addEventListener('beforeprint', function () { details.open = true; });
})();
"""


class TitleBlock(ScriptElement):
    """The page's title block (top left): title, build date, the projection note, links.

    Parameters
    ----------
    inner_html
        The block's content (:func:`title_block_html`); its ``h1`` also
        becomes the document's title.
    """

    _template = template("{% macro script(this, kwargs) %}" + _TITLE_JS + "{% endmacro %}")

    def __init__(self, inner_html: str) -> None:
        super().__init__()
        self._name = "TitleBlock"
        self.inner_html = inner_html


def title_block_html(
    title: str,
    *,
    build_date: str,
    links: Sequence[tuple[str, str]] = (),
    route_links: Sequence[tuple[str, str]] = (),
    credits: str = "",
    save_image: bool = False,
) -> str:
    """The HTML of a title block, every data string escaped.

    Parameters
    ----------
    title
        The page's title.
    build_date
        The build date of the method note (``YYYY-MM-DD``).
    links
        ``(label, href)`` of the other pages, shown on one line.
    route_links
        ``(route name, href)`` of the route pages, in a list that opens on a click.
    credits
        Shown on paper and in a saved image only (the attribution control
        is left out of both).
    save_image
        Whether to add the "Save image (PNG)" button (needs :class:`ImageExport`).

    Returns
    -------
    html
        A ``<details open>`` whose summary is the title.
    """
    parts = [
        f"<details open><summary><h1>{text(title)}</h1></summary>",
        f'<p class="pos2-built">Built {text(build_date)}. {text(MERCATOR_NOTE)}</p>',
    ]
    if links or route_links or save_image:
        parts.append('<div class="pos2-links">')
        parts.extend(f'<a href="{text(href)}">{text(label)}</a>' for label, href in links)
        if save_image:
            parts.append('<button type="button" class="pos2-save-image">Save image (PNG)</button>')
        if route_links:
            items = "".join(f'<li><a href="{text(href)}">{text(name)}</a></li>' for name, href in route_links)
            parts.append(f"<details><summary>Route pages ({len(route_links)})</summary><ul>{items}</ul></details>")
        parts.append("</div>")
    if credits:
        parts.append(f'<p class="pos2-print-only">{text(credits)}</p>')
    parts.append("</details>")
    return "".join(parts)


TILE_PLACEHOLDER_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mO4e/cuAAUyApj98CkjAAAAAElFTkSuQmCC"
)
"""A light grey pixel: what a saved image shows for a map tile the page cannot read (offline, cross-origin)."""

_IMAGE_EXPORT_JS = """
(function () {
  var map = {{ this._parent.get_name() }}, container = map.getContainer();
  var skip = {{ this.skip_classes|script_json }};
  function wanted(node) {  // left out: the panels, the layer list, the links; the other controls are hidden (CSS)
    return !node.classList || !skip.some(function (name) { return node.classList.contains(name); });
  }
  function fileName() {
    var page = decodeURIComponent(location.pathname.split('/').pop() || '').replace(/\\.html?$/i, '');
    return (page.replace(/[^A-Za-z0-9._-]+/g, '_') || 'map') + '.png';
  }
  function save(button) {
    if (!window.htmlToImage) { return; }
    var size = map.getSize();
    // The title block (with its credits) and the legend are drawn open.
    var folded = Array.prototype.filter.call(
      container.querySelectorAll('.pos2-title > details, .pos2-legend > details'), function (d) { return !d.open; });
    folded.forEach(function (d) { d.open = true; });
    container.classList.add('pos2-exporting');
    button.disabled = true;
    // The year slider stays unless the opened title block covers it (a phone).
    var block = container.querySelector('.pos2-title'), covered = [];
    container.querySelectorAll('.pos2-years').forEach(function (control) {
      var a = control.getBoundingClientRect(), b = block ? block.getBoundingClientRect() : null;
      if (b && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        control.style.visibility = 'hidden';
        covered.push(control);
      }
    });
    // The image copies the styles of HTML elements, not of the lines inside an
    // SVG: a dash set by a stylesheet (the trade arcs) is written on the line.
    var dashed = [];
    container.querySelectorAll('.leaflet-overlay-pane path:not([stroke-dasharray])').forEach(function (path) {
      var dash = getComputedStyle(path).strokeDasharray;
      if (dash && dash !== 'none') { path.setAttribute('stroke-dasharray', dash); dashed.push(path); }
    });
    function restore() {
      container.classList.remove('pos2-exporting');
      folded.forEach(function (d) { d.open = false; });
      covered.forEach(function (control) { control.style.visibility = ''; });
      dashed.forEach(function (path) { path.removeAttribute('stroke-dasharray'); });
      button.disabled = false;
    }
    window.htmlToImage.toBlob(container, {
      width: size.x, height: size.y, pixelRatio: Math.min(window.devicePixelRatio || 1, 2),
      skipFonts: true, cacheBust: false,
      imagePlaceholder: {{ this.placeholder|script_json }},  // a tile that cannot be read
      filter: wanted
    }).then(function (blob) {
      restore();
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = fileName();
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
    }, function (error) {
      restore();
      console.warn('Save image: ' + error);
    });
  }
  container.querySelectorAll('button.pos2-save-image').forEach(function (button) {
    button.addEventListener('click', function () { save(button); });
  });
})();
"""


class ImageExport(JSCSSMixin, ScriptElement):
    """Makes the title block's "Save image (PNG)" button save the map as it is on screen.

    The map's DOM is drawn into a PNG by html-to-image (pinned in
    package.json, inlined by ``--offline`` like Leaflet): the current view
    at the screen's size with the title block (open, with the credits), the
    legend, the scale bar (and the trade year), without the zoom buttons,
    the layer list, the panels and the attribution. A map tile the page cannot read (offline,
    or served without CORS) becomes :data:`TILE_PLACEHOLDER_PNG`.
    """

    _template = template("{% macro script(this, kwargs) %}" + _IMAGE_EXPORT_JS + "{% endmacro %}")
    default_js = (HTML_TO_IMAGE_JS,)
    skip_classes = (
        "pos2-links", "pos2-popup-sheet", "pos2-panel", "leaflet-control-layers", "leaflet-control-attribution",
    )  # fmt: skip
    """Left out of the image (the other controls but the legend, scale and year are hidden, keeping their place)."""
    placeholder = TILE_PLACEHOLDER_PNG

    def __init__(self) -> None:
        super().__init__()
        self._name = "ImageExport"


def add_title(m: folium.Map, title: str, *, fixed: bool = False, **block: object) -> None:
    """Give a page its title, its title block (:func:`title_block_html` arguments) and "Save image".

    The title is set by the page's script (``document.title``, from the
    block's heading); a ``fixed``
    title, one of the program's own and not data, is also written as the
    ``<title>`` element of the file. Data (a route's name) reaches the page
    only inside JSON strings. The block's "Save image (PNG)" button works
    through :class:`ImageExport`, added here.
    """
    if fixed:
        m.get_root().title = text(title)
    TitleBlock(title_block_html(title, save_image=True, **block)).add_to(m)  # type: ignore[arg-type]
    ImageExport().add_to(m)
