"""Route profile charts as PNG (Pillow): km against metres, crossings marked, countries shaded.

The image is drawn at twice the size the route page shows it (760 px wide,
shown at 380 px) with 22 px text, so labels read at 11 px on screen and
stay sharp on high-density screens and in print.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from layers.style import PROFILE_SIZE_PX, route_ends

COUNTRY_SHADES = {
    "RUS": "#f3efe6", "MNG": "#e6eef5", "CHN": "#eef5e6", "KAZ": "#f5e6ee", "UZB": "#e9e6f5", "TKM": "#f5f0dc",
    "KGZ": "#e6f5f3",
}  # fmt: skip
"""Background of a country's stretches: the same colour for a country on every profile."""
OTHER_SHADE = "#f0f0f0"
"""Background of stretches in any other country, in no country (water) or outside the extract."""
FONT_PX = 22
"""Text height in the image, pixels (11 px on the page, which shows the image at half size)."""
_INK = "#333333"


@cache
def _font(size: int = FONT_PX) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in scalable font, loaded once per size (loading it per image is the slow part)."""
    return ImageFont.load_default(size=size)


def profile_png(
    profile: Mapping[str, Any],
    record: Mapping[str, Any],
    *,
    colour: str,
    size: tuple[int, int] = PROFILE_SIZE_PX,
    height_range_m: tuple[float, float] | None = None,
) -> bytes:
    """Draw a route's elevation profile.

    Parameters
    ----------
    profile
        :func:`geo.elevation.route_profile` of the route.
    record
        Its comparison record: name, border crossings (km) and km per country.
    colour
        Line colour.
    size
        Width and height in pixels.
    height_range_m
        ``(bottom, top)`` of the height axis, metres: give every route the
        same range to compare their profiles; None fits this route (to the
        next 500 m).

    Returns
    -------
    png
        The image: metres against km from the start, the stretches between
        border crossings shaded (a fixed colour per country) and labelled
        with their country, each crossing a dashed vertical line, gaps where
        the grid has no data, the start and end named under the axis.
    """
    width, height = size
    font = _font()
    left, right, top, bottom = 4 * FONT_PX, 2 * FONT_PX, 2 * FONT_PX + 6, 3 * FONT_PX + 12
    distance_km = np.asarray(profile["distance_m"]) / 1000
    metres = np.asarray(profile["height_m"], dtype=float)
    length_km = float(distance_km[-1]) if len(distance_km) else 1.0
    finite = metres[np.isfinite(metres)]
    if height_range_m is None:
        y_top = max(500.0, 500.0 * np.ceil((finite.max() if len(finite) else 500.0) / 500.0))
        y_bottom = min(0.0, 500.0 * np.floor((finite.min() if len(finite) else 0.0) / 500.0))
    else:
        y_bottom, y_top = (float(v) for v in height_range_m)

    def x(km: float) -> float:
        return left + km / max(length_km, 1e-9) * (width - left - right)

    def y(m: float) -> float:
        return height - bottom - (m - y_bottom) / (y_top - y_bottom) * (height - top - bottom)

    image = Image.new("P", (width, height), "white")  # a palette image: a few colours, a third of the bytes
    draw = ImageDraw.Draw(image)
    draw.font = font
    crossings = list(record["border_crossings"])
    edges = [0.0, *(c["km"] for c in crossings), length_km]
    first_country = crossings[0]["from"] if crossings else next(iter(record["countries"]), "")
    countries = [first_country, *(c["to"] for c in crossings)]
    for start, end, iso in zip(edges[:-1], edges[1:], countries, strict=True):
        draw.rectangle([x(start), top, x(end), height - bottom], fill=COUNTRY_SHADES.get(iso, OTHER_SHADE))
        if x(end) - x(start) > 2.5 * FONT_PX:
            draw.text((x(start) + 4, top + 3), iso, fill=_INK)
    for tick in np.arange(y_bottom, y_top + 1, 500 if y_top - y_bottom <= 2000 else 1000):
        draw.line([left, y(tick), width - right, y(tick)], fill="#dddddd")
        draw.text((left - 6, y(tick)), f"{tick:,.0f}", fill=_INK, anchor="rm")
    step_km = _nice_step(length_km)
    for tick in np.arange(0, length_km + 1e-9, step_km):
        draw.line([x(tick), height - bottom, x(tick), height - bottom + 6], fill=_INK)
        draw.text((x(tick), height - bottom + 8), f"{tick:,.0f}", fill=_INK, anchor="ma")
    ends_y = height - bottom + 8 + FONT_PX + 6
    start, end = route_ends(record)
    draw.text((left, ends_y), _short(start), fill=_INK, anchor="la")
    draw.text((width - right, ends_y), _short(end), fill=_INK, anchor="ra")
    for crossing in crossings:
        for y0 in range(top, height - bottom, 8):
            draw.line([x(crossing["km"]), y0, x(crossing["km"]), min(y0 + 4, height - bottom)], fill=_INK)
    for segment in _runs(np.isfinite(metres)):
        points = [(x(distance_km[i]), y(metres[i])) for i in segment]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
    draw.rectangle([left, top, width - right, height - bottom], outline=_INK)
    draw.text((left, 6), "Ground height, m: " + _short(str(record["name"]), 42), fill=_INK)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _short(text: str, limit: int = 28) -> str:
    """Text cut to ``limit`` characters (an ellipsis shows the cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _nice_step(length_km: float) -> float:
    for step in (50, 100, 200, 250, 500, 1000, 2000):
        if length_km / step <= 6:
            return float(step)
    return 5000.0


def _runs(mask: np.ndarray) -> Sequence[range]:
    """Index ranges where ``mask`` is true, for drawing lines with gaps."""
    runs, start = [], None
    for i, ok in enumerate(mask):
        if ok and start is None:
            start = i
        if not ok and start is not None:
            runs.append(range(start, i))
            start = None
    if start is not None:
        runs.append(range(start, len(mask)))
    return runs
