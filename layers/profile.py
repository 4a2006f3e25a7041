"""Route profile charts as PNG (Pillow): km against metres, crossings marked, countries shaded."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from functools import cache

from PIL import Image, ImageDraw, ImageFont

COUNTRY_SHADES = ("#f3efe6", "#e6eef5", "#eef5e6", "#f5e6ee", "#f0f0f0", "#e9e6f5")
"""Backgrounds of the country stretches, cycled in order of appearance."""
_INK = "#333333"


@cache
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font, loaded once (loading it per image is the slow part)."""
    return ImageFont.load_default()


def profile_png(
    profile: Mapping[str, Any],
    record: Mapping[str, Any],
    *,
    colour: str,
    size: tuple[int, int] = (760, 260),
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

    Returns
    -------
    png
        The image: metres against km from the start, the stretches between
        border crossings shaded and labelled with their country, each
        crossing a dashed vertical line, gaps where the grid has no data.
    """
    width, height = size
    left, right, top, bottom = 52, 12, 26, 30
    distance_km = np.asarray(profile["distance_m"]) / 1000
    metres = np.asarray(profile["height_m"], dtype=float)
    length_km = float(distance_km[-1]) if len(distance_km) else 1.0
    finite = metres[np.isfinite(metres)]
    y_top = max(500.0, 500.0 * np.ceil((finite.max() if len(finite) else 500.0) / 500.0))
    y_bottom = min(0.0, 500.0 * np.floor((finite.min() if len(finite) else 0.0) / 500.0))

    def x(km: float) -> float:
        return left + km / max(length_km, 1e-9) * (width - left - right)

    def y(m: float) -> float:
        return height - bottom - (m - y_bottom) / (y_top - y_bottom) * (height - top - bottom)

    image = Image.new("P", (width, height), "white")  # a palette image: a few colours, a third of the bytes
    draw = ImageDraw.Draw(image)
    draw.font = _font()
    crossings = list(record["border_crossings"])
    edges = [0.0, *(c["km"] for c in crossings), length_km]
    first_country = crossings[0]["from"] if crossings else next(iter(record["countries"]), "")
    countries = [first_country, *(c["to"] for c in crossings)]
    for i, (start, end, iso) in enumerate(zip(edges[:-1], edges[1:], countries, strict=True)):
        draw.rectangle([x(start), top, x(end), height - bottom], fill=COUNTRY_SHADES[i % len(COUNTRY_SHADES)])
        if x(end) - x(start) > 28:
            draw.text((x(start) + 3, top + 2), iso, fill=_INK)
    for tick in np.arange(y_bottom, y_top + 1, 500 if y_top - y_bottom <= 3000 else 1000):
        draw.line([left, y(tick), width - right, y(tick)], fill="#dddddd")
        draw.text((4, y(tick) - 6), f"{tick:,.0f}", fill=_INK)
    step_km = _nice_step(length_km)
    for tick in np.arange(0, length_km + 1e-9, step_km):
        draw.line([x(tick), height - bottom, x(tick), height - bottom + 4], fill=_INK)
        draw.text((x(tick) - 12, height - bottom + 6), f"{tick:,.0f}", fill=_INK)
    for crossing in crossings:
        for y0 in range(top, height - bottom, 8):
            draw.line([x(crossing["km"]), y0, x(crossing["km"]), min(y0 + 4, height - bottom)], fill=_INK)
    for segment in _runs(np.isfinite(metres)):
        points = [(x(distance_km[i]), y(metres[i])) for i in segment]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
    draw.rectangle([left, top, width - right, height - bottom], outline=_INK)
    draw.text((left, 6), f"{record['name']}: ground height, m (5' grid) against km from the start", fill=_INK)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _nice_step(length_km: float) -> float:
    for step in (50, 100, 200, 250, 500, 1000, 2000):
        if length_km / step <= 10:
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
