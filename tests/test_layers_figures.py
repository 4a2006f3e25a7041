"""Tests for layers.figures: the report figures open, name every route, keep labels apart and repeat byte for byte."""

from __future__ import annotations

import io
import itertools
import math
import re
import xml.etree.ElementTree as ET

import matplotlib as mpl
import numpy as np
import pytest
import shapely
from PIL import Image
from pyproj import Geod

from geo.compare import comparison_records
from geo.countries import load_countries
from geo.elevation import load_elevation, route_profile
from geo.leastcost import load_lakes
from geo.projection import to_study
from layers.figures import (
    FIGURE_WIDTH_IN,
    PNG_DPI,
    comparison_figure,
    figure_bytes,
    map_figure,
    placed_labels,
    place_name,
    profiles_figure,
    short_name,
)
from tests.conftest import DATA_DIR, METHOD_NOTE

METHOD = {**METHOD_NOTE, "basis": {"name": "Supply to Market"}, "elevation": "a 5 arc-minute grid"}
CREDITS = "Made with Natural Earth · pipeline traces © OpenStreetMap contributors (ODbL)"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


@pytest.fixture(scope="module")
def display_countries():
    return load_countries(DATA_DIR / "countries_display.geojson")


@pytest.fixture(scope="module")
def lakes():
    return load_lakes(DATA_DIR / "lakes.geojson")


@pytest.fixture(scope="module")
def draw_map(records, measured_catalog, display_countries, lakes):
    def draw(recs=None, measured=None):
        return map_figure(
            records if recs is None else recs, measured_catalog if measured is None else measured,
            countries=display_countries, lakes=lakes, method=METHOD, credits=CREDITS,
        )  # fmt: skip

    return draw


@pytest.fixture(scope="module")
def the_map(draw_map):
    return draw_map()


@pytest.fixture(scope="module")
def map_svg(the_map):
    return figure_bytes(the_map, "svg")


def svg_texts(data: bytes) -> list[str]:
    """The text of every <text> element of an SVG (an XML parse: the file must be well formed)."""
    root = ET.fromstring(data)
    return ["".join(element.itertext()) for element in root.iter(f"{SVG_NS}text")]


def boxes_overlap(a, b) -> bool:
    """Strict overlap of two display boxes (touching edges do not count)."""
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# ------------------------------------------------------------------ the map


def test_map_figure__every_route_name_is_text_in_the_svg(records, map_svg):
    texts = svg_texts(map_svg)
    for record in records:
        assert record["name"] in texts  # the legend names every route in full, as text (not glyph outlines)
    assert "Power of Siberia 2 route options" in texts and any("built 2026-01-01" in t for t in texts)
    assert any("Natural Earth" in t for t in texts) and any("ODbL" in t for t in texts)


def test_map_figure__labels_never_overlap(the_map):
    renderer = the_map.canvas.get_renderer()
    labels = placed_labels(the_map)
    boxes = [label.get_window_extent(renderer) for label in labels]
    assert len(labels) > 20  # route names, places, countries, degrees
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, labels, strict=True), 2):
        assert not boxes_overlap(a, b), (ta.get_text(), tb.get_text())
    frame = the_map.axes[0].get_window_extent(renderer)
    for box, label in zip(boxes, labels, strict=True):  # inside the map, none cut off
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, label.get_text()


def test_map_figure__every_option_and_reference_and_their_ends_labelled(records, the_map):
    texts = [" ".join(t.get_text().split()) for t in placed_labels(the_map)]
    for record in records:  # the catalog: options and references, no suggestions
        head = short_name(record["name"])[:20]
        assert any(t.startswith(head) for t in texts), record["name"]
        for end in (record["start"], record["end"]):
            assert any(place_name(end) in t for t in texts), end
    assert short_name("Altai route (Power of Siberia West) into Xinjiang") == "Altai route"
    assert place_name("Kirinskoye / Yuzhno-Kirinskoye fields (Sakhalin-3 shelf) - approx") == "Kirinskoye / Yuzhno-Kirinskoye fields"


def test_map_figure__texts_of_the_whole_figure_do_not_overlap(the_map):
    renderer = the_map.canvas.get_renderer()
    the_map.draw(renderer)  # the legend lays itself out when drawn
    texts = [t for t in the_map.findobj(mpl.text.Text) if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    figure_box = the_map.bbox
    for box, artist in zip(boxes, texts, strict=True):  # nothing cut off at the figure's edges
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1 + 0.5, artist.get_text()
        assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1 + 0.5, artist.get_text()
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, texts, strict=True), 2):
        assert not boxes_overlap(a, b), (ta.get_text(), tb.get_text())


def test_map_figure__scale_bar_at_the_map_scale(the_map):
    # Oracle: along a meridian the study projection is true to scale, so two points 1,000 km apart
    # on the ellipsoid along 95 E (pyproj.Geod, not the figure code) are as far apart on the map
    # as the scale bar's "1,000" mark is from its "0".
    lon, lat2, _ = Geod(ellps="WGS84").fwd(95.0, 45.0, 0.0, 1_000_000.0)
    x, y = to_study(np.array([95.0, lon]), np.array([45.0, lat2]))
    ax = the_map.axes[0]
    ends = ax.transData.transform(np.column_stack([x, y]))
    metre_px = math.dist(*ends) / 1_000_000
    scale_ax = next(a for a in the_map.axes if any(t.get_text() == "0" for t in a.texts))
    marks = {t.get_text().removesuffix(" km"): t.get_window_extent().x0 + t.get_window_extent().width / 2 for t in scale_ax.texts}
    step_km = float(max((k for k in marks if re.fullmatch(r"[\d,]+", k)), key=lambda k: float(k.replace(",", ""))).replace(",", ""))
    bar_px = marks[f"{step_km:,.0f}"] - marks["0"]
    assert bar_px == pytest.approx(step_km * 1000 * metre_px, rel=0.005)
    note = " ".join(" ".join(t.get_text().split()) for t in scale_ax.texts)
    assert "true along every meridian and along 44° N and 56° N" in note


def test_map_figure__north_arrow_along_the_central_meridian(the_map):
    ax = the_map.axes[0]
    arrow = next(p for p in ax.patches if isinstance(p, mpl.patches.FancyArrow))
    xy = arrow.get_xy()
    tip = xy[np.argmax(xy[:, 1])]
    # 95 E is straight up in the study projection (x = 0 there: its central meridian)
    assert tip[0] == pytest.approx(0.0, abs=1.0)
    assert any(t.get_text().startswith(" N (95° E)") for t in ax.texts)


def test_map_figure__hostile_names_stay_plain_text(records, measured_catalog, draw_map):
    hostile = ["$x^2$ \\alpha", "_hidden", "<script>alert(1)</script> & {{ 7*7 }}", "Route $ with one dollar"]
    recs = [dict(r) for r in records[:4]]
    for record, name in zip(recs, hostile, strict=True):
        record["name"] = name
        record["start"] = f"{name} start"
    fig = draw_map(recs, measured_catalog.iloc[:4])
    texts = svg_texts(figure_bytes(fig, "svg"))  # well-formed XML: the names were escaped
    for name in hostile:
        assert name in texts  # in the legend verbatim: no mathtext, no hidden "_" label


def test_map_figure__a_line_outside_the_boundary_box_still_draws(records, measured_catalog, draw_map):
    recs = [dict(records[0], name="Far away", start="a", end="b")]
    far = measured_catalog.iloc[:1].copy()
    far["geometry"] = [shapely.LineString([(10.0, 10.0), (12.0, 11.0)])]
    fig = draw_map(recs, far)
    assert "Far away" in svg_texts(figure_bytes(fig, "svg"))


# ------------------------------------------------------------------ the files


def test_figure_bytes__png_at_300_dpi(the_map):
    image = Image.open(io.BytesIO(figure_bytes(the_map, "png")))
    assert image.format == "PNG"
    assert image.info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.01)
    assert image.size[0] == round(FIGURE_WIDTH_IN * PNG_DPI)
    assert "Software" not in image.info  # no version or date in the file


def test_figure_bytes__pdf_one_page_no_dates(the_map):
    data = figure_bytes(the_map, "pdf")
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 1
    assert b"/CreationDate" not in data and b"/ModDate" not in data and b"Matplotlib" not in data


def test_figure_bytes__svg_no_date(map_svg):
    assert b"<dc:date>" not in map_svg and b"Matplotlib" not in map_svg


def test_figure_bytes__same_input_same_bytes(draw_map, map_svg, the_map):
    again = draw_map()  # a new figure from the same input
    assert figure_bytes(again, "svg") == map_svg
    assert figure_bytes(again, "pdf") == figure_bytes(the_map, "pdf")
    first = Image.open(io.BytesIO(figure_bytes(the_map, "png")))
    second = Image.open(io.BytesIO(figure_bytes(again, "png")))
    assert first.size == second.size and first.tobytes() == second.tobytes()


def test_figure_bytes__the_users_matplotlibrc_does_not_leak_in(draw_map, map_svg):
    with mpl.rc_context({"font.family": "serif", "svg.fonttype": "path", "lines.linewidth": 9.0, "svg.hashsalt": None}):
        assert figure_bytes(draw_map(), "svg") == map_svg


def test_figure_bytes__unknown_format(the_map):
    with pytest.raises(ValueError, match="jpg"):
        figure_bytes(the_map, "jpg")


# ------------------------------------------------------------------ the comparison chart


def _basis(km, new, transit, low, high):
    return {"km": km, "new_build_km": new, "existing_km": km - new, "transit_km": transit,
            "as_built_km": {"estimate": (low + high) / 2, "low": low, "high": high, "coverage": 0.9}}  # fmt: skip


COMPARED = [
    {"id": "b", "name": "Bravo line (long)", "kind": "option", "length_km": 900.0, "basis": _basis(5000.0, 4000.0, 900.0, 5200, 5600),
     "as_built_km": None, "published_length_km": 950.0, "measured_segment_km": 900.0, "published_segment": "Bravo section"},
    {"id": "a", "name": "Alpha line", "kind": "option", "length_km": 1500.0, "basis": _basis(4400.0, 3900.0, 0.0, 4600, 5000),
     "as_built_km": None, "published_length_km": None, "measured_segment_km": None, "published_segment": None},
    {"id": "r", "name": "Reference line", "kind": "reference", "length_km": 2000.0, "basis": None,
     "as_built_km": {"estimate": 2100.0, "low": 2000.0, "high": 2250.0, "coverage": 0.9},
     "published_length_km": None, "measured_segment_km": None, "published_segment": None},
]  # fmt: skip


def _row_texts(fig):
    ax = fig.axes[0]
    return {" ".join(t.get_text().split()): t.get_position()[1] for t in ax.texts}


def test_comparison_figure__sorted_by_basis_km_with_values_printed():
    fig = comparison_figure(COMPARED, method=METHOD, credits=CREDITS)
    rows = _row_texts(fig)
    # shortest basis on top (y grows downwards), the route without a basis last and marked
    assert rows["Alpha line"] < rows["Bravo line"] < rows["Reference line †"]
    texts = set(rows)
    assert "4,400 km · as built 4,800 (4,600–5,000)" in texts
    assert "5,000 km · as built 5,400 (5,200–5,600)" in texts
    assert "2,000 km (own line) · as built 2,100 (2,000–2,250)" in texts
    assert {"3,900 new", "4,000 new", "900 transit"} <= texts
    assert "Bravo section: published 950, measured 900" in texts
    assert not any(t.endswith(" transit") and t.startswith("0") for t in texts)  # no strip for zero transit


def test_comparison_figure__bars_are_the_km(tmp_path):
    fig = comparison_figure(COMPARED, method=METHOD, credits=CREDITS)
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 6) for p in ax.patches if isinstance(p, mpl.patches.Rectangle) and p.get_height() > 0.3 and p.get_width() > 1)
    # Alpha: 3,900 new + 500 existing; Bravo: 4,000 + 1,000; Reference: 2,000 of its own line
    assert widths == [500.0, 1000.0, 2000.0, 3900.0, 4000.0]
    whiskers = [seg for c in ax.collections for seg in c.get_segments() if len(seg) == 2 and seg[0][1] == seg[1][1]]
    spans = {(round(seg[0][0]), round(seg[1][0])) for seg in whiskers}
    assert {(4600, 5000), (5200, 5600), (2000, 2250)} <= spans  # the as-built bands as error bars
    texts = svg_texts(figure_bytes(fig, "svg"))
    assert "Pipeline length on one basis" in texts


def test_comparison_figure__without_estimates_or_basis():
    bare = [dict(r, basis=None, as_built_km=None) for r in COMPARED]
    fig = comparison_figure(bare, method=METHOD, credits=CREDITS)
    rows = _row_texts(fig)
    assert rows["Bravo line †"] < rows["Alpha line †"] < rows["Reference line †"]  # by their own km
    assert "900 km (own line)" in rows


# ------------------------------------------------------------------ the profiles


def test_profiles_figure__one_height_scale_small_multiples(catalog, measured_catalog):
    grid = load_elevation(DATA_DIR / "elevation_5min.npz")
    recs = comparison_records(catalog, measured_catalog)[:4]
    profiles = [route_profile(g, grid) for g in measured_catalog.geometry.values[:4]]
    fig = profiles_figure(recs, profiles, method=METHOD, credits=CREDITS)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(panels) == 4
    highest = max(float(np.nanmax(p["height_m"])) for p in profiles)
    lowest = min(float(np.nanmin(p["height_m"])) for p in profiles)
    top = 500 * math.ceil(highest / 500)  # the next 500 m above the highest point of any route
    bottom = min(0, 500 * math.floor(lowest / 500))  # and below the lowest (the Caspian lowland is below sea level)
    assert {ax.get_ylim() for ax in panels} == {(bottom, top)}
    for ax, profile in zip(panels, profiles, strict=True):
        assert ax.get_xlim() == pytest.approx((0.0, profile["distance_m"][-1] / 1000))
    texts = svg_texts(figure_bytes(fig, "svg"))
    assert "Ground along the routes" in texts
    assert figure_bytes(fig, "pdf").startswith(b"%PDF-")


def test_map_figure__many_own_lines_legend_capped_ends_unnamed(records, measured_catalog, draw_map):
    import pandas as pd

    from layers.figures import MAX_LEGEND_ROUTES

    copies = 5  # 50 lines of your own: more than the legend lists
    recs = [dict(r, id=f"{r['id']}-{k}", name=f"Mine {k}-{i}", kind="imported", start="start", end="end (vertex 9)")
            for k in range(copies) for i, r in enumerate(records)]  # fmt: skip
    measured = pd.concat([measured_catalog] * copies, ignore_index=True)
    fig = draw_map(recs, measured)
    texts = svg_texts(figure_bytes(fig, "svg"))
    listed = [r["name"] for r in recs if r["name"] in texts]
    assert len(listed) >= MAX_LEGEND_ROUTES and f"… and {len(recs) - MAX_LEGEND_ROUTES:,} more routes" in texts
    labels = [t.get_text() for t in placed_labels(fig)]
    assert not any(t.startswith(("start", "end")) for t in labels)  # a file's lines have no names at their ends
    assert any(t.startswith("Your lines in colour, dashed") for t in texts)
