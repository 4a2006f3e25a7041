"""Country outlines drawn under the routes."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import shapely

from layers.style import COORD_DECIMALS, COUNTRY_STYLE


COUNTRIES_PANE = "countries"
"""Leaflet pane of the outlines: below the routes (overlayPane is at 400), deaf to the mouse."""


def countries_pane() -> folium.map.CustomPane:
    """Return the pane the country outlines are drawn in; add it to the map first."""
    return folium.map.CustomPane(COUNTRIES_PANE, z_index=350, pointer_events=False)


def countries_layer(countries: gpd.GeoDataFrame) -> folium.GeoJson:
    """Build the country outline layer from the simplified display copy.

    Parameters
    ----------
    countries
        Country polygons in EPSG:4326 with ``iso3`` and ``name``; pass the
        display copy (``countries_display.geojson``), not the measuring one.

    Returns
    -------
    layer
        A GeoJson layer in the :data:`COUNTRIES_PANE` pane, under every route
        and ignoring clicks (always on, not in the layer control); coordinates
        rounded to :data:`layers.style.COORD_DECIMALS`.
    """
    rounded = shapely.set_precision(countries.geometry.values, 10.0**-COORD_DECIMALS)
    features = [
        {"type": "Feature", "properties": {"iso3": iso3, "name": name}, "geometry": json.loads(shapely.to_geojson(geom))}
        for iso3, name, geom in zip(countries["iso3"], countries["name"], rounded, strict=True)
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Countries",
        style_function=lambda _feature: dict(COUNTRY_STYLE),
        control=False,
        pane=COUNTRIES_PANE,
        interactive=False,
        zoom_on_click=False,
        highlight_function=None,
        smooth_factor=1.0,
    )
