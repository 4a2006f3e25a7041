"""Map controls: the comparison panel, the legend, the GeoJSON download, attribution, layers."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Mapping, Sequence
from typing import Any


import folium

from layers.encoding import ScriptElement, template
from layers.style import PLACE_STYLE, REFERENCE_DASH, km, text

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
.pos2-legend { background: rgba(255,255,255,0.92); padding: 4px 6px; font: 11px/1.3 system-ui, sans-serif;
  max-height: 40vh; overflow: auto; }
.leaflet-control-layers { font: 12px/1.3 system-ui, sans-serif; }
.pos2-legend svg { vertical-align: middle; margin-right: 4px; }
.route-popup table th { text-align: left; padding-right: 8px; vertical-align: top; }
.route-popup h4 { margin: 0 0 4px; font-size: 14px; }
</style>
"""

_CONTROL_JS = """
(function () {
  var control = L.control({position: {{ this.position|script_json }}});
  control.onAdd = function () {
    var div = L.DomUtil.create('div', {{ this.css_class|script_json }});
    div.innerHTML = {{ this.inner_html|script_json }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.addTo({{ this._parent.get_name() }});
})();
"""


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
    """

    _template = template(
        "{% macro header(this, kwargs) %}" + _PANEL_CSS + "{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _CONTROL_JS + "{% endmacro %}"
    )

    def __init__(self, inner_html: str, *, css_class: str, position: str = "topright") -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.inner_html = inner_html
        self.css_class = css_class
        self.position = position


class GeoJsonDownload(ScriptElement):
    """Makes every ``button.download-geojson`` save embedded GeoJSON as a file.

    The text travels inside the page (gzipped), so the download works offline.

    Parameters
    ----------
    geojson
        The file's text (``routes.geojson`` as ``build`` writes it).
    filename
        Name offered to the browser.
    """

    _template = template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var gzipped = {{ this.gzip_base64|script_json }};
          document.querySelectorAll('button.download-geojson').forEach(function (button) {
            button.addEventListener('click', function () {
              var bytes = Uint8Array.from(atob(gzipped), function (c) { return c.charCodeAt(0); });
              var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
              new Response(stream).blob().then(function (blob) {
                var link = document.createElement('a');
                link.href = URL.createObjectURL(new Blob([blob], {type: 'application/geo+json'}));
                link.download = {{ this.filename|script_json }};
                document.body.appendChild(link);
                link.click();
                setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
              });
            });
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, geojson: str, *, filename: str = "routes.geojson") -> None:
        super().__init__()
        self._name = "GeoJsonDownload"
        # gzip (no timestamp, so pages stay reproducible), then base64: a
        # quarter of the size; the browser unpacks it with DecompressionStream.
        self.gzip_base64 = base64.b64encode(gzip.compress(geojson.encode("utf-8"), mtime=0)).decode("ascii")
        self.filename = filename


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
    """folium's layer control (every layer of the map), names written as JSON strings.

    folium writes the names with Jinja's ``tojson``, which leaves U+2028 and
    U+2029 raw; here they go through :func:`layers.encoding.template_json`
    like every other string. Names are HTML (Leaflet sets them as
    ``innerHTML``): escape them with :func:`layers.style.text`.
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


def method_html(method: Mapping[str, Any]) -> str:
    """One paragraph saying how the numbers were made."""
    return (
        '<div class="method">'
        f"Lengths: {text(method['lengths'])}, along lines densified to at most "
        f"{method['densify_max_segment_km']:g} km. Countries: {text(method['boundaries'])}. "
        f"The measure tool draws spherical (haversine) distances; the authoritative km are in the route popups. "
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
        f'<div class="method basis">Basis: {text(basis["name"])} ({text(basis["from"])} → {text(basis["to"])}). '
        f"{text(basis['what'])}; - where a route has no path on this basis (its popup says why). "
        "As built: the length of pipeline a line stands for, with the range that holds it 9 times in 10: "
        "waypoint lines are shorter than the pipelines built along them, by a factor calibrated on "
        "traced operating pipelines, and waypoints are only as exact as their sources.</div>"
    )


def comparison_panel(
    records: Sequence[Mapping[str, Any]], method: Mapping[str, Any], *, download: bool = True, open_: bool = False
) -> HtmlControl:
    """Build the collapsible comparison panel: one row per route.

    Parameters
    ----------
    records
        Comparison records (:func:`geo.compare.comparison_records`).
    method
        The method note (see ``make_maps.method_note``).
    download
        Whether to add the "Download GeoJSON" button (needs
        :class:`GeoJsonDownload` on the same map).
    open_
        Whether the panel starts unfolded (it covers part of the map).

    Returns
    -------
    control
        An :class:`HtmlControl` in the bottom-right corner.
    """
    head = (
        "<tr><th>Route</th><th>km</th><th>as built km (90 %)</th><th>basis km</th><th>new-build km</th><th>km by country</th>"
        "<th>published km</th><th>ratio</th><th>bcm/yr</th></tr>"
    )
    rows = "".join(
        f'<tr class="route-row" data-route="{text(r["id"])}"><td>{text(r["name"])}</td>'
        f'<td class="num">{km(r["length_km"])}</td>'
        f'<td class="num">{band_html(r.get("as_built_km"))}</td>'
        f'<td class="num">{km((r.get("basis") or {}).get("km"))}</td>'
        f'<td class="num">{km((r.get("basis") or {}).get("new_build_km"))}</td>'
        f"<td class=\"countries\">{'<br>'.join(f'{text(iso)} {km(v)}' for iso, v in r['countries'].items())}</td>"
        f'<td class="num">{km(r["published_length_km"])}</td>'
        f'<td class="num">{"-" if r["published_ratio"] is None else format(r["published_ratio"], ".2f")}</td>'
        f'<td class="num">{"-" if r["capacity_bcm"] is None else format(r["capacity_bcm"], "g")}</td></tr>'
        for r in records
    )
    button = '<button type="button" class="download-geojson">Download GeoJSON</button>' if download else ""
    inner = (
        f"<details{' open' if open_ else ''}><summary>Route comparison ({len(records)} routes)</summary>"
        f'<table class="comparison">{head}{rows}</table>'
        f"{basis_html(method)}"
        "<div class=\"method\">published km: one published segment (see the popups); ratio = published ÷ measured "
        "length of the same segment.</div>"
        f"{method_html(method)}{button}</details>"
    )
    return HtmlControl(inner, css_class="pos2-panel leaflet-bar", position="bottomright")


def legend(
    route_styles: Sequence[tuple[str, str, bool]], *, places: bool = True, extra_html: str = ""
) -> HtmlControl:
    """Build the legend: a line sample per route, a dot per place category.

    Parameters
    ----------
    route_styles
        ``(name, colour, dashed)`` per route.
    places
        Whether to list the place categories.
    extra_html
        More legend lines (already escaped), e.g. the trade width scales.

    Returns
    -------
    control
        An :class:`HtmlControl` in the bottom-left corner.
    """
    items = []
    for name, colour, dashed in route_styles:
        dash = f' stroke-dasharray="{REFERENCE_DASH}"' if dashed else ""
        items.append(
            f'<div><svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{colour}" '
            f'stroke-width="4"{dash}/></svg>{text(name)}</div>'
        )
    if route_styles:
        items.append(
            '<div><svg width="34" height="12"><circle cx="17" cy="6" r="5" fill="#fff" stroke="#333" stroke-width="2"/>'
            "</svg>border crossing on a route · small dots: km posts every 100 km</div>"
        )
    if places:
        items += [
            f'<div><svg width="34" height="12"><circle cx="17" cy="6" r="5" fill="{colour}"/></svg>{text(label)}</div>'
            for label, colour in PLACE_STYLE.values()
        ]
    body = "".join(items) + extra_html
    return HtmlControl(
        f"<details open><summary><b>Legend</b></summary>{body}</details>",
        css_class="pos2-legend leaflet-bar",
        position="bottomleft",
    )
