"""Route layers: the measured line, its border crossings and kilometre posts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import numpy as np
import shapely

from geo.compare import basis_end_name
from layers.coords import latlon
from layers.encoding import encode_polyline, template
from layers.markers import CircleMarkers
from layers.popups import Popup, Tooltip
from layers.style import (
    COORD_DECIMALS,
    REFERENCE_DASH,
    ROUTE_OPACITY,
    ROUTE_WEIGHT_PX,
    SUGGESTED_OPACITY,
    SUGGESTED_WEIGHT_PX,
    km,
    line_style,
    route_ends,
    text,
)


def route_layer(
    record: Mapping[str, Any],
    geometry: shapely.Geometry,
    km_posts: np.ndarray,
    *,
    colour: str,
    show_posts: bool = True,
) -> folium.FeatureGroup:
    """Build the layer of one route.

    Parameters
    ----------
    record
        The route's comparison record (:func:`geo.compare.comparison_records`).
    geometry
        The densified, measured line in lon/lat: what is drawn is what was
        measured.
    km_posts
        Array of (metres, lon, lat) rows from :func:`geo.measure.measure_routes`.
    colour
        Line colour, ``#rrggbb`` (a suggestion's: its option's,
        :func:`layers.style.line_colours`).
    show_posts
        Whether to draw the kilometre posts.

    Returns
    -------
    layer
        A FeatureGroup named after the route (HTML-escaped) with the line
        (:func:`layers.style.line_style`: an option solid and
        :data:`~layers.style.ROUTE_WEIGHT_PX` wide, a reference dashed, a
        suggestion solid, :data:`~layers.style.SUGGESTED_WEIGHT_PX` wide and
        a bit transparent; tooltip and popup with the measurements), a marker per border
        crossing and, optionally, a small marker per kilometre post (both
        smaller on a suggestion's thin line).
    """
    layer = folium.FeatureGroup(name=text(record["name"]))
    style = line_style(record["kind"])
    dash = REFERENCE_DASH if style == "reference" else None
    thin = style == "suggested"
    weight, opacity = (SUGGESTED_WEIGHT_PX, SUGGESTED_OPACITY) if thin else (ROUTE_WEIGHT_PX, ROUTE_OPACITY)
    for part in shapely.get_parts(geometry):
        line = EncodedPolyLine(np.asarray(part.coords), color=colour, weight=weight, opacity=opacity, dash_array=dash)
        line.options["className"] = f"route route-{_css_id(record['id'])}"
        line.options["pos2Route"] = text(record["id"])  # for layers.chooser: which route, its name
        line.options["pos2Name"] = text(record["name"])
        Tooltip(route_tooltip(record), sticky=True).add_to(line)
        Popup(route_popup(record), max_width=420).add_to(line)  # parsed on the first click
        line.add_to(layer)
    crossings = record["border_crossings"]
    CircleMarkers(
        [(c["lon"], c["lat"]) for c in crossings],
        [text(f"{record['name']}: border {c['from']} → {c['to']} at km {km(c['km'])}") for c in crossings],
        style={"radius": 4 if thin else 6, "color": colour, "weight": 2 if thin else 3, "fillColor": "#ffffff",
               "fillOpacity": 1.0, "className": "crossing"},
    ).add_to(layer)  # fmt: skip
    if show_posts:
        posts = np.asarray(km_posts).reshape(-1, 3)
        CircleMarkers(
            [(lon, lat) for _, lon, lat in posts],
            [f"km {metres / 1000:,.0f}" for metres in posts[:, 0]],
            style={"radius": 1 if thin else 2, "color": colour, "weight": 1, "fillColor": colour,
                   "fillOpacity": 1.0, "className": "km-post"},
        ).add_to(layer)  # fmt: skip
    return layer


class EncodedPolyLine(folium.PolyLine):
    """A folium PolyLine whose vertices travel as an encoded polyline string.

    Popups and tooltips attach as to any PolyLine. Needs ``pos2Decode``
    (:class:`layers.encoding.PolylineDecoder`) on the map.

    Parameters
    ----------
    lonlat
        Vertices, shape (n, 2), lon then lat.
    **kwargs
        Path options, as for ``folium.PolyLine``.
    """

    _template = template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.polyline(
                pos2Decode({{ this.encoded|template_json }}, {{ this.precision }}),
                {{ this.options|template_json }}
            ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, lonlat: np.ndarray, **kwargs: Any) -> None:
        west, south = np.min(lonlat, axis=0)
        east, north = np.max(lonlat, axis=0)
        super().__init__([latlon(west, south), latlon(east, north)], **kwargs)  # bounds for fit_bounds
        self.precision = COORD_DECIMALS
        self.encoded = encode_polyline(lonlat, precision=self.precision)


def route_tooltip(record: Mapping[str, Any]) -> str:
    """One line: name, length and km per country (HTML, escaped)."""
    countries = " · ".join(f"{iso} {km(v)}" for iso, v in record["countries"].items())
    return f"<b>{text(record['name'])}</b><br>{km(record['length_km'])} km: {text(countries)}"


def as_built_text(band: Mapping[str, Any] | None, *, measured_km: float) -> str:
    """'about 5,652 km (90 %: 5,303–6,022); measured 5,080 km' ('-' without a band)."""
    if band is None:
        return "-"
    return (
        f"about {band['estimate']:,.0f} km ({band['coverage'] * 100:.0f} %: {band['low']:,.0f}–{band['high']:,.0f}); "
        f"measured {measured_km:,.0f} km"
    )


def _segment_band(segment: Mapping[str, Any]) -> str:
    band = segment.get("as_built_km")
    if band is None:
        return ""
    where = "inside" if segment["published_in_band"] else "outside"
    return f"; as built {band['low']:,.0f}–{band['high']:,.0f} km ({band['coverage'] * 100:.0f} %): published figure {where}"


def basis_row(record: Mapping[str, Any]) -> tuple[str, str]:
    """The popup row of the route's path on the supply-to-market basis (HTML, escaped)."""
    basis = record.get("basis")
    if basis is None:
        return ("On the basis", text(record.get("basis_note") or "-"))
    lines = [
        f"{km(basis['km'])} km from {text(basis_end_name(basis, 'from'))} to {text(basis_end_name(basis, 'to'))}",
        f"new build {km(basis['new_build_km'])} km · existing {km(basis['existing_km'])} km"
        + (f" · in transit countries {km(basis['transit_km'])} km" if basis["transit_km"] else ""),
    ]
    if basis.get("as_built_km") is not None:
        lines.append(f"as built {as_built_text(basis['as_built_km'], measured_km=basis['km'])}")
    return ("On the basis", "<br>".join(lines))


def route_popup(record: Mapping[str, Any]) -> str:
    """A table of the route's measurements (HTML, every data string escaped)."""
    rows = [
        ("Length", f"{km(record['length_km'])} km (geodesic, WGS84)"),
        ("As built", as_built_text(record.get("as_built_km"), measured_km=record["length_km"])),
        *zip(("From", "To"), map(text, route_ends(record)), strict=True),
        *((f"in {text(iso)}", f"{km(v)} km") for iso, v in record["countries"].items()),
        (
            "Border crossings",
            "<br>".join(f"{text(c['from'])} → {text(c['to'])} at km {km(c['km'])}" for c in record["border_crossings"])
            or "none",
        ),
        basis_row(record),
        ("Chord, detour", f"{km(record['chord_km'])} km, " + ("loop" if record["detour_ratio"] is None else f"×{record['detour_ratio']:.3f}")),
        ("Planar length", f"{km(record['planar_length_km'])} km ({record['planar_deviation_pct']:+.2f} %)"),
        *(
            (text(s["name"]), f"published {km(s['published_km'])} km, measured {km(s['measured_km'])} km, "
             f"ratio {s['ratio']:.2f}{_segment_band(s)} ({text(s['source'])})")
            for s in record["segments"]
        ),
        *(
            [("Elevation", f"{record['min_elevation_m']:,.0f} to {record['max_elevation_m']:,.0f} m; "
              f"climbs {record['ascent_m']:,} m, descends {record['descent_m']:,} m (5' grid)")]
            if record.get("max_elevation_m") is not None
            else []
        ),
        ("Capacity", "-" if record["capacity_bcm"] is None else f"{record['capacity_bcm']:g} bcm/yr"),
        ("Diameter", "-" if record["diameter_mm"] is None else f"{record['diameter_mm']:g} mm"),
        ("Status", text(record["status"] or "-")),
        ("Confidence", text(record["confidence"])),
    ]
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return (
        f'<div class="route-popup" data-route="{text(record["id"])}"><h4>{text(record["name"])}</h4>'
        f'<table class="measurements">{body}</table></div>'
    )


def _css_id(route_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in route_id)
