"""Tests for layers.profile: the PNG elevation profile."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from layers.profile import profile_png


def test_profile_png__draws_line_shading_and_crossings():
    profile = {"distance_m": np.linspace(0, 1_000_000, 201), "height_m": np.r_[np.linspace(100, 1500, 150), [np.nan] * 10, np.linspace(1500, 300, 41)]}
    record = {"name": "Test", "border_crossings": [{"from": "RUS", "to": "MNG", "km": 600.0}], "countries": {"RUS": 600, "MNG": 400}}
    png = profile_png(profile, record, colour="#CC6677", size=(600, 200))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (600, 200)
    colours = {colour for _, colour in image.getcolors(100_000)}
    assert (0xCC, 0x66, 0x77) in colours  # the line
    assert (0xF3, 0xEF, 0xE6) in colours and (0xE6, 0xEE, 0xF5) in colours  # two country stretches
