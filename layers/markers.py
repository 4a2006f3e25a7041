"""Many small circle markers written compactly: one array and one loop of JS.

folium writes each ``CircleMarker`` as a block of JavaScript (about 800
bytes); a route's kilometre posts and the named places would be a third of
the page. :class:`CircleMarkers` writes their positions and tooltips once, as
JSON, and makes the markers in the browser with one function, ``pos2Markers``,
that the page's header defines once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


from layers.coords import latlon
from layers.encoding import ScriptElement, template


class CircleMarkers(ScriptElement):
    """Circle markers added to the parent layer, each with a tooltip.

    Parameters
    ----------
    points_lonlat
        ``(lon, lat)`` of each marker.
    tooltips
        HTML of each marker's tooltip, already escaped by the caller.
    style
        Leaflet path options (``radius``, ``color``, ``fillColor``, ...) shared
        by all markers.
    """

    _template = template(
        """
        {% macro header(this, kwargs) %}<script>
        // All small markers of a page share one canvas, and each group one
        // tooltip made on hover: hundreds of SVG elements and tooltip
        // objects would slow the first drawing of the map. Defined once per
        // page (every group calls it), the objects made at the first call.
        function pos2Markers(points, style, parent) {
          window.pos2MarkerCanvas = window.pos2MarkerCanvas || L.canvas({padding: 0.5});
          // A marker with a ``shape`` option (square, diamond, triangle) is drawn as that shape on the
          // canvas; hit testing stays the circle's. Leaflet 1.9's canvas renderer: _drawing, _ctx, _fillStroke.
          window.pos2ShapeMarker = window.pos2ShapeMarker || L.CircleMarker.extend({
            _updatePath: function () {
              var r = this._renderer, shape = this.options.shape;
              if (!shape || !r._ctx) { return L.CircleMarker.prototype._updatePath.call(this); }
              if (!r._drawing || this._empty()) { return; }
              var p = this._point, s = this._radius, ctx = r._ctx;
              ctx.beginPath();
              if (shape === 'diamond') {
                ctx.moveTo(p.x, p.y - 1.3 * s); ctx.lineTo(p.x + 1.3 * s, p.y); ctx.lineTo(p.x, p.y + 1.3 * s); ctx.lineTo(p.x - 1.3 * s, p.y);
              } else if (shape === 'triangle') {
                ctx.moveTo(p.x, p.y - 1.3 * s); ctx.lineTo(p.x + 1.2 * s, p.y + s); ctx.lineTo(p.x - 1.2 * s, p.y + s);
              } else {
                ctx.rect(p.x - s, p.y - s, 2 * s, 2 * s);
              }
              ctx.closePath();
              r._fillStroke(ctx, this);
            }
          });
          var options = Object.assign({}, style, {renderer: window.pos2MarkerCanvas});
          var markers = points.map(function (p) {
            var marker = new window.pos2ShapeMarker([p[0], p[1]], options);
            marker.label = p[2];
            return marker;
          });
          L.featureGroup(markers)
            .bindTooltip(function (marker) { return marker.label; }, {sticky: false})
            .addTo(parent);
        }
        </script>{% endmacro %}
        {% macro script(this, kwargs) %}
        pos2Markers({{ this.points|script_json }}, {{ this.style|script_json }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    _header_name = "pos2_markers"
    """The header (``pos2Markers``) is written once per page, whatever the number of groups."""

    def __init__(
        self,
        points_lonlat: Sequence[tuple[float, float]],
        tooltips: Sequence[str],
        *,
        style: Mapping[str, Any],
    ) -> None:
        super().__init__()
        self._name = "CircleMarkers"
        if len(points_lonlat) != len(tooltips):
            msg = f"{len(points_lonlat)} points but {len(tooltips)} tooltips; give one tooltip per point"
            raise ValueError(msg)
        self.points = [[*latlon(lon, lat), tip] for (lon, lat), tip in zip(points_lonlat, tooltips, strict=True)]
        self.style = dict(style)
