"""The trade overlay: trade-flow arcs, energy flows, border crossings, a year slider.

Everything that changes with the year (arc widths, the Power of Siberia 1
flow) listens to one :class:`YearControl`; the data for every year travels in
the page, so the slider works offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np

from geo.errors import RouteDataError
from geo.trade import trade_summary
from layers.encoding import ScriptElement, encode_polyline, template
from layers.markers import CircleMarkers
from layers.style import NARROW_PX, text

RU_TO_CN = "#CC3311"  # Paul Tol "vibrant" red
CN_TO_RU = "#0077BB"  # vibrant blue
TOTAL = "#555555"
ENERGY = "#009988"  # vibrant teal
CROSSING = "#EE7733"  # vibrant orange
TRADE_PX_PER_BN = 0.08
"""Arc width: pixels per US$ bn a year (US$ 129 bn is about 10 px)."""
ENERGY_PX_PER_BCM = 0.2
"""Energy line width: pixels per bcm (or Mt) a year (50 bcm is 10 px)."""
ENERGY_OPACITY = 0.35
ENERGY_NO_DATA_OPACITY = 0.15
"""Opacity of an energy line in a year it has a flow for, and (fainter) in a year it has none: drawn at its capacity."""
LINE_DECIMALS = 3
"""Arcs and energy bands are many pixels wide: 3 decimals (about 100 m) are plenty."""
GROUP_TRADE = "Trade"

_YEAR_JS = """
window.pos2Year = window.pos2Year || {year: null, listeners: [],
  listen: function (f) { this.listeners.push(f); if (this.year !== null) { f(this.year); } },
  set: function (y) { this.year = y; this.listeners.forEach(function (f) { f(y); }); }};
"""


class TradeFlows(ScriptElement):
    """Two arcs, Russia to China and China to Russia, as wide as the year's trade.

    Parameters
    ----------
    arcs
        ``{"ru_cn": lonlat array, "cn_ru": lonlat array}``.
    years
        ``[[year, ru_to_cn, cn_to_ru, total, confidence, source], ...]``;
        confidence and source are HTML, escaped by the caller.
    popup_html
        HTML for the arcs' popup (the chart), escaped by the caller.
    """

    _template = template(
        "{% macro header(this, kwargs) %}<style>"
        # Moving dashes show the direction: each arc runs from exporter to importer.
        ".trade-flow { stroke-dasharray: 16 8; animation: pos2-flow 1.5s linear infinite; }"
        "@keyframes pos2-flow { to { stroke-dashoffset: -24; } }"
        "@media (prefers-reduced-motion: reduce) { .trade-flow { animation: none; } }"
        # In the panel (at most a third of the screen high) the chart shrinks to fit under the headline.
        ".pos2-sheet .trade-chart { display: block; width: 100%; max-width: 380px; height: auto;"
        " max-height: calc(33vh - 100px); }"
        f"@media (max-width: {NARROW_PX}px) {{ .pos2-sheet .trade-chart {{ max-height: calc(40vh - 110px); }} }}"
        "</style>{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _YEAR_JS + """
        (function () {
          var years = {{ this.years|script_json }};
          var byYear = {};
          years.forEach(function (r) { byYear[r[0]] = r; });
          var arcs = {};
          {% for key, encoded, colour, label in this.arcs %}
          arcs[{{ key|script_json }}] = L.polyline(pos2Decode({{ encoded|script_json }}, {{ this.precision }}), {
            color: {{ colour|script_json }}, opacity: 0.85, lineCap: 'butt',
            className: 'trade-flow trade-' + {{ key|script_json }}
          }).bindPopup({{ this.popup_html|script_json }}, {maxWidth: 420})
            .addTo({{ this._parent.get_name() }});
          arcs[{{ key|script_json }}].label = {{ label|script_json }};
          {% endfor %}
          // The tooltips join numbers and constant words with strings that came
          // in as JSON, escaped by layers.style.text: no raw data reaches innerHTML.
          window.pos2Year.listen(function (year) {
            var r = byYear[year];
            [['ru_cn', 1], ['cn_ru', 2]].forEach(function (k) {
              var arc = arcs[k[0]], value = r ? r[k[1]] : 0;
              arc.setStyle({weight: Math.max(1, value * {{ this.px_per_bn }})});
              arc.bindTooltip(arc.label + ' ' + year + ': US$ ' + value.toFixed(1) + ' bn'
                + (r ? ' (' + r[4] + ' confidence; ' + r[5] + ')' : ''), {sticky: true});
            });
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, arcs: Mapping[str, np.ndarray], years: list, popup_html: str) -> None:
        super().__init__()
        self._name = "TradeFlows"
        labels = {"ru_cn": "Russia → China (China's imports)", "cn_ru": "China → Russia (China's exports)"}
        colours = {"ru_cn": RU_TO_CN, "cn_ru": CN_TO_RU}
        self.arcs = [
            (key, encode_polyline(arcs[key], precision=LINE_DECIMALS), colours[key], labels[key]) for key in ("ru_cn", "cn_ru")
        ]
        self.years = years
        self.popup_html = popup_html
        self.precision = LINE_DECIMALS
        self.px_per_bn = TRADE_PX_PER_BN


class EnergyFlows(ScriptElement):
    """Pipelines drawn as wide as their flow in the slider's year, or faded at their capacity.

    A line with a flow for the year (:class:`YearControl`) is as wide as
    that flow and its tooltip gives it ("flow 2024"); in a year without one
    (no yearly figures, or none for that year) the line is drawn fainter at
    its capacity and its tooltip says "no data for 2024".

    Parameters
    ----------
    lines
        ``[(name, lonlat array, {year: bcm} or None, capacity_bcm or None), ...]``:
        a yearly flow where known, else the capacity.
    """

    _template = template(
        "{% macro script(this, kwargs) %}" + _YEAR_JS + """
        (function () {
          var lines = {{ this.lines|script_json }};
          var drawn = lines.map(function (l) {
            return L.polyline(pos2Decode(l.encoded, {{ this.precision }}), {
              color: {{ this.colour|script_json }}, opacity: {{ this.opacity }}, lineCap: 'round', className: 'energy-flow'
            }).addTo({{ this._parent.get_name() }});
          });
          // The slider's year: a line with that year's flow is as wide as it; any other
          // (no yearly figures, or none for that year) is drawn faded at its capacity and says so.
          window.pos2Year.listen(function (year) {
            lines.forEach(function (l, i) {
              var flow = l.flows ? l.flows[String(year)] : undefined, known = flow !== undefined && flow !== null;
              var value = known ? flow : l.capacity, label = l.name_html + ': ' + (known
                ? flow.toFixed(1) + ' bcm/yr (flow ' + year + ')'
                : 'no data for ' + year + (l.capacity !== null ? '; drawn at its capacity, ' + l.capacity.toFixed(1) + ' bcm/yr' : ''));
              drawn[i].setStyle({weight: value > 0 ? Math.max(1, value * {{ this.px_per_bcm }}) : (known ? 0 : 1),
                                 opacity: known ? {{ this.opacity }} : {{ this.no_data_opacity }}});
              if (drawn[i].getTooltip()) { drawn[i].setTooltipContent(label); } else { drawn[i].bindTooltip(label, {sticky: true}); }
            });
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, lines: Sequence[tuple[str, np.ndarray, Mapping[int, float] | None, float | None]]) -> None:
        super().__init__()
        self._name = "EnergyFlows"
        self.lines = [
            {
                "name_html": text(name),
                "encoded": encode_polyline(lonlat, precision=LINE_DECIMALS),
                "flows": None if flows is None else {str(y): v for y, v in flows.items()},
                "capacity": capacity,
            }
            for name, lonlat, flows, capacity in lines
        ]
        self.precision = LINE_DECIMALS
        self.colour = ENERGY
        self.px_per_bcm = ENERGY_PX_PER_BCM
        self.opacity = ENERGY_OPACITY
        self.no_data_opacity = ENERGY_NO_DATA_OPACITY


TRADE_LAYER_CLASSES = ("trade-flow", "energy-flow")
"""Leaflet classes of the trade overlay's lines, which the year slider and the width scales describe."""

SHOW_WHILE_LAYERS_JS = """
var pending = false;
function update() {  // element shows while a layer with one of the classes in wanted is on the map
  pending = false;
  var on = false;
  map.eachLayer(function (layer) {
    var name = layer.options && layer.options.className;
    if (name && name.split(' ').some(function (c) { return wanted.indexOf(c) >= 0; })) on = true;
  });
  element.hidden = !on;
}
map.on('layeradd layerremove', function () { if (!pending) { pending = true; setTimeout(update, 0); } });
update();
"""
"""JavaScript run with ``map``, ``element`` and ``wanted`` (CSS classes) in scope: the element is
shown only while a layer of one of those classes is on the map (the legend's width scales, the year slider)."""


class YearControl(ScriptElement):
    """A slider that steps through the years; the latest is shown first.

    At the top left, under the zoom buttons; on a map narrower than
    :data:`layers.style.NARROW_PX` (a phone) at the bottom left, above the
    scale bar, clear of the lines' northern ends.

    Parameters
    ----------
    years
        The years to step through, ascending.
    """

    _template = template(
        "{% macro header(this, kwargs) %}<style>"
        ".pos2-years { background: rgba(255,255,255,0.95); padding: 4px 8px; font: 12px system-ui, sans-serif; }"
        ".pos2-years input { width: 160px; vertical-align: middle; }"
        "</style>{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _YEAR_JS + """
        (function () {
          var years = {{ this.years|script_json }}, map = {{ this._parent.get_name() }};
          // Top left under the zoom buttons; on a phone, where it spans the width, at the bottom
          // above the scale bar: at the top it would cover the lines' northern (Yamal) ends.
          var control = L.control({position: map.getSize().x < {{ this.narrow_px }} ? 'bottomleft' : 'topleft'});
          control.onAdd = function () {
            var div = L.DomUtil.create('div', 'pos2-years leaflet-bar');
            div.setAttribute('data-pos2-keep-clear', '');  // hidden at first on the overview: the first view keeps clear of it
            div.innerHTML = '<label>Trade year <input type="range" class="year-slider" step="1"> '
              + '<b class="year-label"></b></label>';
            L.DomEvent.disableClickPropagation(div);
            var input = div.querySelector('input'), label = div.querySelector('.year-label');
            input.min = years[0];  // min and max before value: a range input clamps its value
            input.max = years[years.length - 1];
            input.value = label.textContent = years[years.length - 1];
            input.addEventListener('input', function () {
              label.textContent = input.value;
              window.pos2Year.set(parseInt(input.value, 10));
            });
            return div;
          };
          control.addTo({{ this._parent.get_name() }});
          // Shown only while a trade or energy line is on the map: alone, it would move nothing.
          (function (map, element, wanted) {""" + SHOW_WHILE_LAYERS_JS + """
          })({{ this._parent.get_name() }}, control.getContainer(), {{ this.layer_classes|script_json }});
          window.pos2Year.listen(function (year) { setTimeout(function () {  // after the panels exist
            document.querySelectorAll('.trade-chart').forEach(function (svg) {
              var y0 = +svg.dataset.year0, y1 = +svg.dataset.year1, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
              var marker = svg.querySelector('.year-marker'), at = x0 + (year - y0) / Math.max(y1 - y0, 1) * (x1 - x0);
              if (marker) { marker.setAttribute('x1', at); marker.setAttribute('x2', at); }
            });
            document.querySelectorAll('.trade-headline').forEach(function (p) {
              p.hidden = +p.dataset.year !== year;
            });
          }, 0); });
          window.pos2Year.set(years[years.length - 1]);
        })();
        {% endmacro %}"""
    )

    def __init__(self, years: Sequence[int]) -> None:
        super().__init__()
        self._name = "YearControl"
        self.years = list(years)
        self.layer_classes = list(TRADE_LAYER_CLASSES)
        self.narrow_px = NARROW_PX


def trade_chart_svg(rows: Sequence[Mapping[str, Any]], *, width: int = 380, height: int = 200) -> str:
    """Draw the yearly trade series as inline SVG (no script, no CDN).

    Parameters
    ----------
    rows
        Output of :func:`geo.trade.load_trade`.
    width, height
        Size in pixels.

    Returns
    -------
    svg
        An ``<svg>`` element: total, Russia to China and China to Russia,
        US$ bn, the key in a row above the plot (no line runs through it),
        the first and last year always labelled, and a marker line at the
        year the page's year slider shows (``.year-marker``, moved by the
        slider's script; ``data-year0``/``data-x0`` and ``data-year1``/
        ``data-x1`` give its scale).
    """
    left, right, top, bottom = 34, 18, 34, 22
    years = [r["year"] for r in rows]
    top_value = max(r["total_usd_bn"] for r in rows)
    y_max = 50 * np.ceil(top_value / 50)

    def x(year: float) -> float:
        return left + (year - years[0]) / max(years[-1] - years[0], 1) * (width - left - right)

    def y(value: float) -> float:
        return height - bottom - value / y_max * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trade-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="10" '
        f'data-year0="{years[0]}" data-x0="{x(years[0]):.1f}" data-year1="{years[-1]}" data-x1="{x(years[-1]):.1f}">',
        f'<text x="{left}" y="12" font-weight="600">China-Russia trade, US$ bn (China customs)</text>',
    ]
    for tick in np.arange(0, y_max + 1, 50):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" text-anchor="end">{tick:.0f}</text>'
        )
    step = max(1, len(years) // 6)
    labelled = years[::step]
    if years[-1] not in labelled:  # the latest year always, unless a label would crowd it
        labelled = [year for year in labelled if x(years[-1]) - x(year) > 26] + [years[-1]]
    for year in labelled:
        anchor = "end" if year == years[-1] else "start" if year == years[0] else "middle"
        parts.append(f'<text x="{x(year):.1f}" y="{height - 6}" text-anchor="{anchor}">{year}</text>')
    series = (
        ("total_usd_bn", TOTAL, "total"),
        ("cn_imports_from_ru_usd_bn", RU_TO_CN, "Russia → China"),
        ("cn_exports_to_ru_usd_bn", CN_TO_RU, "China → Russia"),
    )
    for i, (column, colour, label) in enumerate(series):
        points = " ".join(f"{x(r['year']):.1f},{y(r[column]):.1f}" for r in rows)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{left + 110 * i}" y="26" fill="{colour}">{label}</text>')
    parts.append(
        f'<line class="year-marker" x1="{x(years[-1]):.1f}" x2="{x(years[-1]):.1f}" y1="{top}" y2="{height - bottom}" '
        'stroke="#333" stroke-dasharray="3 3"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def trade_headlines_html(rows: Sequence[Mapping[str, Any]], *, shown_year: int) -> str:
    """The headline figures of every year, one paragraph each; the slider shows its year's.

    Russia → China trade is compared with the year before it in the table
    (the latest earlier year it holds), which the text names: "(+43.9 % on
    2021)" under 2022. The first year, and a year after one with no
    Russia → China trade, have no change.

    Parameters
    ----------
    rows
        Output of :func:`geo.trade.load_trade`.
    shown_year
        The year shown before the slider moves (the others are ``hidden``).

    Returns
    -------
    html
        ``<p class="trade-headline" data-year="...">`` per year, data escaped.
    """
    paragraphs = []
    previous: Mapping[str, Any] | None = None
    for row in sorted(rows, key=lambda r: r["year"]):
        summary = trade_summary(list(rows), year=row["year"])
        before = None if previous is None else previous["cn_imports_from_ru_usd_bn"]
        # a no-break space: the number and its % stay on one line
        change = f" ({100 * (summary['ru_to_cn_usd_bn'] / before - 1):+.1f}\u00a0% on {previous['year']})" if previous and before else ""
        hidden = "" if summary["year"] == shown_year else " hidden"
        paragraphs.append(
            f'<p class="trade-headline" data-year="{summary["year"]}"{hidden}><b>{summary["year"]}</b>: bilateral trade'
            f" US$ {summary['total_usd_bn']:.1f} bn; Russia → China US$ {summary['ru_to_cn_usd_bn']:.1f} bn{change}"
            f"; China → Russia US$ {summary['cn_to_ru_usd_bn']:.1f} bn. <small>Source: {text(summary['source'])}"
            f" ({text(summary['confidence'])} confidence).</small></p>"
        )
        previous = row
    return "".join(paragraphs)


def trade_layers(
    trade: Sequence[Mapping[str, Any]],
    energy: Sequence[Mapping[str, Any]],
    places: gpd.GeoDataFrame,
    pipelines: Sequence[tuple[str, np.ndarray, str | None, float | None]],
    arcs: Mapping[str, np.ndarray],
) -> tuple[list[folium.FeatureGroup], YearControl]:
    """Build the layers of the "Trade" group and the year slider that drives them.

    Parameters
    ----------
    trade, energy
        Outputs of :func:`geo.trade.load_trade` and :func:`geo.trade.load_energy`.
    places
        The trade places (``trade_places.toml``): border crossings are drawn.
    pipelines
        ``(name, densified lonlat, energy column with its yearly flow or None,
        capacity_bcm or None)`` per pipeline.
    arcs
        ``{"ru_cn": lonlat, "cn_ru": lonlat}`` from :func:`geo.geodesic.offset_geodesic`.

    Returns
    -------
    layers, control
        FeatureGroups "Trade flows", "Energy flows" and "Border trade
        crossings", and the :class:`YearControl` to add to the same map.
    """
    years = [r["year"] for r in trade]
    flows_layer = folium.FeatureGroup(name="Trade flows, China customs (width: US$ bn)")
    chart = trade_chart_svg(trade)
    TradeFlows(
        arcs,
        [
            [r["year"], r["cn_imports_from_ru_usd_bn"], r["cn_exports_to_ru_usd_bn"], r["total_usd_bn"],
             text(r["confidence"]), text(r["source"])]
            for r in trade
        ],
        f'<div class="trade-popup">{chart}</div>',
    ).add_to(flows_layer)
    energy_layer = folium.FeatureGroup(name="Energy flows (width: bcm/yr flow or capacity)")
    lines = []
    for name, lonlat, flow_column, capacity in pipelines:
        flows = None
        if flow_column is not None:
            flows = {r["year"]: r[flow_column] for r in energy if r.get(flow_column) is not None}
        if flows is None and capacity is None:
            continue
        lines.append((name, lonlat, flows, capacity))
    EnergyFlows(lines).add_to(energy_layer)
    crossings = places[places["category"] == "border_crossing"]
    crossings_layer = folium.FeatureGroup(name="Border trade crossings")
    CircleMarkers(
        [(p.x, p.y) for p in crossings.geometry],
        [
            f"<b>{text(row.name)}</b><br>{text(row.description)}<br><small>{text(row.source)}</small>"
            for row in crossings.itertuples(index=False)
        ],
        style={"radius": 6, "color": "#ffffff", "weight": 2, "fillColor": CROSSING, "fillOpacity": 1.0,
               "className": "trade-crossing"},
    ).add_to(crossings_layer)  # fmt: skip
    return [flows_layer, energy_layer, crossings_layer], YearControl(years)


def width_legend() -> str:
    """HTML of the width scales for the trade and energy lines."""
    rows = []
    for label, colour, values, unit, scale in (
        ("trade", RU_TO_CN, (50, 100, 150), "US$ bn", TRADE_PX_PER_BN),
        ("energy", ENERGY, (10, 30, 50), "bcm/yr", ENERGY_PX_PER_BCM),
    ):
        samples = "".join(
            f'<svg width="40" height="16"><line x1="2" y1="8" x2="38" y2="8" stroke="{colour}" '
            f'stroke-width="{value * scale:.1f}" stroke-opacity="0.8"/></svg>{value} '
            for value in values
        )
        rows.append(f"<div>{label}: {samples}{unit}</div>")
    return "".join(rows)


def ends_lonlat(places: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return the lon/lat of the Russian and the Chinese end of the arcs.

    Parameters
    ----------
    places
        Trade places with ``role`` ``flow_end_ru`` and ``flow_end_cn``.

    Returns
    -------
    ru, cn
        ``(lon, lat)`` pairs.
    """
    ends = {}
    for role in ("flow_end_ru", "flow_end_cn"):
        match = places[places["role"] == role]
        if len(match) != 1:
            msg = f"need exactly one place with role = {role!r}, found {len(match)}; mark the arc's end"
            raise RouteDataError(msg, field="role")
        point = match.geometry.iloc[0]
        ends[role] = (point.x, point.y)
    return ends["flow_end_ru"], ends["flow_end_cn"]
