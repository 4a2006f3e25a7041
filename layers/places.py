"""Named points: gas fields, compressor stations, border crossings, cities."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers.markers import CircleMarkers
from layers.style import PLACE_STYLE, text


def place_layers(places: gpd.GeoDataFrame) -> list[folium.FeatureGroup]:
    """Build one layer per place category, each point with a tooltip, drawn as its category's shape.

    Parameters
    ----------
    places
        Output of :func:`geo.catalog.load_places` (EPSG:4326).

    Returns
    -------
    layers
        FeatureGroups named after the categories, in the order of
        :data:`layers.style.PLACE_STYLE`; categories without places are left out.
    """
    layers = []
    for category, (label, colour, shape) in PLACE_STYLE.items():
        subset = places[places["category"] == category]
        if subset.empty:
            continue
        layer = folium.FeatureGroup(name=label)
        tips = [
            f"<b>{text(row.name)}</b><br>{text(row.description)}<br>"
            f"<small>{text('/'.join(row.countries))} · position {text(row.coord_conf)} confidence · "
            f"{text(row.source)}</small>"
            for row in subset.itertuples(index=False)
        ]
        CircleMarkers(
            [(point.x, point.y) for point in subset.geometry],
            tips,
            style={"radius": 5, "color": "#333333", "weight": 1, "fillColor": colour, "fillOpacity": 0.95,
                   "className": f"place place-{category}", "shape": shape},
        ).add_to(layer)  # fmt: skip
        layers.append(layer)
    return layers
