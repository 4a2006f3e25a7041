"""Map controls: the comparison panel, the legend, the GeoJSON download, attribution, layers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any


import folium

from folium.map import Layer

from geo.compare import basis_end_name

from layers.encoding import ScriptElement, script_json, template
from layers.markers import CircleMarkers
from layers.style import (
    LINE_STYLES,
    PLACE_SHAPES,
    PLACE_STYLE,
    PROFILE_SIZE_PX,
    REFERENCE_DASH,
    ROUTE_WEIGHT_PX,
    SUGGESTED_OPACITY,
    SUGGESTED_WEIGHT_PX,
    km,
    line_colours,
    line_style,
    route_ends,
    shape_svg,
    text,
)
from layers.trade import SHOW_WHILE_LAYERS_JS, TRADE_LAYER_CLASSES, EnergyFlows, TradeFlows

_PANEL_CSS = """
<style>
.pos2-panel { background: rgba(255,255,255,0.95); padding: 4px 6px; max-width: 40vw; max-height: 42vh;
  overflow: auto; font: 11px/1.3 system-ui, sans-serif; }
.pos2-panel summary { font-weight: 600; cursor: pointer; }
.pos2-panel table { border-collapse: collapse; margin-top: 4px; }
.pos2-panel th, .pos2-panel td { border-bottom: 1px solid #ddd; padding: 2px 5px; text-align: left; vertical-align: top; }
.pos2-panel td.num, .pos2-panel td.countries { text-align: right; white-space: nowrap; }
.pos2-panel .method { color: #444; margin-top: 4px; max-width: 38vw; }
.pos2-panel button { margin-top: 4px; font: inherit; }
.pos2-panel.pos2-comparison { max-width: 33vw; max-height: 33vh; box-sizing: border-box; }
.pos2-comparison .method { max-width: none; }
.pos2-panel.pos2-comparison { padding-top: 0; }
.pos2-comparison summary { position: sticky; top: 0; left: 0; z-index: 3; background: #fff; padding: 4px 0;
  line-height: 14px; }
.pos2-comparison th { position: sticky; top: 22px; background: #fff; z-index: 1; white-space: nowrap; }
.pos2-comparison td.route-name, .pos2-comparison th:first-child { position: sticky; left: 0; background: #fff; }
.pos2-comparison th:first-child { z-index: 2; }
.pos2-comparison th button { margin: 0; padding: 0; border: 0; background: none; font: inherit; font-weight: 600;
  cursor: pointer; text-align: left; }
.pos2-comparison th button::after { content: " \\2195"; color: #999; }
.pos2-comparison th[aria-sort="ascending"] button::after { content: " \\25B2"; color: #000; }
.pos2-comparison th[aria-sort="descending"] button::after { content: " \\25BC"; color: #000; }
.pos2-comparison tr.route-row { cursor: pointer; }
.pos2-comparison tr.route-row:hover, .pos2-comparison tr.route-row:hover td.route-name { background: #eef3ff; }
.pos2-comparison tr.route-row:focus { outline: 2px solid #3366cc; outline-offset: -2px; }
.pos2-comparison tr.route-row.selected, .pos2-comparison tr.route-row.selected td.route-name { background: #dde7ff; }
.pos2-comparison tr.route-row.off, .pos2-legend .off { opacity: 0.4; }
.pos2-legend .off .name { text-decoration: line-through; }
.pos2-comparison td.route-name { min-width: 8em; max-width: 12em; }
.pos2-comparison td.ends { min-width: 8em; max-width: 14em; }
.pos2-comparison .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #0003;
  vertical-align: -1px; }
.pos2-comparison .swatch.thin { width: 12px; height: 2px; border: 0; vertical-align: 3px; opacity: 0.7; }
.pos2-comparison .buttons button { margin-right: 6px; }
path.route-highlight { filter: drop-shadow(0 0 2px #fff); }
.pos2-legend { background: rgba(255,255,255,0.92); padding: 4px 6px; font: 11px/1.3 system-ui, sans-serif;
  max-height: 40vh; max-width: 33vw; overflow: auto; }
.pos2-legend .name { display: inline-block; max-width: 15em; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; vertical-align: middle; }
.leaflet-control-layers { font: 12px/1.3 system-ui, sans-serif; }
.pos2-legend svg { vertical-align: middle; margin-right: 4px; }
.pos2-panel.pos2-sheet { max-width: min(420px, 33vw); max-height: 33vh; box-sizing: border-box; padding-top: 0; }
.pos2-sheet summary { position: sticky; top: 0; z-index: 1; background: #fff; padding: 4px 0; }
.pos2-sheet .method { max-width: none; }
.pos2-panel img.profile { aspect-ratio: PROFILE_RATIO; height: auto; }
.route-popup table th { text-align: left; padding-right: 8px; vertical-align: top; }
.route-popup h4 { margin: 0 0 4px; font-size: 14px; }
@media (max-width: 600px) {
  .pos2-panel.pos2-comparison, .pos2-panel.pos2-sheet { position: fixed; left: 0; right: 0; bottom: 0; margin: 0;
    width: 100%; max-width: none; max-height: 40vh; border-radius: 8px 8px 0 0; z-index: 1000; background: #fff;
    box-sizing: border-box; }
  .leaflet-container .leaflet-bottom { bottom: var(--pos2-sheet, 0px); }
  .leaflet-container:has(.pos2-sheet) .leaflet-bottom { bottom: 38px; }  /* above the closed sheet's summary */
  .pos2-legend { max-width: 60vw; }
}
</style>
""".replace("PROFILE_RATIO", "%d / %d" % PROFILE_SIZE_PX)
"""The panels' CSS. A profile image keeps its room before it loads: the first view
(:class:`layers.page.FitView`) measures the panel when the page's scripts have run."""

_CONTROL_JS = """
(function () {
  var map = {{ this._parent.get_name() }};
  var control = L.control({position: {{ this.position|script_json }}});
  control.onAdd = function () {
    var div = L.DomUtil.create('div', {{ this.css_class|script_json }});
    div.innerHTML = {{ this.inner_html|script_json }};
    if (window.matchMedia && window.matchMedia({{ this.narrow_query|script_json }}).matches) {
      div.querySelectorAll({{ this.closed_when_narrow|script_json }}).forEach(function (d) { d.open = false; });
    }
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.addTo(map);
  var div = control.getContainer();
  {{ this.behaviour() }}
})();
"""

NARROW_QUERY = "(max-width: 600px)"
"""Screens where the panel is a bottom sheet and the legend starts closed."""

_SAVE_MACRO = """
{%- macro save_on_click(buttons, filename) -%}
(function (buttons, filename) {
  buttons.forEach(function (button) {
    button.addEventListener('click', function () {
      var link = document.createElement('a');
      link.href = encodeURIComponent(filename);
      link.download = filename;
      link.target = '_blank';
      link.rel = 'noopener';
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });
})({{ buttons }}, {{ filename|script_json }});
{%- endmacro -%}
"""
"""JavaScript that saves the file ``filename`` beside the page when one of
``buttons`` (a JS expression: a list of elements) is clicked.

The file is not embedded in the page (routes.geojson gzipped and base64-encoded
was 45 % of index.html): ``build`` writes it beside the page. Over http(s) the
browser saves it; from ``file://`` Chromium ignores ``download`` (no origin),
so a file it can show (GeoJSON) opens in a new tab, and one it cannot (CSV) is
saved."""


class HtmlControl(ScriptElement):
    """A Leaflet control holding fixed HTML (every data string escaped by the caller).

    Parameters
    ----------
    inner_html
        The control's content.
    css_class
        Class of the control's ``div``.
    position
        Leaflet control position, e.g. ``"topright"``.
    closed_when_narrow
        CSS selector of the ``<details>`` in the control that start closed on
        narrow screens (:data:`NARROW_QUERY`); ``"none"`` for none.
    """

    _template = template(
        _SAVE_MACRO + "{% macro header(this, kwargs) %}" + _PANEL_CSS + "{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _CONTROL_JS + "{% endmacro %}"
    )
    narrow_query = NARROW_QUERY

    def __init__(
        self, inner_html: str, *, css_class: str, position: str = "topright", closed_when_narrow: str = "none"
    ) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.inner_html = inner_html
        self.css_class = css_class
        self.position = position
        self.closed_when_narrow = closed_when_narrow

    def behaviour(self) -> str:
        """Script run once the control is on the map (``map`` and ``div`` in scope); none here."""
        return ""


class GeoJsonDownload(ScriptElement):
    """Makes every ``button.download-geojson`` save the GeoJSON file beside the page.

    Parameters
    ----------
    filename
        Name of the file, in the page's folder (``routes.geojson`` as
        ``build`` writes it).
    """

    _template = template(
        _SAVE_MACRO + "{% macro script(this, kwargs) %}"
        "{{ save_on_click(\"document.querySelectorAll('button.download-geojson')\", this.filename) }}{% endmacro %}"
    )

    def __init__(self, filename: str = "routes.geojson") -> None:
        super().__init__()
        self._name = "GeoJsonDownload"
        self.filename = filename


ROUTE_CLASS_JS = """
function routeClass(routeId) {  // a route's line class, as layers.routes._css_id makes it
  return 'route-' + routeId.replace(/[^\\p{L}\\p{N}_-]/gu, '_');
}
"""

FOLLOW_ROUTES_JS = """
(function (items, counter) {
  // rows (data-route) of routes whose lines are switched off are dimmed; the counter says how many are on
  var pending = false;
  function update() {
    pending = false;
    var on = {}, ids = {};
    map.eachLayer(function (layer) {
      var name = layer.options && layer.options.className;
      if (name) name.split(' ').forEach(function (c) { on[c] = true; });
    });
    items.forEach(function (item) {
      var id = item.getAttribute('data-route'), shown = on[routeClass(id)] === true;
      item.classList.toggle('off', !shown);
      ids[id] = shown;
    });
    if (counter) {
      var all = Object.keys(ids), shown = all.filter(function (id) { return ids[id]; }).length;
      counter.textContent = shown === all.length ? all.length + ' routes' : shown + ' of ' + all.length + ' routes on the map';
    }
  }
  map.on('layeradd layerremove', function () { if (!pending) { pending = true; setTimeout(update, 0); } });
  update();
})(Array.prototype.slice.call(div.querySelectorAll('[data-route]')), div.querySelector('.route-count'));
"""
"""JavaScript run with ``map``, ``div`` (a control) and :data:`ROUTE_CLASS_JS` in scope: the control's ``[data-route]`` items
are dimmed while their route's lines are off the map, and its ``.route-count`` counts those on."""

_TABLE_JS = """
var table = div.querySelector('table.comparison');
var body = table.tBodies[0];
var rows = Array.prototype.slice.call(body.rows);
rows.forEach(function (row, i) { row.pos2Index = i; });
var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
function sortBy(th) {
  var col = heads.indexOf(th), numeric = th.getAttribute('data-type') === 'num';
  var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
  heads.forEach(function (h) { if (h.hasAttribute('aria-sort')) h.setAttribute('aria-sort', 'none'); });
  th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
  rows.sort(function (a, b) {
    var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
    var missing = (x === '' || x === null) - (y === '' || y === null);  // '-' last either way
    if (missing) return missing;
    var order = 0;
    if (x !== '' && x !== null) order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return dir * order || a.pos2Index - b.pos2Index;
  });
  rows.forEach(function (row) { body.appendChild(row); });
}
heads.forEach(function (th) {
  var button = th.querySelector('button');
  if (button) button.addEventListener('click', function () { sortBy(th); });
});
var highlighted = [];
function select(row) {
  var wanted = routeClass(row.getAttribute('data-route'));
  highlighted.forEach(function (layer) {
    layer.setStyle({weight: layer.pos2Weight});
    if (layer.getElement()) layer.getElement().classList.remove('route-highlight');
  });
  highlighted = [];
  var bounds = null;
  map.eachLayer(function (layer) {
    var name = layer.options && layer.options.className;
    if (!name || !layer.getBounds || (' ' + name + ' ').indexOf(' ' + wanted + ' ') < 0) return;
    if (layer.pos2Weight === undefined) layer.pos2Weight = layer.options.weight;
    layer.setStyle({weight: 2 * layer.pos2Weight});
    layer.bringToFront();
    if (layer.getElement()) layer.getElement().classList.add('route-highlight');
    highlighted.push(layer);
    bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds([layer.getBounds()]);
  });
  rows.forEach(function (r) { r.classList.toggle('selected', r === row); r.setAttribute('aria-selected', String(r === row)); });
  if (!bounds || !bounds.isValid()) return;
  var size = map.getSize(), sheet = 0;
  if (getComputedStyle(div).position === 'fixed') sheet = Math.min(div.offsetHeight, size.y / 2);  // bottom sheet
  map.fitBounds(bounds, {paddingTopLeft: [20, 20], paddingBottomRight: [20, 20 + sheet]});
}
function liftCorners() {  // a closed bottom sheet: the corner controls (attribution, scale) stay above it
  var style = map.getContainer().style;
  if (getComputedStyle(div).position !== 'fixed') style.removeProperty('--pos2-sheet');
  else if (!div.querySelector('details').open) style.setProperty('--pos2-sheet', div.offsetHeight + 'px');
}
liftCorners();
window.addEventListener('resize', liftCorners);
div.querySelector('details').addEventListener('toggle', liftCorners);
rows.forEach(function (row) {
  row.addEventListener('click', function () { select(row); });
  row.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); select(row); }
  });
});
"""


class ComparisonPanel(HtmlControl):
    """The comparison panel: a control whose table sorts, selects routes and saves CSV.

    Parameters
    ----------
    inner_html
        The panel's content (see :func:`comparison_panel`).
    csv_file
        Name of the CSV file beside the page that the ``button.download-csv``
        of the panel saves (``comparison.csv`` as ``build`` writes it), or None.
    **kwargs
        As for :class:`HtmlControl`.
    """

    def __init__(self, inner_html: str, *, csv_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(inner_html, **kwargs)
        self._name = "ComparisonPanel"
        self.csv_file = csv_file

    def behaviour(self) -> str:
        save = ""
        if self.csv_file is not None:
            save = self._template.module.save_on_click("div.querySelectorAll('button.download-csv')", self.csv_file)
        return ROUTE_CLASS_JS + _TABLE_JS + FOLLOW_ROUTES_JS + save


class Attribution(ScriptElement):
    """Adds a line to the map's attribution control (text is escaped here)."""

    _template = template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|script_json }});
        {% endmacro %}
        """
    )

    def __init__(self, attribution: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.html = text(attribution)


class LayerControl(folium.LayerControl):
    """folium's layer control (every layer of the map), each name after a sample of its look.

    folium writes the names with Jinja's ``tojson``, which leaves U+2028 and
    U+2029 raw; here they go through :func:`layers.encoding.template_json`
    like every other string. Names are HTML (Leaflet sets them as
    ``innerHTML``): escape them with :func:`layers.style.text`. Before each
    name goes :func:`layer_swatch` of the layer, drawn from its style.
    """

    _template = template(
        """{% macro script(this, kwargs) %}
        L.control.layers(
          {
            {%- for name, layer in this.base_layers.items() %}
            {{ name|template_json }}: {{ layer }},
            {%- endfor %}
          },
          {
            {%- for name, layer in this.overlays.items() %}
            {{ name|template_json }}: {{ layer }},
            {%- endfor %}
          },
          {{ this.options|template_json }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def render(self, **kwargs: Any) -> None:
        """Collect the map's layers (as folium does), each label a swatch and the escaped name."""
        self.reset()
        for item in self._parent._children.values():
            if not isinstance(item, Layer) or not item.control:
                continue
            key = layer_swatch(item) + item.layer_name
            (self.overlays if item.overlay else self.base_layers)[key] = item.get_name()
        super(folium.LayerControl, self).render(**kwargs)  # the element's own render, not folium's second collection


_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_DASH_PATTERN = re.compile(r"\d{1,3}(?:\.\d+)?(?:[ ,]+\d{1,3}(?:\.\d+)?)*")
SWATCH_WIDTH_PX = 34
"""Width of a line sample in the layer list and the legend."""


def _checked_colour(colour: object) -> str:
    if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
        msg = f"a swatch colour must be #rrggbb, got {colour!r}"
        raise ValueError(msg)
    return colour


def line_swatch(colour: str, *, weight_px: float = ROUTE_WEIGHT_PX, dash: str | None = None, opacity: float = 1.0) -> str:
    """A sample of a line (inline SVG), as wide as :data:`SWATCH_WIDTH_PX`.

    Parameters
    ----------
    colour
        Stroke colour, ``#rrggbb`` (anything else raises ``ValueError``: a
        swatch is made from the style, never from data text).
    weight_px
        Stroke width in pixels, drawn as on the map (between 1 and 10).
    dash
        SVG dash pattern (``"10 7"``: px on, px off), or None for solid.
    opacity
        Stroke opacity, 0 to 1.

    Returns
    -------
    svg
        An ``<svg class="pos2-swatch">`` with one line.
    """
    colour = _checked_colour(colour)
    if dash is not None and not _DASH_PATTERN.fullmatch(str(dash)):
        msg = f"a dash pattern is numbers separated by spaces or commas, got {dash!r}"
        raise ValueError(msg)
    weight = min(max(float(weight_px), 1.0), 10.0)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg class="pos2-swatch" width="{SWATCH_WIDTH_PX}" height="12" aria-hidden="true">'
        f'<line x1="1" y1="6" x2="{SWATCH_WIDTH_PX - 1}" y2="6" stroke="{colour}" stroke-width="{weight:g}" '
        f'stroke-opacity="{min(max(float(opacity), 0.0), 1.0):g}"{dashed}/></svg>'
    )


def _marker_swatch(style: Mapping[str, Any]) -> str:
    shape = style.get("shape")
    fill = _checked_colour(style.get("fillColor", style.get("color")))
    if shape is not None:
        if shape not in PLACE_SHAPES:
            msg = f"a place shape is one of {PLACE_SHAPES}, got {shape!r}"
            raise ValueError(msg)
        return shape_svg(shape, fill).replace("<svg ", '<svg class="pos2-swatch" aria-hidden="true" ', 1)
    stroke = _checked_colour(style.get("color", "#333333"))
    return (
        f'<svg class="pos2-swatch" width="{SWATCH_WIDTH_PX}" height="12" aria-hidden="true">'
        f'<circle cx="{SWATCH_WIDTH_PX // 2}" cy="6" r="5" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/></svg>'
    )


def layer_swatch(layer: folium.map.Layer) -> str:
    """A sample of how a layer is drawn, for the layer list (SVG, from the style only).

    A route: its line (colour, weight, dash as drawn); a place category: its
    shape; the trade arcs: their two colours, dashed; the energy flows: a
    wide pale line; other markers: a dot. The layer's name and tooltips are
    never read, so no data text reaches the sample.

    Parameters
    ----------
    layer
        A folium layer (a ``FeatureGroup`` of lines or markers).

    Returns
    -------
    svg
        An ``<svg class="pos2-swatch">``, or ``""`` for a layer with nothing
        drawn that has a sample (a tile layer).
    """
    children = list(getattr(layer, "_children", {}).values())
    for child in children:
        if isinstance(child, folium.PolyLine):
            options = child.options
            return line_swatch(
                options.get("color", "#3388ff"),
                weight_px=options.get("weight", 3),
                dash=options.get("dashArray") or options.get("dash_array"),
                opacity=options.get("opacity", 1.0),
            )
    for child in children:
        if isinstance(child, TradeFlows):
            first, second = (_checked_colour(arc[2]) for arc in child.arcs[:2])
            return (
                f'<svg class="pos2-swatch" width="{SWATCH_WIDTH_PX}" height="12" aria-hidden="true">'
                f'<line x1="1" y1="3" x2="{SWATCH_WIDTH_PX - 1}" y2="3" stroke="{first}" stroke-width="3" stroke-dasharray="8 4"/>'
                f'<line x1="1" y1="9" x2="{SWATCH_WIDTH_PX - 1}" y2="9" stroke="{second}" stroke-width="3" stroke-dasharray="8 4"/></svg>'
            )
        if isinstance(child, EnergyFlows):
            return line_swatch(child.colour, weight_px=6, opacity=0.5)
        if isinstance(child, CircleMarkers):
            return _marker_swatch(child.style)
    return ""


def method_html(method: Mapping[str, Any]) -> str:
    """One paragraph saying how the numbers were made."""
    return (
        '<div class="method">'
        f"Lengths: {text(method['lengths'])}, along lines densified to at most "
        f"{method['densify_max_segment_km']:g} km. Countries: {text(method['boundaries'])}. "
        f"The map is Web Mercator (its scale changes with latitude) and the measure tool draws spherical (haversine) "
        f"distances; the authoritative km are the geodesic ones in the route popups; outside the study area the "
        f"country outlines are coarser, a frame. "
        f"Built {text(method['build_date'])}.</div>"
    )


def band_html(band: Mapping[str, Any] | None) -> str:
    """An as-built band as 'about 5,652<br>5,303–6,022' (HTML; '-' without one)."""
    if band is None:
        return "-"
    return f"about {band['estimate']:,.0f}<br><small>{band['low']:,.0f}–{band['high']:,.0f}</small>"


def basis_html(method: Mapping[str, Any]) -> str:
    """One paragraph naming the basis of the basis km (empty without one)."""
    basis = method.get("basis")
    if not basis:
        return ""
    return (
        f'<div class="method basis">Basis: {text(basis["name"])}, from {text(basis_end_name(basis, "from"))} '
        f"to {text(basis_end_name(basis, 'to'))}. "
        f"{text(basis['what'])}; - where a route has no path on this basis (its popup says why). "
        "As built: the length of pipeline a line stands for, with the range that holds it 9 times in 10: "
        "waypoint lines are shorter than the pipelines built along them, by a factor calibrated on "
        "traced operating pipelines, and waypoints are only as exact as their sources.</div>"
    )


def short_name(name: str) -> str:
    """A route's short tag for the legend: the part of its name before " (".

    Longer tags are cut by the legend's CSS (ellipsis, full name on hover),
    not here, so the text stays whole.

    Examples
    --------
    >>> short_name("Altai route (Power of Siberia West) into Xinjiang")
    'Altai route'
    """
    head = name.split(" (", 1)[0].strip()
    return head or name


def _sort_value(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _num(shown: str, value: float | None) -> str:
    return f'<td class="num" data-sort="{_sort_value(value)}">{shown}</td>'


# (header, data-type): "num" columns sort as numbers, "text" as text, None not at all.
_COLUMNS = (
    ("Route", "text"), ("from → to", "text"), ("km", "num"), ("as built km (90 %)", "num"), ("basis km", "num"),
    ("new-build km", "num"), ("published km", "num"), ("ratio", "num"), ("bcm/yr", "num"), ("km by country", None),
)  # fmt: skip


def _head_cell(label: str, kind: str | None) -> str:
    if kind is None:
        return f"<th>{label}</th>"
    return f'<th data-type="{kind}" aria-sort="none"><button type="button" class="sort">{label}</button></th>'


def comparison_row(record: Mapping[str, Any], colour: str) -> str:
    """One row of the comparison table (HTML, every data string escaped; ``data-sort`` holds raw values).

    The route's swatch is a square of ``colour``, or a thin line for a
    suggestion (drawn thin on the map, :func:`layers.style.line_style`).
    """
    swatch = "swatch thin" if line_style(record["kind"]) == "suggested" else "swatch"
    basis = record.get("basis") or {}
    band = record.get("as_built_km")
    start, end = route_ends(record)
    ratio = record["published_ratio"]
    capacity = record["capacity_bcm"]
    countries = "<br>".join(f"{text(iso)} {km(v)}" for iso, v in record["countries"].items())
    return (
        f'<tr class="route-row" tabindex="0" data-route="{text(record["id"])}">'
        f'<td class="route-name" data-sort="{text(record["name"])}" title="{text(record["name"])}">'
        f'<span class="{swatch}" style="background: {text(colour)}"></span>{text(short_name(record["name"]))}</td>'
        f'<td class="ends" data-sort="{text(start)} → {text(end)}" title="{text(start)} → {text(end)}">'
        f"{text(short_name(start))} → {text(short_name(end))}</td>"
        + _num(km(record["length_km"]), record["length_km"])
        + _num(band_html(band), None if band is None else band["estimate"])
        + _num(km(basis.get("km")), basis.get("km"))
        + _num(km(basis.get("new_build_km")), basis.get("new_build_km"))
        + _num(km(record["published_length_km"]), record["published_length_km"])
        + _num("-" if ratio is None else format(ratio, ".2f"), ratio)
        + _num("-" if capacity is None else format(capacity, "g"), capacity)
        + f'<td class="countries">{countries}</td></tr>'
    )


def comparison_panel(
    records: Sequence[Mapping[str, Any]],
    method: Mapping[str, Any],
    *,
    download: bool = True,
    open_: bool = False,
    colours: Mapping[str, str] | None = None,
    csv_file: str | None = None,
) -> ComparisonPanel:
    """Build the collapsible comparison panel: a sortable table, one row per route.

    Click a column header to sort (again to reverse; numbers as numbers, "-"
    last); click a row (or focus it and press Enter) to highlight its route
    and zoom to it. The panel covers at most a third of the map's width and
    height; on narrow screens it is a bottom sheet, closed at first.

    Parameters
    ----------
    records
        Comparison records (:func:`geo.compare.comparison_records`).
    method
        The method note (see ``make_maps.method_note``).
    download
        Whether to add the "Download GeoJSON" button (needs
        :class:`GeoJsonDownload` on the same map, and the file beside the page).
    open_
        Whether the panel starts unfolded on wide screens (it covers part of the map).
    colours
        Route id -> ``#rrggbb`` (:func:`layers.style.line_colours`) for the
        swatches; None for the colours the map gives the routes in this order
        (a suggestion its option's).
    csv_file
        Name of the CSV file beside the page that the "Download CSV" button
        saves (``comparison.csv``: :func:`geo.compare.comparison_csv` of
        ``records``, written by ``build``), or None for no button.

    Returns
    -------
    control
        A :class:`ComparisonPanel` in the bottom-right corner.
    """
    if colours is None:
        colours = line_colours(records)
    head = "".join(_head_cell(label, kind) for label, kind in _COLUMNS)
    rows = "".join(comparison_row(r, colours.get(r["id"], "#777777")) for r in records)
    buttons = ('<button type="button" class="download-geojson">Download GeoJSON</button>' if download else "") + (
        '<button type="button" class="download-csv">Download CSV</button>' if csv_file is not None else ""
    )
    inner = (
        f"<details{' open' if open_ else ''}><summary>Route comparison "
        f'(<span class="route-count">{len(records)} routes</span>)</summary>'
        f'<table class="comparison"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f'<div class="buttons">{buttons}</div>'
        f"{basis_html(method)}"
        "<div class=\"method\">Click a header to sort, a row to show the route. published km: one published segment "
        "(see the popups); ratio = published ÷ measured length of the same segment.</div>"
        f"{method_html(method)}</details>"
    )
    return ComparisonPanel(
        inner,
        csv_file=csv_file,
        css_class="pos2-panel pos2-comparison leaflet-bar",
        position="bottomright",
        closed_when_narrow="details",
    )


_LEGEND_JS = """
var extra = div.querySelector('.legend-extra'), wanted = %s;
if (extra && wanted) {
  (function (element) {
""" + SHOW_WHILE_LAYERS_JS + """
  })(extra);
}
"""


class Legend(HtmlControl):
    """The legend control: its ``.legend-extra`` lines show only while layers they describe are on the map.

    Parameters
    ----------
    inner_html
        The legend's content.
    extra_layers
        CSS classes (Leaflet ``className``) of the layers the extra lines
        describe, or None to show them always.
    **kwargs
        As for :class:`HtmlControl`.
    """

    def __init__(self, inner_html: str, *, extra_layers: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(inner_html, **kwargs)
        self._name = "Legend"
        self.extra_layers = None if extra_layers is None else list(extra_layers)

    def behaviour(self) -> str:
        return _LEGEND_JS % script_json(self.extra_layers) + ROUTE_CLASS_JS + FOLLOW_ROUTES_JS




def _line_sample(colour: str, style: str) -> str:
    """An SVG line drawn as the map draws a route of this style (:data:`layers.style.LINE_STYLES`)."""
    if style not in LINE_STYLES:
        msg = f"unknown line style {style!r}; use one of {', '.join(LINE_STYLES)}"
        raise ValueError(msg)
    if style == "suggested":
        look = f'stroke-width="{SUGGESTED_WEIGHT_PX}" stroke-opacity="{SUGGESTED_OPACITY}"'
    else:
        dash = f' stroke-dasharray="{REFERENCE_DASH}"' if style == "reference" else ""
        look = f'stroke-width="{ROUTE_WEIGHT_PX}"{dash}'
    return f'<line x1="1" y1="5" x2="33" y2="5" stroke="{text(colour)}" {look}/>'


def legend(
    route_styles: Sequence[tuple[str, str, str]],
    *,
    route_ids: Sequence[str] | None = None,
    places: bool = True,
    extra_html: str = "",
    extra_layers: Sequence[str] | None = TRADE_LAYER_CLASSES,
) -> Legend:
    """Build the legend: a line sample per route (its short name), a dot per place category.

    It starts open on wide screens and closed on narrow ones.

    Parameters
    ----------
    route_styles
        ``(name, colour, style)`` per route, ``style`` one of
        :data:`layers.style.LINE_STYLES` (:func:`layers.style.line_style` of
        the route's kind): the sample is drawn as the map draws the line, a
        solid ``"option"``, a dashed ``"reference"``, a thin ``"suggested"``.
        The legend shows :func:`short_name` (the full name on hover).
    route_ids
        The routes' ids, in the same order: each row is dimmed while its
        route's lines are switched off (:data:`FOLLOW_ROUTES_JS`).
    places
        Whether to list the place categories.
    extra_html
        More legend lines (already escaped), e.g. the trade width scales.
    extra_layers
        Show ``extra_html`` only while a layer with one of these CSS classes
        is on the map (default: the trade lines); None to show it always.

    Returns
    -------
    control
        A :class:`Legend` in the bottom-left corner.
    """
    items = []
    ids = [None] * len(route_styles) if route_ids is None else list(route_ids)
    for (name, colour, style), route_id in zip(route_styles, ids, strict=True):
        follows = "" if route_id is None else f' data-route="{text(route_id)}"'
        items.append(
            f'<div title="{text(name)}"{follows}><svg width="34" height="10">{_line_sample(colour, style)}</svg>'
            f'<span class="name">{text(short_name(name))}</span></div>'
        )
    if route_styles:
        items.append(
            '<div><svg width="34" height="12"><circle cx="17" cy="6" r="5" fill="#fff" stroke="#333" stroke-width="2"/>'
            "</svg>border crossing on a route · small dots: km posts every 100 km</div>"
        )
    if places:
        items += [
            f"<div>{shape_svg(shape, colour)}{text(label)}</div>"
            for label, colour, shape in PLACE_STYLE.values()
        ]
    body = "".join(items) + (f'<div class="legend-extra">{extra_html}</div>' if extra_html else "")
    return Legend(
        f"<details open><summary><b>Legend</b></summary>{body}</details>",
        extra_layers=extra_layers,
        css_class="pos2-legend leaflet-bar",
        position="bottomleft",
        closed_when_narrow="details",
    )
