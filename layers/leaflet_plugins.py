"""The three Leaflet plugins the maps use, as small folium elements.

folium wraps these plugins in ``folium.plugins``, but importing that package
imports every one of its forty plugins (about 0.1 s, a tenth of a build).
These classes load the same plugin files from the same CDN addresses (so
``--offline`` and the browser tests serve them from the same npm packages)
and write the same calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
from folium.elements import JSCSSMixin

from layers.controls import layer_swatch
from layers.encoding import ScriptElement, template


class Fullscreen(JSCSSMixin, ScriptElement):
    """A full-screen button (leaflet.fullscreen 3.0.0).

    Parameters
    ----------
    position
        Leaflet control position.
    title, title_cancel
        Tooltips of the button.
    """

    _template = template(
        "{% macro script(this, kwargs) %}"
        "L.control.fullscreen({{ this.options|script_json }}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    default_js = (("Control.Fullscreen.js", "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js"),)
    default_css = (("Control.FullScreen.css", "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css"),)

    def __init__(self, *, position: str = "topleft", title: str = "Full screen", title_cancel: str = "Leave full screen") -> None:
        super().__init__()
        self._name = "Fullscreen"
        self.options = {"position": position, "title": title, "titleCancel": title_cancel, "forceSeparateButton": False}


class MeasureTool(JSCSSMixin, ScriptElement):
    """A distance and area tool (leaflet-measure 2.1.7; spherical distances).

    Parameters
    ----------
    title
        Tooltip of the button (say what kind of distance it measures).
    position
        Leaflet control position.
    """

    _template = template(
        """{% macro script(this, kwargs) %}
        (function () {
          // leaflet-measure with Leaflet >= 1.8: disable autopan of its capture marker
          // (https://github.com/ljagis/leaflet-measure/issues/171)
          L.Control.Measure.include({
            _setCaptureMarkerIcon: function () {
              this._captureMarker.options.autoPanOnFocus = false;
              this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
            }
          });
          var control = new L.Control.Measure({{ this.options|script_json }});
          {{ this._parent.get_name() }}.addControl(control);
          var button = control.getContainer && control.getContainer();
          if (button) { button.title = {{ this.title|script_json }}; }
        })();
        {% endmacro %}"""
    )
    default_js = (("leaflet_measure_js", "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js"),)
    default_css = (("leaflet_measure_css", "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css"),)

    def __init__(self, *, title: str, position: str = "topleft") -> None:
        super().__init__()
        self._name = "MeasureTool"
        self.title = title
        self.options = {
            "position": position,
            "primaryLengthUnit": "kilometers",
            "secondaryLengthUnit": "miles",
            "primaryAreaUnit": "sqkilometers",
        }


class GroupedLayers(JSCSSMixin, ScriptElement):
    """A layer control with the overlays in named groups (leaflet-groupedlayercontrol 0.6.1).

    Every layer is a check box; hidden layers (``show=False``) start unticked.
    Each name follows a sample of the layer's look
    (:func:`layers.controls.layer_swatch`, drawn from its style).

    Parameters
    ----------
    groups
        ``{group name: [FeatureGroup, ...]}`` in display order; layer names
        must already be HTML-escaped.
    collapsed
        Whether the control starts folded into its button.
    """

    _template = template(
        """{% macro script(this, kwargs) %}
        L.control.groupedLayers(null, {
          {%- for group, layers in this.groups %}
          {{ group|script_json }}: {
            {%- for label, name in layers %}
            {{ label|script_json }}: {{ name }},
            {%- endfor %}
          },
          {%- endfor %}
        }, {{ this.options|script_json }}).addTo({{ this._parent.get_name() }});
        {%- for name in this.hidden %}
        {{ name }}.remove();
        {%- endfor %}
        {% endmacro %}"""
    )
    default_js = (
        (
            "leaflet.groupedlayercontrol.min.js",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js",
        )
    ,)
    default_css = (
        (
            "leaflet.groupedlayercontrol.min.css",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css",
        )
    ,)

    def __init__(self, groups: Mapping[str, Sequence[folium.FeatureGroup]], *, collapsed: bool = True) -> None:
        super().__init__()
        self._name = "GroupedLayers"
        self.options: dict[str, Any] = {"collapsed": collapsed}
        self.groups = [
            (group, [(layer_swatch(layer) + layer.layer_name, layer.get_name()) for layer in layers])
            for group, layers in groups.items()
        ]
        self.hidden = [layer.get_name() for layers in groups.values() for layer in layers if not layer.show]
        for layers in groups.values():
            for layer in layers:
                layer.control = False  # not in any other layer control
