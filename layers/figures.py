"""Static figures for reports and slides (matplotlib): the route map, the comparison chart, the profiles.

Each ``*_figure`` function takes measured routes and comparison records (no
files) and returns a :class:`matplotlib.figure.Figure`; :func:`figure_bytes`
turns one into PNG (300 dpi), SVG or PDF bytes. Figures are drawn without
pyplot, with the DejaVu Sans that ships with matplotlib and matplotlib's
default style whatever the user's ``matplotlibrc`` says, so a figure looks
the same on every machine. Output is deterministic: the same input gives
byte-identical SVG and PDF (fixed SVG hash salt, no creation dates or
software versions in the metadata) and pixel-identical PNG. Text stays text
in SVG and PDF (``svg.fonttype = "none"``, TrueType in PDF), and data
strings are never read as mathtext.

The map is drawn in the study-area projection (:data:`geo.projection.STUDY_CRS`,
the equidistant conic the planar lengths use), so distances read off it are
nearly true. Labels (route names, the places at their ends, country codes,
graticule degrees) are placed by a small greedy search in display space:
every label's box is kept clear of every other label's, of the route lines
as far as possible, and of the frame; a label set away from its anchor gets
a leader line.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import textwrap
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.colors
import matplotlib.style
import matplotlib.ticker
import matplotlib.transforms
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, PathPatch, Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from pyproj import Proj

from geo.projection import STUDY_CRS, STUDY_PROJ4, to_study
from layers.profile import COUNTRY_SHADES, OTHER_SHADE
from layers.style import route_colours, route_ends

FIGURE_FORMATS = ("png", "svg", "pdf")
"""File formats :func:`figure_bytes` writes (the ``--out`` extension chooses)."""
FIGURE_KINDS = ("map", "comparison", "profiles")
PNG_DPI = 300
"""Resolution of PNG figures (dots per inch)."""
FIGURE_WIDTH_IN = 7.5
"""Width of every figure, inches (a report's text width or a slide, at 100 %)."""
MAP_TITLE = "Power of Siberia 2 route options"
MAX_LEGEND_ROUTES = 40
"""The map's legend names at most this many routes (then says how many more); the map draws all."""
MAX_CHART_ROUTES = 60
"""The comparison chart shows at most this many bars (the shortest on the basis first), then says how many more."""
MAX_PROFILES = 30
"""The profiles figure shows at most this many routes (in their order), then says how many more."""
LABEL_GID = "pos2-label"
"""``gid`` of every placed label on the map (route names, places, countries, degrees):
tests find them by it to check that no two overlap."""

_SVG_HASH_SALT = "pos2-route-mapper"
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "svg.fonttype": "none",  # text stays text (searchable, and tests read the names)
    "svg.hashsalt": _SVG_HASH_SALT,  # fixed ids of clip paths: byte-identical SVG
    "pdf.fonttype": 42,  # TrueType: the PDF's text can be selected and searched
    "pdf.compression": 6,
    "path.simplify": True,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "hatch.linewidth": 0.6,
    "legend.fontsize": 7,
    "legend.frameon": False,
}
_INK = "#222222"
_MUTED = "#8a8a8a"
"""Reference lines on the map: muted grey, dashed (the options carry the colour)."""
_SEA = "#cfdee8"
_LAND = "#f4f1ea"
_BORDER = "#8c8c8c"
_GRID = "#b4c3cc"
_LEADER = "#555555"
_NEW_BUILD = "#4a4a4a"
_EXISTING = "#c4c4c4"
_OWN_LINE = "#e6e6e6"
_REFERENCE_DASH = (5.0, 2.5)
_SUGGESTED_DASH = (1.0, 1.6)
_PT = 1 / 72  # inches per point


@contextlib.contextmanager
def _style() -> Iterator[None]:
    """matplotlib's defaults (not the user's matplotlibrc) plus this module's settings, for one figure."""
    with mpl.style.context("default"), mpl.rc_context(_RC), warnings.catch_warnings():
        # a name in a script DejaVu Sans lacks (CJK) is drawn with boxes, not a warning per glyph
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        yield


def figure_bytes(figure: Figure, fmt: str, *, dpi: float | None = None) -> bytes:
    """Save a figure as PNG (300 dpi), SVG or PDF, deterministically.

    Parameters
    ----------
    figure
        A figure from :func:`map_figure`, :func:`comparison_figure` or
        :func:`profiles_figure`.
    fmt
        ``"png"``, ``"svg"`` or ``"pdf"``.
    dpi
        Pixels per inch of a PNG (the figure's size in inches is fixed, so
        text keeps its size in points); ignored for SVG and PDF. By default
        the figure's own, the one its labels were placed at (a PNG saved at
        it reuses the canvas the placement measured text on).

    Returns
    -------
    data
        The file's bytes: no dates, no software versions; SVG text as
        ``<text>`` elements; PNG at ``dpi`` with its resolution
        recorded.
    """
    if fmt not in FIGURE_FORMATS:
        msg = f"format {fmt!r} is not one of {', '.join(FIGURE_FORMATS)}"
        raise ValueError(msg)
    buffer = io.BytesIO()
    dpi = figure.dpi if dpi is None else dpi
    with _style():
        if fmt == "png":
            _save_png(figure, buffer, dpi=dpi)
        else:
            figure.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return buffer.getvalue()


def _save_png(figure: Figure, buffer: io.BytesIO, *, dpi: float) -> None:
    """Draw the figure on its Agg canvas and write it as an RGB PNG (Pillow, zlib level 3).

    The figures are opaque, so the alpha channel ``savefig`` writes carries
    nothing: RGB at level 3 encodes a 300 dpi map in 0.17 s instead of
    0.31 s (RGBA at level 6), and the file is 10 % smaller. Pixels as
    ``savefig`` draws them; no metadata but the resolution.
    """
    from PIL import Image

    kept = figure.dpi
    figure.set_dpi(dpi)
    try:
        canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
        canvas.draw()  # the canvas the labels were measured on: its renderer is reused at the same dpi
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())[:, :, :3])
    finally:
        figure.set_dpi(kept)
    image.save(buffer, format="png", compress_level=3, dpi=(dpi, dpi))


def placed_labels(figure: Figure) -> list[Text]:
    """The labels :func:`map_figure` placed (route names, places, countries, degrees).

    Parameters
    ----------
    figure
        A map figure.

    Returns
    -------
    labels
        Their text artists; no two of their boxes overlap.
    """
    return [t for ax in figure.axes for t in ax.texts if t.get_gid() == LABEL_GID]


def _new_figure(height_in: float, *, dpi: float) -> Figure:
    """A figure of the standard width with an Agg canvas (text can be measured before saving)."""
    fig = Figure(figsize=(FIGURE_WIDTH_IN, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


# --------------------------------------------------------------------------------------------
# text helpers


def short_name(name: str) -> str:
    """A route's name up to its first parenthesis, for labels.

    Examples
    --------
    >>> short_name("Altai route (Power of Siberia West) into Xinjiang")
    'Altai route'
    """
    head = str(name).split(" (", 1)[0].strip()
    return head or str(name)


def place_name(name: str) -> str:
    """A place's name without its qualifiers (parentheses, " - approx"), for labels.

    Examples
    --------
    >>> place_name("Dostyk / Alashankou (KZ–CN) - one possible exit")
    'Dostyk / Alashankou'
    """
    head = re.split(r" \(| - ", str(name), maxsplit=1)[0].strip()
    return head or str(name)


def _wrap(text: str, width: int, *, lines: int = 2) -> str:
    """Text wrapped to ``width`` characters on at most ``lines`` lines (an ellipsis shows a cut)."""
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def _two_lines(text: str) -> str:
    """Text on two lines of about equal length (whole words; an ellipsis only past 90 characters)."""
    text = _cut(text, 90)
    width = max(8, math.ceil(len(text) / 2))
    while len(textwrap.wrap(text, width)) > 2:
        width += 1
    return "\n".join(textwrap.wrap(text, width))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _signed(value: float) -> str:
    """A signed number with one decimal and a typographic minus."""
    return f"{value:+.1f}".replace("-", "\u2212")


def _km(value: float) -> str:
    return f"{value:,.0f}"


def _credit_lines(method: Mapping[str, Any], credits: str, *, elevation: bool = False) -> str:
    """The method and the credits under a figure, wrapped to its width."""
    method_line = (
        f"Lengths: {method.get('lengths', 'geodesic on the WGS84 ellipsoid')}, densified to"
        f" {method.get('densify_max_segment_km', 10):g} km. Boundaries: {method.get('boundaries', '')}."
    )
    if elevation:
        method_line += f" Heights: {method.get('elevation', '')}."
    return "\n".join([*textwrap.wrap(method_line, 160), *textwrap.wrap(f"{credits} · built {method.get('build_date', '')}", 160)])


# --------------------------------------------------------------------------------------------
# the map


def map_figure(
    records: Sequence[Mapping[str, Any]],
    measured: Any,
    *,
    countries: Any,
    lakes: Sequence[shapely.Geometry],
    method: Mapping[str, Any],
    credits: str,
    title: str = MAP_TITLE,
    dpi: float = PNG_DPI,
) -> Figure:
    """Draw every route on a map in the study-area projection.

    Parameters
    ----------
    records
        Comparison records (:func:`geo.compare.comparison_records`), in the
        order of ``measured`` (the catalog order gives the colours).
    measured
        GeoDataFrame of the measured, densified lines (lon/lat), one per record.
    countries
        GeoDataFrame of country polygons (lon/lat) with an ``iso3`` column;
        their bounds are the map's data box (no land is drawn beyond it).
    lakes
        Lake polygons (lon/lat), drawn as water.
    method
        How the numbers were made (``make_maps.method_note``): lengths,
        densification, boundaries, build date.
    credits
        The credit line (Natural Earth; the traces' licence when traced lines are drawn).
    title
        Heading of the figure.
    dpi
        Pixels per inch the labels are placed at: the PNG's (for SVG and
        PDF any will do).

    Returns
    -------
    figure
        The map: sea, land and lakes in a frame bounded by meridians and
        parallels, a 10-degree graticule, the options in their web-map
        colours (solid), the references muted grey dashed and the
        suggestions thin and dotted; the labelled routes' start (dot) and
        end (ring) named, every route but the suggestions named on the map
        (labels never overlap; leader lines where set off), a legend with
        every route's full name, a scale bar that says where its scale is
        true, a north arrow, the title, the build date, the method and the
        credits.
    """
    with _style():
        return _map_figure(
            records, measured, countries=countries, lakes=lakes, method=method, credits=credits, title=title, dpi=dpi
        )


def _map_figure(
    records: Sequence[Mapping[str, Any]],
    measured: Any,
    *,
    countries: Any,
    lakes: Sequence[shapely.Geometry],
    method: Mapping[str, Any],
    credits: str,
    title: str,
    dpi: float,
) -> Figure:
    colours = route_colours([r["id"] for r in records])
    n = len(records)
    lines = [_project_parts(g) for g in measured.geometry.values]
    box = tuple(float(v) for v in countries.total_bounds)  # the outlines' extent: no land drawn beyond it
    frame_lonlat = _frame_box(measured.geometry.values, box)
    frame = _frame_polygon(frame_lonlat)
    x0, y0, x1, y1 = frame.bounds
    pad = 0.012 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + 0.06 * (y1 - y0)  # room above the frame for the north arrow

    margin = 0.15
    map_w = FIGURE_WIDTH_IN - 2 * margin
    map_h = map_w * (y1 - y0) / (x1 - x0)
    title_h = 0.62
    shown = min(n, MAX_LEGEND_ROUTES)
    legend_h = 0.12 + 0.12 * (shown + (shown < n))
    credit_text = _credit_lines(method, credits)
    credit_h = 0.12 + 0.1 * len(credit_text.splitlines())
    height = title_h + map_h + 0.1 + legend_h + credit_h
    fig = _new_figure(height, dpi=dpi)

    def rect(left_in: float, bottom_in: float, w_in: float, h_in: float) -> list[float]:
        return [left_in / FIGURE_WIDTH_IN, bottom_in / height, w_in / FIGURE_WIDTH_IN, h_in / height]

    ax = fig.add_axes(rect(margin, credit_h + legend_h + 0.1, map_w, map_h))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()

    # Only what reaches the frame is projected and cut (the drawing copy covers the world): the frame is a
    # lon/lat box between meridians and parallels, so a polygon outside the box is outside the frame.
    countries = countries[shapely.intersects(countries.geometry.values, shapely.box(*frame_lonlat))]
    frame_patch = PathPatch(_polygon_path(frame), facecolor=_SEA, edgecolor="none", zorder=0)
    ax.add_artist(frame_patch)  # the limits are set above: no need to grow them to the patches
    visible = [_visible_parts(g, frame, frame_lonlat) for g in countries.geometry.values]  # projected once
    land = _clip_paths(visible)
    ax.add_collection(PathCollection(land, facecolors=_LAND, edgecolors=_BORDER, linewidths=0.4, zorder=1))
    water = _clip_paths([_visible_parts(g, frame, frame_lonlat) for g in lakes])
    if water:
        ax.add_collection(PathCollection(water, facecolors=_SEA, edgecolors=_BORDER, linewidths=0.25, zorder=1.1))
    graticule = _graticule(frame_lonlat)
    grid = LineCollection([g for g, _ in graticule], colors=_GRID, linewidths=0.3, zorder=1.5)
    grid.set_clip_path(frame_patch)
    ax.add_collection(grid)
    ax.add_artist(PathPatch(_polygon_path(frame), facecolor="none", edgecolor="#555555", linewidth=0.7, zorder=6))

    styles = [_line_style(r, colours[r["id"]]) for r in records]
    order = sorted(range(n), key=lambda i: (("suggested", "reference", "imported", "option").index(_kind(records[i])), i))
    for rank, i in enumerate(order):
        style = styles[i]
        z = 2 + rank * 0.01
        if style["casing"]:
            casing = LineCollection(lines[i], colors=style["casing"], linewidths=style["lw"] + style["casing_pt"], zorder=z)
            casing.set_capstyle("round")
            ax.add_collection(casing)
        line = LineCollection(lines[i], colors=style["colour"], linewidths=style["lw"], linestyles=style["dash"], zorder=z + 0.005)
        line.set_capstyle("round" if style["dash"] == "solid" else "butt")
        ax.add_collection(line)

    # the ends of the labelled routes: a dot at the start, a ring at the end (as on the web maps)
    labelled = [i for i in range(n) if _kind(records[i]) != "suggested" and lines[i]][:MAX_LEGEND_ROUTES]
    ends = _route_ends(records, lines, labelled, styles)
    for end in ends:
        if end["which"] == "start":
            ax.plot(*end["xy"], marker="o", ms=3.6, mfc=end["colour"], mec=_INK, mew=0.5, zorder=5)
        else:
            ax.plot(*end["xy"], marker="o", ms=4.2, mfc="white", mec=end["colour"], mew=1.3, zorder=5)
    _north_arrow(ax, frame_lonlat)

    # labels: degrees first, then the places at the ends, the route names, and the countries where room is left
    placer = _Placer(fig, ax, lines=lines, points=[e["xy"] for e in ends], frame=frame)
    for _, tick in graticule:
        if tick is not None:
            (lon, lat), side, text = tick
            placer.place_fixed(np.column_stack(to_study(np.array([lon]), np.array([lat]))), text, side=side, size=6.5, colour="#5d6d78")
    for end in ends:
        if end["names"]:
            placer.place_point(end["xy"], _cut(" / ".join(end["names"]), 44), size=6.5, colour="#333333")
    for i in labelled:
        name = short_name(str(records[i]["name"]))
        texts = [_wrap(name, 44, lines=1), *([_two_lines(name), _wrap(name, 32)] if len(name) >= 20 else [])]
        placer.place_line(i, [t for t in texts if t], size=6.8, colour="#111111", weight="bold")
    placer.refine()  # each label once more, knowing where all the others went
    for iso, area in _country_anchors(countries["iso3"], visible, frame):  # last: they take the room the routes leave
        placer.place_area(area, iso, size=7.5, colour="#a0a0a0", weight="bold")

    # below the map: the legend (every route's full name), the key to the ends, the scale bar
    legend_w = 4.75
    legend_ax = fig.add_axes(rect(margin, credit_h, legend_w, legend_h))
    legend_ax.set_axis_off()
    handles = [_legend_handle(s) for s in styles[:shown]] + ([Line2D([], [], color="none")] if shown < n else [])
    names = [_cut(str(r["name"]), 96) for r in records[:shown]] + ([f"… and {n - shown:,} more routes"] if shown < n else [])
    legend = legend_ax.legend(
        handles, [f"x{i}" for i in range(len(names))],  # placeholders: the names are set below as plain text
        loc="upper left", ncol=1, handlelength=2.8, borderaxespad=0.0, handletextpad=0.6, labelspacing=0.28, fontsize=6.5,
    )  # fmt: skip
    for artist, name in zip(legend.get_texts(), names, strict=True):
        artist.set_parse_math(False)
        artist.set_text(name)
    side_ax = fig.add_axes(rect(margin + legend_w + 0.15, credit_h, map_w - legend_w - 0.15, legend_h))
    _key_and_scale(side_ax, metres_per_inch=(x1 - x0) / map_w, lat_range=(frame_lonlat[1], frame_lonlat[3]))

    left = margin / FIGURE_WIDTH_IN
    fig.text(left, 1 - 0.16 / height, title, fontsize=12, weight="bold", va="top", parse_math=False)
    proj = _proj_params()
    kinds = {_kind(r) for r in records}
    key = [
        phrase
        for kind, phrase in (
            ("option", "Power of Siberia 2 options in colour"),
            ("imported", "your lines in colour, dashed"),
            ("reference", "existing and competing pipelines grey dashed"),
            ("suggested", "least-cost suggestions dotted"),
        )
        if kind in kinds
    ]
    fig.text(
        left, 1 - 0.42 / height,
        _wrap(
            (f"{', '.join(key)}. "[:1].upper() + f"{', '.join(key)}. "[1:] if key else "")
            + f"Equidistant conic projection (standard parallels {proj['lat_1']}° N and {proj['lat_2']}° N, central meridian"
            f" {proj['lon_0']}° E), graticule every 10°.",
            150,
        ),
        fontsize=6.8, va="top", color="#333333",
    )  # fmt: skip
    fig.text(left, 0.05 / height, credit_text, fontsize=5.8, va="bottom", color="#444444",
             parse_math=False, linespacing=1.35)  # fmt: skip
    return fig


def _route_ends(
    records: Sequence[Mapping[str, Any]], lines: Sequence[Sequence[np.ndarray]], labelled: Sequence[int], styles: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The start and end of each labelled route; ends within 25 km of one already listed share its marker and label."""
    ends: list[dict[str, Any]] = []
    for i in labelled:
        # a line read from a file without names at its ends: mark them, name nothing (the basis
        # nodes need not lie at the line's ends, so their names would sit in the wrong place)
        names = route_ends(records[i], basis=False, unnamed=("", ""))
        for which, xy, raw in (("start", lines[i][0][0], names[0]), ("end", lines[i][-1][-1], names[1])):
            name = place_name(raw) if raw else ""
            near = next((e for e in ends if math.hypot(*(e["xy"] - xy)) < 25_000), None)
            if near is not None:
                if name and name not in near["names"]:
                    near["names"].append(name)
                continue
            ends.append({"xy": np.asarray(xy, dtype=float), "names": [name] if name else [], "which": which, "colour": styles[i]["colour"]})
    return ends


def _legend_handle(style: Mapping[str, Any]) -> Any:
    """A legend sample drawn like the line: the casing under the colour."""

    line = Line2D([], [], color=style["colour"], lw=style["lw"], linestyle=style["dash"])
    if not style["casing"]:
        return line
    return (Line2D([], [], color=style["casing"], lw=style["lw"] + style["casing_pt"]), line)


def _kind(record: Mapping[str, Any]) -> str:
    kind = str(record.get("kind"))
    return kind if kind in ("option", "suggested", "imported") else "reference"


def _line_style(record: Mapping[str, Any], colour: str) -> dict[str, Any]:
    kind = _kind(record)
    if kind == "option":
        # a dark edge: light colours (sand, cyan) stand out on the land, and in greyscale print an option
        # reads as a cased line beside the dashed references and the dotted suggestions
        return {"colour": colour, "lw": 1.7, "dash": "solid", "casing": "#303030", "casing_pt": 1.0}
    if kind == "suggested":
        # a darker shade of the colour: the thin dots stay visible in greyscale print
        dark = mpl.colors.to_hex(0.7 * np.asarray(mpl.colors.to_rgb(colour)))
        return {"colour": dark, "lw": 1.1, "dash": (0, _SUGGESTED_DASH), "casing": None, "casing_pt": 0.0}
    if kind == "imported":  # a line of your own: its colour, dashed (as on the web maps)
        return {"colour": colour, "lw": 1.6, "dash": (0, _REFERENCE_DASH), "casing": "white", "casing_pt": 1.4}
    return {"colour": _MUTED, "lw": 1.5, "dash": (0, _REFERENCE_DASH), "casing": "white", "casing_pt": 1.4}


def _project_parts(geometry: shapely.Geometry) -> list[np.ndarray]:
    """A line's parts as arrays of study-projection metres."""
    parts = []
    for part in shapely.get_parts(geometry):
        coords = shapely.get_coordinates(part)
        if len(coords) >= 2:
            x, y = to_study(coords[:, 0], coords[:, 1])
            parts.append(np.column_stack([x, y]))
    return parts


def _frame_box(geometries: Sequence[shapely.Geometry], box: tuple[float, ...]) -> tuple[float, float, float, float]:
    """The map's lon/lat frame: the routes' bounds with a margin, on whole degrees, inside the data box."""
    west, south, east, north = shapely.total_bounds(np.asarray(geometries, dtype=object))
    margin_lon = max(2.0, 0.04 * (east - west))
    margin_lat = max(1.5, 0.04 * (north - south))
    frame = (
        max(box[0], math.floor(west - margin_lon)),
        max(box[1], math.floor(south - margin_lat)),
        min(box[2], math.ceil(east + margin_lon)),
        min(box[3], math.ceil(north + margin_lat)),
    )
    if not (frame[0] < frame[2] and frame[1] < frame[3]):  # routes wholly outside the data box
        frame = (float(west) - 1, float(south) - 1, float(east) + 1, float(north) + 1)
    return frame


def _frame_polygon(frame: tuple[float, float, float, float]) -> shapely.Polygon:
    """The frame bounded by two meridians and two parallels, in study-projection metres (prepared for fast tests)."""
    west, south, east, north = frame
    lons = np.linspace(west, east, 181)
    lats = np.linspace(south, north, 61)
    ring_lon = np.concatenate([lons, np.full(len(lats), east), lons[::-1], np.full(len(lats), west)])
    ring_lat = np.concatenate([np.full(len(lons), south), lats, np.full(len(lons), north), lats[::-1]])
    x, y = to_study(ring_lon, ring_lat)
    polygon = shapely.Polygon(np.column_stack([x, y]))
    shapely.prepare(polygon)
    return polygon


def _polygon_path(geometry: shapely.Geometry) -> MplPath:
    """A matplotlib path of a (multi)polygon: every ring closed, holes included."""
    vertices, codes = [], []
    for polygon in shapely.get_parts(geometry):
        if polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 4:
                continue
            vertices.append(coords)
            codes.append(np.r_[MplPath.MOVETO, np.full(len(coords) - 2, MplPath.LINETO), MplPath.CLOSEPOLY])
    if not vertices:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    return MplPath(np.concatenate(vertices), np.concatenate(codes).astype(np.uint8))


def _project_polygon(geometry: shapely.Geometry) -> shapely.Geometry:
    """A lon/lat polygon in study-projection metres, its edges first cut to at most half a degree
    (a long straight edge in degrees, such as the extract's cut along a parallel, is a curve on the map)."""
    dense = shapely.segmentize(geometry, 0.5)
    coords = shapely.get_coordinates(dense)
    x, y = to_study(coords[:, 0], coords[:, 1])
    return shapely.set_coordinates(dense, np.column_stack([x, y]))


def _clip_paths(visible: Sequence[Sequence[shapely.Polygon]]) -> list[MplPath]:
    """Each (multi)polygon's visible parts (:func:`_visible_parts`) as one path."""
    return [_polygon_path(shapely.MultiPolygon(polygons)) for polygons in visible if polygons]


def _visible_parts(
    geometry: shapely.Geometry | None, frame: shapely.Polygon, frame_lonlat: tuple[float, float, float, float]
) -> list[shapely.Polygon]:
    """The polygons of a (Multi)Polygon (lon/lat), projected one by one and cut to the frame.

    Part by part: a country split at the antimeridian projects into parts
    that share an edge (an invalid MultiPolygon that ``make_valid`` took
    0.2 s to mend for Russia alone); each part on its own is valid. A part
    whose lon/lat bounds miss the frame's box is outside the frame (it is
    bounded by meridians and parallels) and is not projected.
    """
    if geometry is None or geometry.is_empty:
        return []
    parts = shapely.get_parts(geometry)
    west, south, east, north = frame_lonlat
    bounds = shapely.bounds(parts)
    near = (bounds[:, 0] <= east) & (bounds[:, 2] >= west) & (bounds[:, 1] <= north) & (bounds[:, 3] >= south)
    out = []
    for part in parts[near]:
        projected = _project_polygon(part)
        if not shapely.intersects(frame, projected):
            continue
        if not shapely.contains(frame, projected):
            projected = shapely.intersection(projected if shapely.is_valid(projected) else shapely.make_valid(projected), frame)
        out += [g for g in shapely.get_parts(projected) if g.geom_type == "Polygon" and not g.is_empty]
    return out


def _graticule(
    frame: tuple[float, float, float, float],
) -> list[tuple[np.ndarray, tuple[tuple[float, float], str, str] | None]]:
    """Meridians and parallels every 10 degrees, projected; each with where its degree label goes."""
    west, south, east, north = frame
    out: list[tuple[np.ndarray, tuple[tuple[float, float], str, str] | None]] = []
    for lon in np.arange(math.ceil(west / 10) * 10, east + 1e-9, 10):
        lats = np.linspace(south, north, 60)
        x, y = to_study(np.full(len(lats), lon), lats)
        out.append((np.column_stack([x, y]), ((float(lon), south), "below", f"{lon:g}° E")))
    for lat in np.arange(math.ceil(south / 10) * 10, north + 1e-9, 10):
        lons = np.linspace(west, east, 120)
        x, y = to_study(lons, np.full(len(lons), lat))
        out.append((np.column_stack([x, y]), ((west, float(lat)), "left", f"{lat:g}° N")))
    return out


def _country_anchors(
    isos: Sequence[str], visible: Sequence[Sequence[shapely.Polygon]], frame: shapely.Polygon
) -> list[tuple[str, np.ndarray]]:
    """Which countries show a fair share of the frame, each with its largest visible part (to name it in)."""
    anchors = []
    for iso, parts in zip(isos, visible, strict=True):
        if not parts or sum(g.area for g in parts) < 0.015 * frame.area:
            continue
        anchors.append((str(iso), max(parts, key=lambda g: g.area)))
    return anchors


def _proj_params() -> dict[str, str]:
    """The numbers of the study projection's PROJ string (lat_1, lat_2, lon_0, ...)."""
    return dict(part.lstrip("+").split("=", 1) for part in STUDY_PROJ4.split() if "=" in part)


def _north_arrow(ax: Any, frame: tuple[float, float, float, float]) -> None:
    """A north arrow above the frame's top edge, on the central meridian of the frame (north along it)."""
    west, _, east, north = frame
    lon = min(max(float(_proj_params()["lon_0"]), west), east)
    base_x, base_y = (float(v[0]) for v in to_study(np.array([lon]), np.array([north])))
    tip_x, tip_y = (float(v[0]) for v in to_study(np.array([lon]), np.array([north + 0.5])))
    angle = math.atan2(tip_y - base_y, tip_x - base_x)
    y0, y1 = ax.get_ylim()
    length = 0.045 * (y1 - y0)
    start_x = base_x + 0.012 * (y1 - y0) * math.cos(angle)
    start_y = base_y + 0.012 * (y1 - y0) * math.sin(angle)
    dx, dy = length * math.cos(angle), length * math.sin(angle)
    ax.add_patch(
        FancyArrow(start_x, start_y, dx, dy, width=0.1 * length, head_width=0.42 * length, head_length=0.45 * length,
                   length_includes_head=True, color=_INK, lw=0, zorder=7)
    )  # fmt: skip
    ax.text(start_x + dx + 0.02 * length, start_y + 0.5 * dy, f" N ({lon:g}° E)", ha="left", va="center", fontsize=6.5,
            color=_INK, zorder=7)  # fmt: skip


def _key_and_scale(ax: Any, *, metres_per_inch: float, lat_range: tuple[float, float]) -> None:
    """Beside the legend: the key to the route ends, a scale bar at the map's scale and where that scale is true."""
    ax.set_axis_off()
    fig = ax.figure
    width_in = ax.get_position().width * fig.get_figwidth()
    height_in = ax.get_position().height * fig.get_figheight()
    ax.set_xlim(0, width_in)
    ax.set_ylim(0, height_in)
    top = height_in - 0.06
    ax.plot(0.08, top - 0.04, marker="o", ms=3.6, mfc="#777777", mec=_INK, mew=0.5, clip_on=False)
    ax.text(0.2, top - 0.04, "start of a route", va="center", fontsize=6.5)
    ax.plot(1.15, top - 0.04, marker="o", ms=4.2, mfc="white", mec="#777777", mew=1.3, clip_on=False)
    ax.text(1.27, top - 0.04, "its end", va="center", fontsize=6.5)
    target_km = 0.8 * width_in * metres_per_inch / 1000
    step = max((s for s in (100, 200, 250, 500, 1000, 2000, 5000, 10000) if s <= target_km), default=100)
    bar_in = step * 1000 / metres_per_inch
    ticks = 4 if step in (200, 1000, 2000, 10000) else 5
    y = top - 0.5
    for k in range(ticks):
        ax.add_patch(
            Rectangle((k * bar_in / ticks, y), bar_in / ticks, 0.045, facecolor=_INK if k % 2 == 0 else "white",
                      edgecolor=_INK, linewidth=0.5, clip_on=False)
        )  # fmt: skip
    for k in range(0, ticks + 1, 2 if ticks == 4 else 1):
        label = _km(step * k / ticks) + (" km" if k == ticks else "")
        ax.text(k * bar_in / ticks, y + 0.08, label, ha="center", va="bottom", fontsize=6.2)
    proj = _proj_params()
    lats = np.linspace(lat_range[0], lat_range[1], 200)
    factors = Proj(STUDY_CRS).get_factors(np.full(len(lats), float(proj["lon_0"])), lats).parallel_scale
    low, high = 100 * (float(np.min(factors)) - 1), 100 * (float(np.max(factors)) - 1)
    note = (
        f"The scale is true along every meridian and along {proj['lat_1']}° N and {proj['lat_2']}° N; along the"
        f" other parallels of this map it is {_signed(low)} % to {_signed(high)} % off ({lat_range[0]:g}–{lat_range[1]:g}° N)."
        " Every km quoted is geodesic."
    )
    ax.text(0, y - 0.08, _wrap(note, 50, lines=6), ha="left", va="top", fontsize=6, color="#444444", linespacing=1.3)


class _Placer:
    """Greedy label placement in display space (pixels at the figure's dpi).

    The hard rules: a label's box (text plus a small pad) overlaps no label
    placed before it and stays inside the axes. Among the boxes that keep
    them (around the anchor at growing distances in 16 directions), the one
    of least cost wins; the cost counts the route lines and end markers
    under the box and along its leader line, the box's part outside the map
    frame, and its distance from the anchor. Lines and markers are counted
    from summed-area tables of a raster of cells of ``_CELL_PX`` pixels, so
    thousands of candidates cost little.
    """

    _CELL_PX = 6
    _ANGLES = np.deg2rad(np.arange(0, 360, 22.5))

    def __init__(
        self, fig: Figure, ax: Any, *, lines: Sequence[Sequence[np.ndarray]], points: Sequence[np.ndarray], frame: shapely.Polygon
    ) -> None:
        self.ax = ax
        self.renderer = fig.canvas.get_renderer()
        self.px_per_pt = fig.dpi / 72
        b = ax.get_window_extent(self.renderer)
        self.bounds = np.array([b.x0, b.y0, b.x1, b.y1])
        width, height = fig.canvas.get_width_height(physical=True)
        self.shape = (math.ceil(height / self._CELL_PX) + 1, math.ceil(width / self._CELL_PX) + 1)
        self.lines_px = [self._sample(parts) for parts in lines]
        self.route_sat = self._sat(np.concatenate([p for p in self.lines_px if len(p)] or [np.zeros((0, 2))]))
        self.own_sat = [self._sat(p) if len(p) else None for p in self.lines_px]
        self.point_sat = self._sat(ax.transData.transform(np.asarray(points, dtype=float).reshape(-1, 2)))
        self.route_cells = self._raster(np.concatenate([p for p in self.lines_px if len(p)] or [np.zeros((0, 2))])) > 0
        outside = np.ones(self.shape, dtype=np.int64)
        rows, cols = np.indices(self.shape)
        data = ax.transData.inverted().transform(np.column_stack([(cols.ravel() + 0.5) * self._CELL_PX, (rows.ravel() + 0.5) * self._CELL_PX]))
        outside[shapely.contains_xy(frame, data[:, 0], data[:, 1]).reshape(self.shape)] = 0
        self.outside_sat = self._table(outside)
        self._boxes: dict[int, np.ndarray] = {}  # x0, y0, x1, y1 of each placed label, with its pad
        self.boxes = np.zeros((0, 4))
        self._leaders: dict[int, tuple[Line2D, np.ndarray]] = {}  # each label's leader line and its raster
        self.leader_grid = np.zeros(self.shape, dtype=np.int64)
        self.leader_sat = self._table(self.leader_grid)
        self._requests: dict[int, dict[str, Any]] = {}  # what each movable label needs to be placed again

    # rasters ---------------------------------------------------------------------------
    def _sample(self, parts: Sequence[np.ndarray]) -> np.ndarray:
        """A line's points in pixels, at most 1.5 pixels apart."""
        out = []
        for part in parts:
            px = self.ax.transData.transform(part)
            seg = np.hypot(*np.diff(px, axis=0).T)
            counts = np.maximum(1, np.ceil(seg / 1.5).astype(int))
            starts = np.repeat(px[:-1], counts, axis=0)
            steps = np.repeat(np.diff(px, axis=0) / counts[:, None], counts, axis=0)
            within = np.concatenate([np.arange(k) for k in counts])[:, None]
            out.extend([starts + steps * within, px[-1:]])
        return np.concatenate(out) if out else np.zeros((0, 2))

    def _raster(self, points: np.ndarray) -> np.ndarray:
        grid = np.zeros(self.shape, dtype=np.int64)
        if len(points):
            cells = np.floor(points / self._CELL_PX).astype(int)
            ok = (cells[:, 0] >= 0) & (cells[:, 1] >= 0) & (cells[:, 0] < self.shape[1]) & (cells[:, 1] < self.shape[0])
            np.add.at(grid, (cells[ok, 1], cells[ok, 0]), 1)
        return grid

    @staticmethod
    def _table(grid: np.ndarray) -> np.ndarray:
        table = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1), dtype=np.int64)
        table[1:, 1:] = grid.cumsum(0).cumsum(1)
        return table

    def _sat(self, points: np.ndarray) -> np.ndarray:
        return self._table(self._raster(points))

    def _count(self, table: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """What ``table``'s raster holds under each box (rows x0, y0, x1, y1 in pixels)."""
        c = self._CELL_PX
        x0 = np.clip(np.floor(boxes[:, 0] / c).astype(int), 0, self.shape[1])
        x1 = np.clip(np.ceil(boxes[:, 2] / c).astype(int), 0, self.shape[1])
        y0 = np.clip(np.floor(boxes[:, 1] / c).astype(int), 0, self.shape[0])
        y1 = np.clip(np.ceil(boxes[:, 3] / c).astype(int), 0, self.shape[0])
        return table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]

    # placing ---------------------------------------------------------------------------
    def _text(self, text: str, size: float, colour: str, weight: str = "normal", *, halo: bool = True) -> tuple[Text, float, float]:
        artist = self.ax.text(
            0, 0, text, fontsize=size, color=colour, weight=weight, zorder=8, parse_math=False, gid=LABEL_GID,
            linespacing=1.1, ha="left", va="bottom", transform=mpl.transforms.IdentityTransform(),
            bbox={"boxstyle": "square,pad=0.08", "facecolor": "white", "edgecolor": "none", "alpha": 0.72} if halo else None,
        )  # fmt: skip
        box = artist.get_window_extent(self.renderer)
        return artist, box.width, box.height

    def _allowed(self, boxes: np.ndarray) -> np.ndarray:
        b = self.bounds
        inside = (boxes[:, 0] >= b[0]) & (boxes[:, 1] >= b[1]) & (boxes[:, 2] <= b[2]) & (boxes[:, 3] <= b[3])
        if not len(self.boxes):
            return inside
        o = self.boxes
        clear = (
            (boxes[:, None, 2] <= o[None, :, 0]) | (boxes[:, None, 0] >= o[None, :, 2])
            | (boxes[:, None, 3] <= o[None, :, 1]) | (boxes[:, None, 1] >= o[None, :, 3])
        )  # fmt: skip
        return inside & clear.all(axis=1)

    def _commit(self, artist: Text, box: np.ndarray, pad: float, anchor: np.ndarray | None = None) -> None:
        key = id(artist)
        artist.set_position((box[0] + pad, box[1] + pad))
        self._boxes[key] = box
        self.boxes = np.array(list(self._boxes.values()))
        if anchor is not None:
            end = np.array([np.clip(anchor[0], box[0], box[2]), np.clip(anchor[1], box[1], box[3])])
            line = Line2D([anchor[0], end[0]], [anchor[1], end[1]], transform=mpl.transforms.IdentityTransform(),
                          color=_LEADER, lw=0.5, zorder=7.5)  # fmt: skip
            self.ax.add_line(line)
            n = max(2, int(math.hypot(*(end - anchor)) / 1.5))
            grid = self._raster(anchor + np.linspace(0, 1, n)[:, None] * (end - anchor))
            self._leaders[key] = (line, grid)
            self.leader_grid += grid
            self.leader_sat = self._table(self.leader_grid)

    def _release(self, artist: Text) -> None:
        """Take a placed label off (its box and its leader line), to place it again."""
        key = id(artist)
        self._boxes.pop(key, None)
        self.boxes = np.array(list(self._boxes.values())) if self._boxes else np.zeros((0, 4))
        if key in self._leaders:
            line, grid = self._leaders.pop(key)
            line.remove()
            self.leader_grid -= grid
            self.leader_sat = self._table(self.leader_grid)

    def refine(self) -> None:
        """Place every movable label (places, route names) once more, the others staying where they are."""
        for key, request in list(self._requests.items()):
            artist = request["artist"]
            if key not in self._boxes:
                continue
            self._release(artist)
            self._place(**request)

    def _leader_crossings(self, anchors: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Route cells each candidate's leader line runs over (from 2 points off its anchor to its box)."""
        ends = np.column_stack([np.clip(anchors[:, 0], boxes[:, 0], boxes[:, 2]), np.clip(anchors[:, 1], boxes[:, 1], boxes[:, 3])])
        t = np.linspace(0, 1, 40)[None, :, None]
        points = anchors[:, None, :] + t * (ends - anchors)[:, None, :]
        length = np.hypot(*(ends - anchors).T)
        cells = np.floor(points / self._CELL_PX).astype(int)
        cells[..., 0] = cells[..., 0].clip(0, self.shape[1] - 1)
        cells[..., 1] = cells[..., 1].clip(0, self.shape[0] - 1)
        hit = self.route_cells[cells[..., 1], cells[..., 0]] | (self.leader_grid[cells[..., 1], cells[..., 0]] > 0)
        near = (t[..., 0] * length[:, None]) < 3 * self.px_per_pt  # the leader leaves its own line
        return (hit & ~near).sum(axis=1) * (length > 0)

    def _place(
        self, artist: Text, variants: Sequence[tuple[str, float, float]], anchors: np.ndarray, anchor_cost: np.ndarray, *,
        radii_pt: Sequence[float], own: np.ndarray | None, leader_from_pt: float,
    ) -> bool:
        """Put ``artist`` at its best free position; ``variants`` are its possible texts (one line, two) with their sizes."""
        self._requests[id(artist)] = {
            "artist": artist, "variants": variants, "anchors": anchors, "anchor_cost": anchor_cost, "radii_pt": radii_pt,
            "own": own, "leader_from_pt": leader_from_pt,
        }  # fmt: skip
        pad = 1.0 * self.px_per_pt
        radii = np.asarray(radii_pt) * self.px_per_pt
        a_i, r_i, g_i = (m.ravel() for m in np.meshgrid(np.arange(len(anchors)), np.arange(len(radii)), np.arange(len(self._ANGLES)), indexing="ij"))
        c, s = np.cos(self._ANGLES[g_i]), np.sin(self._ANGLES[g_i])
        r = radii[r_i]
        best: tuple[float, str, np.ndarray, np.ndarray | None] | None = None
        for k, (text, w, h) in enumerate(variants):
            w, h = w + 2 * pad, h + 2 * pad
            cx = anchors[a_i, 0] + c * (r + w / 2 * np.minimum(1.0, np.abs(c) * 1.6))
            cy = anchors[a_i, 1] + s * (r + h / 2 * np.minimum(1.0, np.abs(s) * 1.6))
            boxes = np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
            ok = self._allowed(boxes)
            if not ok.any():
                continue
            boxes, ai, ri = boxes[ok], a_i[ok], r_i[ok]
            cost = (
                3.0 * (self._count(self.route_sat, boxes) + self._count(self.leader_sat, boxes))
                + 60.0 * self._count(self.point_sat, boxes) + 0.5 * self._count(self.outside_sat, boxes)
                + 5.0 * np.asarray(radii_pt)[ri] + anchor_cost[ai] + 15.0 * k  # k: a wrapped name costs a little
            )  # fmt: skip
            if own is not None:
                cost += 3.0 * self._count(own, boxes)
            top = np.argsort(cost, kind="stable")[:60]
            leader = np.asarray(radii_pt)[ri[top]] >= leader_from_pt
            cost_top = cost[top] + 40.0 * self._leader_crossings(anchors[ai[top]], boxes[top]) * leader
            j = int(np.argmin(cost_top))
            if best is None or cost_top[j] < best[0]:
                chosen = top[j]
                anchor = anchors[ai[chosen]] if leader[j] else None
                best = (float(cost_top[j]), text, boxes[chosen], anchor)
        if best is None:
            artist.remove()
            self._requests.pop(id(artist), None)
            return False
        artist.set_text(best[1])
        self._commit(artist, best[2], pad, best[3])
        return True

    def _variants(self, artist: Text, texts: Sequence[str]) -> list[tuple[str, float, float]]:
        """Each text with the size of its box at the artist's font."""
        out = []
        for text in dict.fromkeys(texts):  # unique, in order
            artist.set_text(text)
            box = artist.get_window_extent(self.renderer)
            out.append((text, box.width, box.height))
        return out

    def place_fixed(self, xy: np.ndarray, text: str, *, side: str, size: float, colour: str) -> None:
        """A degree label just outside the frame: below it (longitudes) or left of it (latitudes); dropped if taken."""
        artist, w, h = self._text(text, size, colour, halo=False)
        pad = 0.8 * self.px_per_pt
        px = self.ax.transData.transform(np.asarray(xy, dtype=float).reshape(1, 2))[0]
        gap = 3 * self.px_per_pt
        if side == "below":
            box = np.array([px[0] - w / 2 - pad, px[1] - gap - h - 2 * pad, px[0] + w / 2 + pad, px[1] - gap])
        else:
            box = np.array([px[0] - gap - w - 2 * pad, px[1] - h / 2 - pad, px[0] - gap, px[1] + h / 2 + pad])
        if self._allowed(box[None, :])[0]:
            self._commit(artist, box, pad)
        else:
            artist.remove()

    def place_area(self, area: shapely.Geometry, text: str, *, size: float, colour: str, weight: str) -> None:
        """A country code at the point of its visible area with the fewest lines near (dropped if nowhere is free)."""
        artist, w, h = self._text(text, size, colour, weight, halo=False)
        pad = 1.0 * self.px_per_pt
        size = math.sqrt(area.area)
        inner = shapely.simplify(area, 0.02 * size).buffer(-0.15 * size, quad_segs=2)
        inner = area if inner.is_empty else inner
        x0, y0, x1, y1 = inner.bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, 16), np.linspace(y0, y1, 16))
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        grid = grid[shapely.contains_xy(inner, grid[:, 0], grid[:, 1])]
        rep = shapely.get_coordinates(shapely.point_on_surface(area))
        points = self.ax.transData.transform(np.vstack([rep, grid]))
        boxes = np.column_stack([points[:, 0] - w / 2 - pad, points[:, 1] - h / 2 - pad, points[:, 0] + w / 2 + pad, points[:, 1] + h / 2 + pad])
        ok = self._allowed(boxes)
        if not ok.any():
            artist.remove()
            return
        boxes = boxes[ok]
        margin = 8 * self.px_per_pt
        grown = boxes + np.array([-margin, -margin, margin, margin])
        cost = self._count(self.route_sat, grown) + self._count(self.leader_sat, grown) + 50 * self._count(self.point_sat, grown) + 5 * self._count(self.outside_sat, grown)
        self._commit(artist, boxes[int(np.argmin(cost))], pad)

    def place_point(self, xy: np.ndarray, text: str, *, size: float, colour: str) -> None:
        """A place's name beside its marker (a leader line when set further off)."""
        artist, w, h = self._text(text, size, colour)
        anchor = self.ax.transData.transform(np.asarray(xy, dtype=float).reshape(1, 2))
        self._place(artist, [(text, w, h)], anchor, np.zeros(1), radii_pt=(2, 4, 7, 11, 16, 22, 30, 40, 52), own=None, leader_from_pt=8)

    def place_line(self, index: int, texts: Sequence[str], *, size: float, colour: str, weight: str) -> None:
        """A route's name beside the route, where along it (12-88 % of its length) it is freest; one of ``texts``
        (the name on one line, on two), whichever fits best."""
        artist, _, _ = self._text(texts[0], size, colour, weight)
        own = self.lines_px[index]
        if not len(own):
            artist.remove()
            return
        along = np.r_[0, np.cumsum(np.hypot(*np.diff(own, axis=0).T))]
        fractions = np.linspace(0.12, 0.88, 24)
        anchors = own[np.searchsorted(along, fractions * along[-1]).clip(0, len(own) - 1)]
        b = self.bounds
        inside = (anchors[:, 0] >= b[0]) & (anchors[:, 0] <= b[2]) & (anchors[:, 1] >= b[1]) & (anchors[:, 1] <= b[3])
        if inside.any():
            anchors, fractions = anchors[inside], fractions[inside]
        self._place(
            artist, self._variants(artist, texts), anchors, 30.0 * np.abs(fractions - 0.5), radii_pt=(2, 4, 7, 11, 16, 22, 30, 40),
            own=self.own_sat[index], leader_from_pt=8,
        )  # fmt: skip


# --------------------------------------------------------------------------------------------
# the comparison chart


def comparison_figure(
    records: Sequence[Mapping[str, Any]], *, method: Mapping[str, Any], credits: str, dpi: float = PNG_DPI
) -> Figure:
    """Draw one horizontal bar per route on the common basis.

    Parameters
    ----------
    records
        Comparison records with ``basis`` (None where the route has no path
        on the basis) and ``as_built_km`` (None when estimates were skipped).
    method
        How the numbers were made; ``method["basis"]["name"]`` names the basis.
    credits
        The credit line.
    dpi
        Pixels per inch of the canvas (the PNG's).

    Returns
    -------
    figure
        The chart: routes sorted by basis km (shortest on top), then the
        routes with no path on the basis by their own km, hatched and marked
        with a dagger; each bar split into new-build km (dark) and km along
        existing pipelines (light), a hatched strip under it for the transit
        km, the as-built 90 % band as an error bar, published section
        lengths as diamonds beside the same section measured (circles), and
        the values printed beside every bar. km are geodesic km.
    """
    with _style():
        return _comparison_figure(records, method=method, credits=credits, dpi=dpi)


def _comparison_figure(
    records: Sequence[Mapping[str, Any]], *, method: Mapping[str, Any], credits: str, dpi: float
) -> Figure:
    colours = route_colours([r["id"] for r in records])
    on_basis = sorted((r for r in records if r.get("basis")), key=lambda r: (r["basis"]["km"], str(r["id"])))
    own = sorted((r for r in records if not r.get("basis")), key=lambda r: (r["length_km"], str(r["id"])))
    rows = [*on_basis, *own]
    hidden = max(0, len(rows) - MAX_CHART_ROUTES)
    rows = rows[:MAX_CHART_ROUTES]
    on_basis, own = [r for r in rows if r.get("basis")], [r for r in rows if not r.get("basis")]
    n = len(rows)
    row_in = 0.36
    credit_text = _credit_lines(method, credits)
    credit_h = 0.12 + 0.1 * len(credit_text.splitlines())
    top_in, bottom_in = 0.75, 0.95 + credit_h
    gap_in = 0.3 if on_basis and own else 0.0
    height = top_in + n * row_in + gap_in + bottom_in
    fig = _new_figure(height, dpi=dpi)
    left_in, right_in = 2.35, 0.2
    ax = fig.add_axes(
        [left_in / FIGURE_WIDTH_IN, bottom_in / height, 1 - (left_in + right_in) / FIGURE_WIDTH_IN, (n * row_in + gap_in) / height]
    )
    ys = [i + (0.8 if own and i >= len(on_basis) and on_basis else 0.0) for i in range(n)]
    ax.set_ylim(max(ys, default=0) + 0.6, -0.6)
    extent = 0.0
    for r in rows:
        basis = r.get("basis")
        band = (basis or {}).get("as_built_km") if basis else r.get("as_built_km")
        extent = max(extent, float(basis["km"] if basis else r["length_km"]), float(band["high"]) if band else 0.0)
        extent = max(extent, float(r.get("published_length_km") or 0.0))
    axes_w_in = FIGURE_WIDTH_IN - left_in - right_in
    ax.set_xlim(0, extent / (1 - 2.25 / axes_w_in) if extent > 0 else 1.0)
    ticks = [t for t in mpl.ticker.MaxNLocator(6).tick_values(0, max(extent, 1.0)) if 0 <= t <= max(extent, 1.0) * 1.05]
    ax.set_xticks(ticks)
    ax.spines["bottom"].set_bounds(0, ticks[-1])
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("km (geodesic, WGS84)", fontsize=7, loc="left")
    ax.tick_params(axis="y", length=0)
    ax.set_yticks(ys)
    ax.set_yticklabels([""] * n)
    bar_h = 0.46
    text_gap = 0.008 * ax.get_xlim()[1]
    for y, r in zip(ys, rows, strict=True):
        basis = r.get("basis")
        name = _wrap(short_name(str(r["name"])), 40) + ("" if basis else " †")
        ax.text(-0.012, y, name, transform=mpl.transforms.blended_transform_factory(ax.transAxes, ax.transData),
                ha="right", va="center", fontsize=7, parse_math=False, linespacing=1.05)  # fmt: skip
        ax.add_patch(
            Rectangle((-0.008, y - 0.2), 0.006, 0.4, transform=mpl.transforms.blended_transform_factory(ax.transAxes, ax.transData),
                      facecolor=colours[r["id"]], edgecolor="none", clip_on=False)
        )  # fmt: skip
        if basis:
            km = float(basis["km"])
            new = float(basis.get("new_build_km") or 0.0)
            existing = max(0.0, km - new)
            transit = float(basis.get("transit_km") or 0.0)
            band = basis.get("as_built_km")
            ax.barh(y - 0.06, new, height=bar_h, color=_NEW_BUILD, edgecolor=_INK, linewidth=0.4, zorder=2)
            ax.barh(y - 0.06, existing, left=new, height=bar_h, color=_EXISTING, edgecolor=_INK, linewidth=0.4, zorder=2)
            if new >= 0.11 * ax.get_xlim()[1]:
                ax.text(new - text_gap, y - 0.06, f"{_km(new)} new", ha="right", va="center", color="white", fontsize=6.5, zorder=3)
            if transit > 0:
                ax.barh(y + 0.27, transit, height=0.12, color="white", edgecolor=_INK, linewidth=0.4, hatch="//////", zorder=2)
                ax.text(transit + text_gap, y + 0.27, f"{_km(transit)} transit", ha="left", va="center", fontsize=5.8,
                        color="#333333", zorder=3)  # fmt: skip
            value = f"{_km(km)} km"
        else:
            km = float(r["length_km"])
            band = r.get("as_built_km")
            ax.barh(y - 0.06, km, height=bar_h, color=_OWN_LINE, edgecolor="#666666", linewidth=0.4, hatch="....", zorder=2)
            value = f"{_km(km)} km (own line)"
        end = km
        if band:
            est, low, high = float(band["estimate"]), float(band["low"]), float(band["high"])
            ax.errorbar(est, y - 0.06, xerr=[[est - low], [high - est]], fmt="|", ms=7, mew=1.0, color=_INK, elinewidth=0.9,
                        capsize=2.5, capthick=0.9, zorder=4)  # fmt: skip
            value += f" · as built {_km(est)} ({_km(low)}–{_km(high)})"
            end = max(end, high)
        ax.text(end + 2.5 * text_gap, y - 0.06, value, ha="left", va="center", fontsize=6.5, zorder=3)
        published, measured = r.get("published_length_km"), r.get("measured_segment_km")
        if published is not None:  # the primary published section, in a lane above the bar
            lane = y - 0.42
            xs = [float(published)] if measured is None else [float(measured), float(published)]
            ax.plot(xs, [lane] * len(xs), color=_INK, lw=0.5, zorder=4.5)
            if measured is not None:
                ax.plot(float(measured), lane, marker="o", ms=3.2, mfc="white", mec=_INK, mew=0.7, linestyle="none", zorder=5)
            ax.plot(float(published), lane, marker="D", ms=3.4, mfc="white", mec=_INK, mew=0.9, linestyle="none", zorder=5.1)
            section = _cut(str(r.get("published_segment") or "published section"), 48)
            note = f"{section}: published {_km(float(published))}" + ("" if measured is None else f", measured {_km(float(measured))}")
            ax.text(max(xs) + 2 * text_gap, lane, note, ha="left", va="center", fontsize=5.6, color="#333333", parse_math=False,
                    zorder=3)  # fmt: skip
    for tick in ticks:
        ax.axvline(tick, color="#e3e3e3", linewidth=0.5, zorder=0)
    if on_basis and own:
        sep = (ys[len(on_basis) - 1] + ys[len(on_basis)]) / 2
        ax.axhline(sep, color="#999999", lw=0.5, linestyle=(0, (2, 2)))
    basis_name = str((method.get("basis") or {}).get("name") or "the common basis")
    fig.text(0.15 / FIGURE_WIDTH_IN, 1 - 0.18 / height, "Pipeline length on one basis", fontsize=12, weight="bold", va="top")
    fig.text(
        0.15 / FIGURE_WIDTH_IN, 1 - 0.42 / height,
        _wrap(
            f"Each route's path from supply to market: {basis_name}. km on the WGS84 ellipsoid."
            + (f" The first {len(rows)} routes; {hidden:,} more, longer, not shown (see the comparison table)." if hidden else ""),
            130,
        ),
        fontsize=7, va="top", color="#333333", parse_math=False,
    )  # fmt: skip
    legend_items = [
        (Patch(facecolor=_NEW_BUILD, edgecolor=_INK, linewidth=0.4), "new-build km"),
        (Patch(facecolor=_EXISTING, edgecolor=_INK, linewidth=0.4), "km along existing pipelines"),
        (Patch(facecolor="white", edgecolor=_INK, linewidth=0.4, hatch="//////"), "transit km (third countries)"),
        (Line2D([], [], color=_INK, marker="|", ms=7, mew=1.0, lw=0.9), "as-built estimate, 90 % band"),
        (Line2D([], [], color="none", marker="D", ms=3.4, mfc="white", mec=_INK, mew=0.9), "published length of a section (above the bar)"),
        (Line2D([], [], color="none", marker="o", ms=3.2, mfc="white", mec=_INK, mew=0.7), "the same section, measured"),
    ]
    if own:
        legend_items.append((Patch(facecolor=_OWN_LINE, edgecolor="#666666", linewidth=0.4, hatch="...."), "† no path on the basis: the route's own line"))
    legend = fig.legend(
        [h for h, _ in legend_items], [f"x{i}" for i in range(len(legend_items))], loc="lower left", ncol=3,
        bbox_to_anchor=(0.1 / FIGURE_WIDTH_IN, (credit_h + 0.04) / height), fontsize=6.5, handlelength=2.2, columnspacing=1.2,
    )  # fmt: skip
    for artist, (_, label) in zip(legend.get_texts(), legend_items, strict=True):
        artist.set_text(label)
    fig.text(0.15 / FIGURE_WIDTH_IN, 0.05 / height, credit_text, fontsize=5.8, va="bottom", color="#444444",
             parse_math=False, linespacing=1.35)  # fmt: skip
    return fig


# --------------------------------------------------------------------------------------------
# the profiles


def profiles_figure(
    records: Sequence[Mapping[str, Any]],
    profiles: Sequence[Mapping[str, Any]],
    *,
    method: Mapping[str, Any],
    credits: str,
    dpi: float = PNG_DPI,
) -> Figure:
    """Draw the routes' elevation profiles as small multiples on one height scale.

    Parameters
    ----------
    records
        Comparison records (name, border crossings, km per country).
    profiles
        :func:`geo.elevation.route_profile` of each route, in the same order.
    method
        How the numbers were made.
    credits
        The credit line (with the elevation grid's).
    dpi
        Pixels per inch of the canvas (the PNG's).

    Returns
    -------
    figure
        One panel per route, three to a row: ground height (m, one scale for
        all) against km from the start (each route its own km), the country
        stretches shaded as on the route pages, border crossings dashed,
        gaps where the grid has no data (sea, large lakes).
    """
    with _style():
        return _profiles_figure(records, profiles, method=method, credits=credits, dpi=dpi)


def _profiles_figure(
    records: Sequence[Mapping[str, Any]],
    profiles: Sequence[Mapping[str, Any]],
    *,
    method: Mapping[str, Any],
    credits: str,
    dpi: float,
) -> Figure:
    colours = route_colours([r["id"] for r in records])
    hidden = max(0, len(records) - MAX_PROFILES)
    records, profiles = records[:MAX_PROFILES], profiles[:MAX_PROFILES]
    n = len(records)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = max(1, math.ceil(n / ncols))
    credit_text = _credit_lines(method, credits, elevation=True)
    credit_h = 0.12 + 0.1 * len(credit_text.splitlines())
    panel_h, top_in, bottom_in = 1.45, 0.72, 0.42 + credit_h
    height = top_in + nrows * panel_h + bottom_in
    fig = _new_figure(height, dpi=dpi)
    heights = [h for p in profiles for h in np.asarray(p["height_m"], dtype=float) if np.isfinite(h)]
    y_top = max(500.0, 500.0 * math.ceil(max(heights, default=500.0) / 500.0))
    y_bottom = min(0.0, 500.0 * math.floor(min(heights, default=0.0) / 500.0))
    grid = fig.add_gridspec(
        nrows, ncols, left=0.62 / FIGURE_WIDTH_IN, right=1 - 0.15 / FIGURE_WIDTH_IN, top=1 - top_in / height,
        bottom=bottom_in / height, hspace=0.72, wspace=0.12,
    )  # fmt: skip
    axes = []
    for k, (record, profile) in enumerate(zip(records, profiles, strict=True)):
        ax = fig.add_subplot(grid[k // ncols, k % ncols], sharey=axes[0] if axes else None)
        axes.append(ax)
        distance_km = np.asarray(profile["distance_m"], dtype=float) / 1000
        metres = np.asarray(profile["height_m"], dtype=float)
        length_km = float(distance_km[-1]) if len(distance_km) else 1.0
        crossings = list(record.get("border_crossings") or [])
        edges = [0.0, *(float(c["km"]) for c in crossings), length_km]
        first = crossings[0]["from"] if crossings else next(iter(record.get("countries") or {}), "")
        isos = [first, *(c["to"] for c in crossings)]
        for start, end, iso in zip(edges[:-1], edges[1:], isos, strict=True):
            ax.axvspan(start, end, color=COUNTRY_SHADES.get(iso, OTHER_SHADE), lw=0, zorder=0)
            if (end - start) > 0.14 * length_km:
                ax.text((start + end) / 2, 0.93, str(iso), transform=mpl.transforms.blended_transform_factory(ax.transData, ax.transAxes),
                        ha="center", va="top", fontsize=5.8, color="#666666", parse_math=False)  # fmt: skip
        for crossing in crossings:
            ax.axvline(float(crossing["km"]), color="#555555", lw=0.5, linestyle=(0, (2, 1.5)), zorder=1)
        colour = colours[record["id"]]
        ax.fill_between(distance_km, y_bottom, metres, where=np.isfinite(metres), color="#cfcfcf", lw=0, zorder=1.5)
        ax.plot(distance_km, metres, color=_INK, lw=1.5, zorder=2)
        ax.plot(distance_km, metres, color=colour, lw=0.9, zorder=2.1)
        ax.set_xlim(0, length_km)
        ax.set_ylim(y_bottom, y_top)
        ax.set_title(_wrap(short_name(str(record["name"])), 44), fontsize=7, loc="left", pad=3, parse_math=False)
        ax.tick_params(labelsize=6, length=2, pad=1.5)
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5))
        if k % ncols != 0:
            ax.tick_params(labelleft=False)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    fig.supylabel("ground height, m", fontsize=7, x=0.1 / FIGURE_WIDTH_IN)
    fig.text(0.5, (bottom_in - 0.3) / height, "km from the start of each route", ha="center", fontsize=7)
    fig.text(0.15 / FIGURE_WIDTH_IN, 1 - 0.18 / height, "Ground along the routes", fontsize=12, weight="bold", va="top")
    fig.text(
        0.15 / FIGURE_WIDTH_IN, 1 - 0.42 / height,
        "One height scale for every route; each its own km. Shading: the country crossed; dashed: a border crossing;"
        " gaps: no ground data (sea, large lakes)." + (f" The first {n} routes; {hidden:,} more not shown." if hidden else ""),
        fontsize=7, va="top", color="#333333",
    )  # fmt: skip
    fig.text(0.15 / FIGURE_WIDTH_IN, 0.05 / height, credit_text, fontsize=5.8, va="bottom", color="#444444", parse_math=False,
             linespacing=1.35)  # fmt: skip
    return fig
