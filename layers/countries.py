"""Country outlines drawn under the routes."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import shapely

from layers.style import COORD_DECIMALS, COUNTRY_STYLE


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
        A non-interactive GeoJson layer (always on, not in the layer control)
        with the country name as tooltip; coordinates rounded to
        :data:`layers.style.COORD_DECIMALS`.
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
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        control=False,
        zoom_on_click=False,
        highlight_function=None,
        smooth_factor=1.0,
    )
