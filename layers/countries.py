"""Country outlines drawn under the routes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.encoding import ScriptElement, encode_polylines, template
from layers.style import COUNTRY_STYLE

COUNTRIES_PANE = "countries"
"""Leaflet pane of the outlines: below the routes (overlayPane is at 400), deaf to the mouse."""
OUTLINE_DECIMALS = 3
"""The display copy is simplified to about 1 km and stored at 3 decimals."""


def countries_pane() -> folium.map.CustomPane:
    """Return the pane the country outlines are drawn in; add it to the map first."""
    return folium.map.CustomPane(COUNTRIES_PANE, z_index=350, pointer_events=False)


class CountryOutlines(ScriptElement):
    """Country polygons as encoded rings, drawn in :data:`COUNTRIES_PANE`.

    Needs ``pos2Decode`` (:class:`layers.encoding.PolylineDecoder`) on the map.

    Parameters
    ----------
    polygons
        ``[[iso3, [[ring, hole, ...], ...]], ...]``: per country, its polygons,
        each a list of encoded rings (exterior first).
    style
        Leaflet path options.
    precision
        Decimals of the encoding.
    """

    _template = template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var pane = {{ this.pane|script_json }};
          // One canvas for all outlines: cheaper to draw than thousands of SVG vertices.
          var style = Object.assign({{ this.style|script_json }}, {pane: pane, interactive: false,
                                    renderer: L.canvas({pane: pane})});
          {{ this.polygons|script_json }}.forEach(function (country) {
            var shapes = country[1].map(function (rings) {
              return rings.map(function (ring) { return pos2Decode(ring, {{ this.precision }}); });
            });
            L.polygon(shapes, Object.assign({className: 'country country-' + country[0]}, style))
              .addTo({{ this._parent.get_name() }});
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, polygons: list, *, style: dict, precision: int) -> None:
        super().__init__()
        self._name = "CountryOutlines"
        self.polygons = polygons
        self.style = style
        self.pane = COUNTRIES_PANE
        self.precision = precision


class ViewFrame(ScriptElement):
    """Keep the view inside a frame: no panning out of it, no zooming out past it.

    The smallest zoom is the one at which the map's container still fits
    inside the frame, computed from the container's size now and after every
    resize; panning stops at the frame's edge (``maxBoundsViscosity`` 1). Add
    it before the first view is set, so fitting a view already respects it.
    Given the bounds of the country outlines, no view shows where they end.

    Parameters
    ----------
    bounds_latlon
        ``[[south, west], [north, east]]``, degrees.
    """

    _template = template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }}, frame = L.latLngBounds({{ this.bounds|script_json }});
          map.options.maxBoundsViscosity = 1;
          // The bounds once the first view is set: set now, their animated pan
          // from folium's placeholder view (0, 0) would land after that view.
          map.once('moveend', function () { map.setMaxBounds(frame); });
          function limitZoom() {
            map.options.minZoom = 0;  // getBoundsZoom never answers below the current minimum
            map.options.minZoom = map.getBoundsZoom(frame, true);
            map.fire('zoomlevelschange');  // the zoom buttons follow
            // Not setMinZoom: its animated zoom would land after (and undo) the first view.
            if (map._loaded && map.getZoom() < map.options.minZoom) {
              map.setZoom(map.options.minZoom, {animate: false});
            }
          }
          limitZoom();
          map.on('resize', limitZoom);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds_latlon: Sequence[Sequence[float]]) -> None:
        super().__init__()
        self._name = "ViewFrame"
        self.bounds = [[float(v) for v in bounds_latlon[0]], [float(v) for v in bounds_latlon[1]]]


@dataclass(frozen=True)
class EncodedCountries:
    """Country outlines as encoded rings, ready to draw on any number of maps.

    Attributes
    ----------
    polygons
        ``[[iso3, [[ring, hole, ...], ...]], ...]``, rings encoded with
        :func:`layers.encoding.encode_polylines`.
    precision
        Decimals of the encoding.
    bounds_latlon
        ``[[south, west], [north, east]]`` of all the polygons, degrees: the
        frame for :class:`ViewFrame`.
    """

    polygons: list
    precision: int
    bounds_latlon: list


def encode_countries(countries: gpd.GeoDataFrame) -> EncodedCountries:
    """Encode country polygons once for :func:`countries_layer`.

    Parameters
    ----------
    countries
        Country polygons in EPSG:4326 with ``iso3``; pass the display copy
        (``countries_display.geojson``), not the measuring one.

    Returns
    -------
    encoded
        The rings at :data:`OUTLINE_DECIMALS` decimals, and their bounds.
    """
    layout = []  # per country: its iso3 and, per polygon, how many rings
    rings_lonlat = []
    for iso3, geometry in zip(countries["iso3"], countries.geometry.values, strict=True):
        counts = []
        for polygon in shapely.get_parts(geometry):
            rings = [polygon.exterior, *polygon.interiors]
            rings_lonlat += [np.asarray(ring.coords)[:-1] for ring in rings]
            counts.append(len(rings))
        layout.append((iso3, counts))
    encoded = iter(encode_polylines(rings_lonlat, precision=OUTLINE_DECIMALS))  # all rings in one pass
    polygons = [[iso3, [[next(encoded) for _ in range(n)] for n in counts]] for iso3, counts in layout]
    west, south, east, north = (float(v) for v in shapely.total_bounds(countries.geometry.values))
    return EncodedCountries(polygons, OUTLINE_DECIMALS, [[south, west], [north, east]])


def countries_layer(encoded: EncodedCountries) -> CountryOutlines:
    """Build the country outline layer.

    Parameters
    ----------
    encoded
        Output of :func:`encode_countries`.

    Returns
    -------
    layer
        Polygons in the :data:`COUNTRIES_PANE` pane, under every route and
        ignoring the mouse (always on, not in the layer control).
    """
    return CountryOutlines(encoded.polygons, style=dict(COUNTRY_STYLE), precision=encoded.precision)
