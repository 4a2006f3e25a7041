"""The two kinds of page: the overview of every route, and one route alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium import plugins

from layers.controls import Attribution, GeoJsonDownload, HtmlControl, comparison_panel, legend, method_html
from layers.coords import latlon_bounds
from layers.countries import EncodedCountries, countries_layer, countries_pane
from layers.page import base_map
from layers.places import place_layers
from layers.routes import route_layer, route_popup
from layers.style import GROUP_BY_KIND, GROUP_OPTIONS, GROUP_PLACES, GROUP_REFERENCES, route_colours


_PANEL_WIDTH_PX = 420  # the measurement panel of a route page, kept clear when fitting


def index_map(
    records: Sequence[Mapping[str, Any]],
    measured: gpd.GeoDataFrame,
    *,
    countries: EncodedCountries,
    places: gpd.GeoDataFrame | None,
    method: Mapping[str, Any],
    geojson: str | None = None,
    tiles: bool = True,
) -> folium.Map:
    """Build the overview map: every route over the country outlines.

    Parameters
    ----------
    records
        Comparison records, one per route, in the order of ``measured``.
    measured
        Output of :func:`geo.measure.measure_routes` (densified geometry, km posts).
    countries
        Country outlines (:func:`layers.countries.encode_countries` of the display copy).
    places
        Named points, or None.
    method
        How the numbers were made; shown in the panel and the attribution.
    geojson
        Text of ``routes.geojson`` to offer for download, or None for no button.
    tiles
        Whether to add OpenStreetMap tiles.

    Returns
    -------
    m
        The map: routes grouped in a layer control ("Power of Siberia 2
        options", "Existing and competing pipelines", "Places"), legend,
        comparison panel, download button, scale, full screen, measure tool.
    """
    m = base_map(latlon_bounds(measured.geometry.values), tiles=tiles)
    countries_pane().add_to(m)
    countries_layer(countries).add_to(m)
    colours = route_colours([r["id"] for r in records])
    groups: dict[str, list[folium.FeatureGroup]] = {GROUP_OPTIONS: [], GROUP_REFERENCES: []}
    for record, geometry, posts in zip(records, measured.geometry.values, measured["km_posts"], strict=True):
        layer = route_layer(record, geometry, posts, colour=colours[record["id"]])
        layer.add_to(m)
        groups[GROUP_BY_KIND[record["kind"]]].append(layer)
    if places is not None and not places.empty:
        groups[GROUP_PLACES] = place_layers(places)
        for layer in groups[GROUP_PLACES]:
            layer.add_to(m)
    plugins.GroupedLayerControl(
        {name: layers for name, layers in groups.items() if layers}, exclusive_groups=False, collapsed=True
    ).add_to(m)
    legend([(r["name"], colours[r["id"]], r["kind"] != "option") for r in records], places=places is not None).add_to(m)
    comparison_panel(records, method, download=geojson is not None).add_to(m)
    if geojson is not None:
        GeoJsonDownload(geojson).add_to(m)
    Attribution(method["attribution"]).add_to(m)
    return m


def route_map(
    record: Mapping[str, Any],
    geometry: shapely.Geometry,
    km_posts: np.ndarray,
    *,
    colour: str,
    countries: EncodedCountries,
    method: Mapping[str, Any],
    tiles: bool = True,
) -> folium.Map:
    """Build the map of one route, fitted to it, with its measurements.

    Parameters
    ----------
    record
        The route's comparison record.
    geometry
        Its densified, measured line (lon/lat).
    km_posts
        Its kilometre posts, rows of (metres, lon, lat).
    colour
        Line colour.
    countries
        Country outlines (:func:`layers.countries.encode_countries` of the display copy).
    method
        How the numbers were made.
    tiles
        Whether to add OpenStreetMap tiles.

    Returns
    -------
    m
        The map, with the measurement table as a panel and as the line's popup.
    """
    m = base_map(latlon_bounds(geometry), tiles=tiles, reserve_right_px=_PANEL_WIDTH_PX)
    countries_pane().add_to(m)
    countries_layer(countries).add_to(m)
    route_layer(record, geometry, km_posts, colour=colour).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    HtmlControl(
        f"<details open><summary>Measurements</summary>{route_popup(record)}{method_html(method)}</details>",
        css_class="pos2-panel leaflet-bar",
        position="bottomright",
    ).add_to(m)
    legend([(record["name"], colour, record["kind"] != "option")], places=False).add_to(m)
    Attribution(method["attribution"]).add_to(m)
    return m
