"""The two kinds of page: the overview of every route, and one route alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.controls import (
    Attribution,
    GeoJsonDownload,
    HtmlControl,
    LayerControl,
    comparison_panel,
    legend,
    method_html,
)
from layers.chooser import RouteChooser
from layers.coords import latlon_bounds
from layers.countries import EncodedCountries, countries_layer, countries_pane
from layers.labels import route_labels
from layers.leaflet_plugins import GroupedLayers
from layers.page import add_title, base_map
from layers.places import place_layers
from layers.routes import route_layer, route_popup
from layers.style import (
    GROUP_BY_KIND,
    GROUP_OPTIONS,
    GROUP_PLACES,
    GROUP_REFERENCES,
    GROUP_SUGGESTED,
    line_colours,
    line_style,
    text,
)
from layers.trade import GROUP_TRADE, YearControl, trade_chart_svg, trade_headlines_html, width_legend

TradeOverlay = tuple[list[folium.FeatureGroup], YearControl]
"""The layers of the "Trade" group and the year slider that drives them."""


_PANEL_WIDTH_PX = 420  # the measurement panel of a route page, kept clear when fitting
INDEX_TITLE = "Power of Siberia 2 route options"
TRADE_TITLE = "China\u2013Russia trade and energy flows"
_BACK = ("\u2190 All routes (index.html)", "index.html")


def _credits(method: Mapping[str, Any], *, tiles: bool) -> str:
    """The attribution line for paper (the attribution control does not print)."""
    return method["attribution"] + (" \u00b7 map tiles \u00a9 OpenStreetMap contributors" if tiles else "")


def index_map(
    records: Sequence[Mapping[str, Any]],
    measured: gpd.GeoDataFrame,
    *,
    countries: EncodedCountries,
    places: gpd.GeoDataFrame | None,
    method: Mapping[str, Any],
    geojson_file: str | None = None,
    csv_file: str | None = None,
    tiles: bool = True,
    trade: TradeOverlay | None = None,
    route_pages: Mapping[str, str] | None = None,
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
    geojson_file, csv_file
        Names of the GeoJSON and CSV files beside the page (``build`` writes
        ``routes.geojson`` and ``comparison.csv``) that the panel's download
        buttons save, or None for no button. The files are linked, not
        embedded: together they would be 45 % of the page.
    tiles
        Whether to add OpenStreetMap tiles.
    trade
        The trade overlay (:func:`layers.trade.trade_layers`), or None.
    route_pages
        ``{route id: file name}`` of the route pages beside this one (the
        build's ``<slug>.html``), listed in the title block with a link to
        ``trade.html`` when there is a trade overlay; None: no links.

    Returns
    -------
    m
        The map, titled, with a title block (build date, links); routes grouped in a layer control ("Power of Siberia 2
        options", "Existing and competing pipelines", "Places", "Trade"),
        legend, comparison panel, download button, scale, full screen, a
        chooser for clicks where lines overlap (:class:`layers.chooser.RouteChooser`),
        measure tool, and the trade year slider.
    """
    m = base_map(latlon_bounds(measured.geometry.values), tiles=tiles, frame_latlon=countries.bounds_latlon)
    countries_pane().add_to(m)
    countries_layer(countries).add_to(m)
    colours = line_colours(records)  # a suggestion in its option's colour
    groups: dict[str, list[folium.FeatureGroup]] = {GROUP_OPTIONS: [], GROUP_SUGGESTED: [], GROUP_REFERENCES: []}
    for record, geometry, posts in zip(records, measured.geometry.values, measured["km_posts"], strict=True):
        layer = route_layer(record, geometry, posts, colour=colours[record["id"]])
        layer.add_to(m)
        groups[GROUP_BY_KIND[record["kind"]]].append(layer)
    if places is not None and not places.empty:
        groups[GROUP_PLACES] = place_layers(places)
        for layer in groups[GROUP_PLACES]:
            layer.add_to(m)
    if trade is not None:
        trade_groups, year_control = trade
        groups[GROUP_TRADE] = trade_groups
        for layer in trade_groups:
            layer.show = False  # the overview opens on the routes; the trade layers are a click away
            layer.add_to(m)
        year_control.add_to(m)
    GroupedLayers({name: layers for name, layers in groups.items() if layers}, collapsed=True).add_to(m)
    legend(
        [(f"{number}. {r['name']}", colours[r["id"]], line_style(r["kind"])) for number, r in enumerate(records, start=1)],
        route_ids=[r["id"] for r in records],
        places=places is not None,
        extra_html=width_legend() if trade is not None else "",
    ).add_to(m)
    comparison_panel(records, method, download=geojson_file is not None, colours=colours, csv_file=csv_file).add_to(m)
    RouteChooser().add_to(m)  # a click where lines share a corridor lists them
    labelled = [i for i, r in enumerate(records) if r["kind"] != "suggested"]  # suggestions: in legend and panel only
    route_labels(
        [records[i] for i in labelled], measured.geometry.values[labelled], colours, [i + 1 for i in labelled]
    ).add_to(m)
    if geojson_file is not None:
        GeoJsonDownload(geojson_file).add_to(m)
    Attribution(method["attribution"]).add_to(m)
    add_title(
        m,
        INDEX_TITLE,
        fixed=True,
        build_date=method["build_date"],
        links=([("China\u2013Russia trade (trade.html)", "trade.html")] if route_pages is not None and trade is not None else []) + ([("Map for reports (overview.png)", "overview.png"), ("Comparison chart (comparison.png)", "comparison.png")] if route_pages is not None else []),
        route_links=[(r["name"], route_pages[r["id"]]) for r in records if r["id"] in route_pages] if route_pages else [],
        credits=_credits(method, tiles=tiles),
    )
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
    profile_image: str | None = None,
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
    profile_image
        File name of the route's elevation profile (next to the page), or None.

    Returns
    -------
    m
        The map, titled with the route's name and linking back to ``index.html``, with the measurement table (and the profile) as a panel and
        the table as the line's popup.
    """
    m = base_map(latlon_bounds(geometry), tiles=tiles, reserve_right_px=_PANEL_WIDTH_PX, frame_latlon=countries.bounds_latlon)
    countries_pane().add_to(m)
    countries_layer(countries).add_to(m)
    route_layer(record, geometry, km_posts, colour=colour).add_to(m)
    LayerControl(collapsed=False).add_to(m)
    profile = (
        ""
        if profile_image is None
        else f'<img class="profile" src="{text(profile_image)}" alt="elevation profile of {text(record["name"])}" '
        'style="width: 100%; max-width: 380px; display: block; margin-top: 4px">'
    )
    HtmlControl(
        f"<details open><summary>Measurements</summary>{route_popup(record)}{profile}{method_html(method)}</details>",
        css_class="pos2-panel pos2-sheet leaflet-bar",  # a bottom sheet on a phone, closed at load
        position="bottomright",
        closed_when_narrow="details",
    ).add_to(m)
    legend([(record["name"], colour, line_style(record["kind"]))], route_ids=[record["id"]], places=False).add_to(m)
    Attribution(method["attribution"]).add_to(m)
    add_title(m, record["name"], build_date=method["build_date"], links=[_BACK], credits=_credits(method, tiles=tiles))
    return m


def trade_map(
    trade: TradeOverlay,
    trade_rows: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    *,
    bounds_latlon: Sequence[Sequence[float]],
    countries: EncodedCountries,
    method: Mapping[str, Any],
    tiles: bool = True,
) -> folium.Map:
    """Build ``trade.html``: the trade overlay alone, with the chart and the summary.

    Parameters
    ----------
    trade
        The trade overlay (:func:`layers.trade.trade_layers`).
    trade_rows, summary
        :func:`geo.trade.load_trade` and :func:`geo.trade.trade_summary`.
    bounds_latlon
        View to fit.
    countries
        Country outlines (encoded overview copy).
    method
        How the numbers were made.
    tiles
        Whether to add OpenStreetMap tiles.

    Returns
    -------
    m
        The map, titled and linking back to ``index.html``, with the layers in a layer control, the year slider, a legend
        of the widths and a panel with the chart and the headline figures.
    """
    m = base_map(bounds_latlon, tiles=tiles, reserve_right_px=_PANEL_WIDTH_PX, frame_latlon=countries.bounds_latlon)
    countries_pane().add_to(m)
    countries_layer(countries).add_to(m)
    layers, year_control = trade
    for layer in layers:
        layer.add_to(m)
    year_control.add_to(m)
    LayerControl(collapsed=False).add_to(m)
    headline = trade_headlines_html(trade_rows, shown_year=summary["year"])  # the slider shows its year's
    HtmlControl(
        f"<details open><summary>China-Russia trade</summary>{headline}{trade_chart_svg(trade_rows)}"  # figures first
        f"{method_html(method)}</details>",
        css_class="pos2-panel pos2-sheet leaflet-bar",
        position="bottomright",
        closed_when_narrow="details",
    ).add_to(m)
    legend([], places=False, extra_html=width_legend()).add_to(m)
    Attribution(method["attribution"]).add_to(m)
    add_title(m, TRADE_TITLE, fixed=True, build_date=method["build_date"], links=[_BACK], credits=_credits(method, tiles=tiles))
    return m
