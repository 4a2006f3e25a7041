"""Colours, line styles and group names of the maps (plain data), and the text helpers every layer uses."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from geo.compare import basis_end_name
from geo.readers.common import is_unnamed_end

ROUTE_PALETTE = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
    "#000000",  # black
)
"""Paul Tol's colour-blind-safe "muted" scheme, plus black for a tenth line.
Routes take colours in catalog order (:func:`route_colours`); options are
solid, references dashed, and a suggestion is a thin line in the colour of
the option it names (:func:`line_colours`)."""

ROUTE_WEIGHT_PX = 4
"""Width of an option's or a reference's line."""
SUGGESTED_WEIGHT_PX = 2
"""Width of a suggestion's line: thin, so the option it shadows stays readable beside it."""
ROUTE_OPACITY = 0.9
SUGGESTED_OPACITY = 0.7
"""Opacity of a suggestion's line (an option's is :data:`ROUTE_OPACITY`)."""
LINE_STYLES = ("option", "reference", "suggested")
"""How a route is drawn (:func:`line_style`): solid, dashed, or thin and solid."""
PROFILE_SIZE_PX = (760, 320)
"""Width and height of a route's profile image (shown at half size on its page)."""
NARROW_PX = 600
"""Maps narrower than this (phones) show popups as bottom sheets and the trade year slider at the bottom."""
POPUP_MAX_WIDTH_PX = 340
"""Widest a popup grows (the page's CSS, whatever ``maxWidth`` a layer asks for), and
at most 90 % of the screen less the popup's margins on a phone."""
POPUP_MAX_HEIGHT_CSS = "min(60vh, 420px)"
"""Highest a popup's content grows before it scrolls."""
POPUP_AUTOPAN_PADDING_PX = (16, 16)
"""Margin a popup keeps from the map's edges when the map pans to show it."""
POPUP_AUTOPAN_TOP_LEFT_PX = (16, 56)
"""The same at the top and left: below the title line of the title block."""
REFERENCE_DASH = "10 7"
"""Dash pattern (px on, px off) of existing and competing pipelines."""

GROUP_OPTIONS = "Power of Siberia 2 options"
GROUP_REFERENCES = "Existing and competing pipelines"
GROUP_PLACES = "Places"
GROUP_SUGGESTED = "Suggested routes"
GROUP_BY_KIND = {
    "option": GROUP_OPTIONS,
    "reference": GROUP_REFERENCES,
    "suggested": GROUP_SUGGESTED,
    "imported": GROUP_REFERENCES,
}

PLACE_STYLE = {
    # category: (label, fill colour, shape). Shapes and muted inks no route uses: routes are coloured
    # lines with round crossings, km posts and ends; places are squares, diamonds and triangles in greys.
    "gas_field": ("Gas fields", "#3d3d3d", "triangle"),
    "compressor_station": ("Compressor stations", "#6e6e6e", "square"),
    "border_crossing": ("Border crossings", "#111111", "diamond"),
    "pipeline_node": ("Pipeline nodes", "#9a9a9a", "square"),
    "city": ("Cities", "#ffffff", "square"),
    "protected_area": ("Protected areas", "#5b7f5b", "triangle"),
}
PLACE_SHAPES = ("square", "diamond", "triangle")
"""Shapes a place marker can take (drawn on the canvas by :class:`layers.markers.CircleMarkers`)."""


def shape_svg(shape: str, colour: str, *, size: int = 12) -> str:
    """A legend sample of a place marker: the shape in its colour with a dark outline (SVG)."""
    h = size / 2
    if shape == "triangle":
        points = f"{h},1 {size - 1},{size - 1} 1,{size - 1}"
    elif shape == "diamond":
        points = f"{h},0 {size},{h} {h},{size} 0,{h}"
    else:
        points = f"2,2 {size - 2},2 {size - 2},{size - 2} 2,{size - 2}"
    return (
        f'<svg width="34" height="{size}"><g transform="translate({17 - h},0)"><polygon points="{points}" '
        f'fill="{colour}" stroke="#333" stroke-width="1"/></g></svg>'
    )


COUNTRY_STYLE = {"color": "#777777", "weight": 1, "fillColor": "#f2efe9", "fillOpacity": 0.55}
COORD_DECIMALS = 5
"""Decimals of lon/lat written into the HTML (about 1 m)."""


def line_style(kind: str) -> str:
    """The look of a route of this kind: one of :data:`LINE_STYLES`.

    Options are solid :data:`ROUTE_WEIGHT_PX` lines, references (and
    imported lines, which say nothing of their kind) dashed with
    :data:`REFERENCE_DASH`, suggestions solid :data:`SUGGESTED_WEIGHT_PX`
    lines at :data:`SUGGESTED_OPACITY`.

    Examples
    --------
    >>> [line_style(k) for k in ("option", "reference", "suggested", "imported")]
    ['option', 'reference', 'suggested', 'reference']
    """
    return kind if kind in ("option", "suggested") else "reference"


def line_colours(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Give each route its line colour: a suggestion takes the colour of its option.

    Parameters
    ----------
    records
        Route records in display order, with ``id``, ``kind`` and, for a
        suggestion, ``option`` (the id of the route it offers a line for,
        or None).

    Returns
    -------
    colours
        ``{route_id: "#rrggbb"}``: :func:`route_colours` of the ids, except
        that a suggestion whose ``option`` is one of the routes takes that
        route's colour.
    """
    own = route_colours([r["id"] for r in records])
    return {
        r["id"]: own.get(r.get("option"), own[r["id"]]) if r["kind"] == "suggested" else own[r["id"]]
        for r in records
    }


def route_colours(route_ids: list[str]) -> dict[str, str]:
    """Give each route a colour from :data:`ROUTE_PALETTE`, in order, cycling.

    Parameters
    ----------
    route_ids
        Route ids in display order.

    Returns
    -------
    colours
        ``{route_id: "#rrggbb"}``.
    """
    return {rid: ROUTE_PALETTE[i % len(ROUTE_PALETTE)] for i, rid in enumerate(route_ids)}


def text(value: object) -> str:
    """Escape a data string for HTML: the one escaping helper of the pages.

    Every data string goes through it before it becomes part of any HTML
    (popups, tooltips, panels, layer names); the HTML then reaches the page
    only as a JSON string (:func:`layers.encoding.script_json`). Beyond
    ``html.escape``, braces become entities, so a ``{{`` never reaches a
    Jinja template (branca reads the rendered scripts of folium's elements
    again as templates), and so do backticks and ``$``: the text stays
    inert even inside a JavaScript template literal.

    Examples
    --------
    >>> text("<img src=x onerror=alert(1)> `${x}` {{ 7*7 }}")
    '&lt;img src=x onerror=alert(1)&gt; &#96;&#36;&#123;x&#125;&#96; &#123;&#123; 7*7 &#125;&#125;'
    """
    escaped = html.escape(str(value))
    return escaped.translate({ord("`"): "&#96;", ord("$"): "&#36;", ord("{"): "&#123;", ord("}"): "&#125;"})


def km(value: float | None) -> str:
    """Format kilometres for display: one decimal and thousands separators.

    Examples
    --------
    >>> km(5080.177)
    '5,080.2'
    >>> km(None)
    '-'
    """
    return "-" if value is None else f"{value:,.1f}"


UNNAMED_ENDS = ("unnamed start", "unnamed end")
"""What :func:`route_ends` calls the ends of a line when nothing names them."""


def route_ends(
    record: Mapping[str, Any], *, basis: bool = True, unnamed: tuple[str, str] = UNNAMED_ENDS
) -> tuple[str, str]:
    """Where a route runs from and to, as every page, popup and figure names it (plain text).

    A line read from a file has names at its ends only when the file gives
    them (``start_name``, ``end_name``); otherwise its waypoints are the
    stand-ins ``start`` and ``end (vertex N)``, which never reach a reader.
    An unnamed end is called after the basis node (``from_name`` or
    ``to_name``) when the route has a path on the supply-to-market basis and
    ``basis`` is true, else ``unnamed``.

    Parameters
    ----------
    record
        A comparison record (``start``, ``end`` and ``basis``).
    basis
        Whether an unnamed end may take the name of the basis node (False
        where a label sits at the line's end itself, as on the map figure).
    unnamed
        What to call the start and the end when nothing names them.

    Returns
    -------
    ends
        The names of the start and of the end.

    Examples
    --------
    >>> route_ends({"start": "Aganskaya CS (approx)", "end": "Beijing", "basis": None})
    ('Aganskaya CS (approx)', 'Beijing')
    >>> on_basis = {"from": "nadym-pur-taz", "to": "beijing", "from_name": "Nadym-Pur-Taz fields", "to_name": "Beijing"}
    >>> route_ends({"start": "start", "end": "end (vertex 140)", "basis": on_basis})
    ('Nadym-Pur-Taz fields', 'Beijing')
    >>> route_ends({"start": "start", "end": "end (vertex 9)", "basis": None})
    ('unnamed start', 'unnamed end')
    """
    path = record.get("basis") if basis else None
    names = []
    for key, node, stand_in in (("start", "from", unnamed[0]), ("end", "to", unnamed[1])):
        name = str(record.get(key) or "")
        if name and not is_unnamed_end(name):
            names.append(name)
        else:
            names.append(basis_end_name(path, node) if path else stand_in)
    return names[0], names[1]
