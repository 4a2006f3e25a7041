"""Tests for layers.profile: the PNG elevation profile."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from layers.profile import _font, profile_png


def test_profile_png__draws_line_shading_and_crossings():
    profile = {"distance_m": np.linspace(0, 1_000_000, 201), "height_m": np.r_[np.linspace(100, 1500, 150), [np.nan] * 10, np.linspace(1500, 300, 41)]}
    record = {"name": "Test", "border_crossings": [{"from": "RUS", "to": "MNG", "km": 600.0}], "countries": {"RUS": 600, "MNG": 400}}
    png = profile_png(profile, record, colour="#CC6677", size=(600, 200))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (600, 200)
    colours = {colour for _, colour in image.getcolors(100_000)}
    assert (0xCC, 0x66, 0x77) in colours  # the line
    assert (0xF3, 0xEF, 0xE6) in colours and (0xE6, 0xEE, 0xF5) in colours  # two country stretches


def _shade_at(png, xy):
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel(xy)


def test_profile_png__a_country_keeps_its_colour_and_the_axis_can_be_shared():
    """Mongolia first or second, it is the same blue; a shared height range puts 1,000 m at the same row."""
    flat = {"distance_m": np.linspace(0, 1_000_000, 101), "height_m": np.full(101, 1000.0)}
    mng_first = {"name": "A", "border_crossings": [{"from": "MNG", "to": "CHN", "km": 500.0}], "countries": {}}
    rus_first = {"name": "B", "border_crossings": [{"from": "RUS", "to": "MNG", "km": 500.0}], "countries": {}}
    a = profile_png(flat, mng_first, colour="#000000", size=(760, 320))
    b = profile_png(flat, rus_first, colour="#000000", size=(760, 320))
    assert _shade_at(a, (200, 150)) == _shade_at(b, (600, 150)) == (0xE6, 0xEE, 0xF5)  # MNG
    low = profile_png(flat, mng_first, colour="#000000", height_range_m=(0, 4000))
    high = profile_png(flat, mng_first, colour="#000000", height_range_m=(0, 2000))
    line_rows = [
        [row for row in range(320) if _shade_at(png, (300, row)) == (0, 0, 0)] for png in (low, high)
    ]
    assert line_rows[0] and line_rows[1] and line_rows[0][0] > line_rows[1][0]  # 1,000 m of 4,000 sits lower


def test_profile_png__text_is_large_enough_to_read_at_half_size():
    """The page shows the 760 px image at 380 px: a digit must be at least 14 px tall in the image (7 px on
    the page, 11 px text); the old built-in bitmap font drew them 8 px tall (4 px on the page)."""
    _, top, _, bottom = _font().getbbox("0")
    assert bottom - top >= 14


def test_profile_png__captions_name_the_ends_never_a_vertex(monkeypatch):
    """A line from a file: the basis nodes' names under its ends, no "end (vertex N)"."""
    from PIL import ImageDraw

    drawn = []
    original = ImageDraw.ImageDraw.text
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", lambda self, xy, text, *a, **k: (drawn.append(text), original(self, xy, text, *a, **k))[1])
    flat = {"distance_m": np.linspace(0, 1_000_000, 101), "height_m": np.full(101, 500.0)}
    basis = {"from": "a", "to": "b", "from_name": "Field", "to_name": "Hub"}
    record = {"name": "Mine", "border_crossings": [], "countries": {}, "start": "start", "end": "end (vertex 100)", "basis": basis}
    profile_png(flat, record, colour="#000000")
    assert "Field" in drawn and "Hub" in drawn
    assert not any("vertex" in t or t in ("start", "end") for t in drawn)
