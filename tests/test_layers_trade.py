"""Tests for layers.trade: the chart, the arcs, the slider, by fragments."""

from __future__ import annotations

import re

import folium
import numpy as np

from geo.catalog import load_places
from geo.geodesic import offset_geodesic
from geo.trade import load_energy, load_trade
from layers.trade import ends_lonlat, trade_chart_svg, trade_headlines_html, trade_layers
from make_maps import ENERGY_PATH, TRADE_PATH, TRADE_PLACES_PATH


def test_chart__three_series_one_point_per_year():
    rows = load_trade(TRADE_PATH)
    svg = trade_chart_svg(rows)
    series = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(series) == 3 and all(len(s.split()) == len(rows) for s in series)
    assert "<script" not in svg and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def _trade_layers(pipelines):
    """The shipped trade, energy and places with the given pipelines (name, lonlat, flow column, capacity)."""
    places = load_places(TRADE_PLACES_PATH)
    ru, cn = ends_lonlat(places)
    arcs = {"ru_cn": offset_geodesic(ru, cn, offset_m=1e5), "cn_ru": offset_geodesic(cn, ru, offset_m=1e5)}
    return trade_layers(load_trade(TRADE_PATH), load_energy(ENERGY_PATH), places, pipelines, arcs)


def test_trade_layers__groups_slider_and_data():
    pipeline = np.array([[100.0, 50.0], [110.0, 45.0]])
    layers, control = _trade_layers([("Line", pipeline, "pos1_gas_bcm", 38.0)])
    assert [layer.layer_name for layer in layers][2] == "Border trade crossings"
    assert control.years == list(range(2013, 2026))
    m = folium.Map()
    for layer in layers:
        layer.add_to(m)
    control.add_to(m)
    html = m.get_root().render()
    assert '"2019":0.3' in html and '"2025":38.8' in html  # yearly flows travel in the page
    assert "window.pos2Year.set(years[years.length - 1])" in html
    assert html.count("trade-crossing") >= 1


def test_offset_geodesic__ends_fixed_middle_shifted():
    from geo.geodesic import WGS84

    start, end = (37.62, 55.76), (116.41, 39.90)
    straight = offset_geodesic(start, end, offset_m=0.0)
    bowed = offset_geodesic(start, end, offset_m=100_000.0)
    np.testing.assert_allclose(bowed[[0, -1]], straight[[0, -1]], atol=1e-9)
    middle = len(straight) // 2
    _, _, shift = WGS84.inv(*straight[middle], *bowed[middle])
    assert shift == np.float64(shift) and abs(shift - 100_000.0) < 200


def test_chart__last_year_labelled_inside_and_key_above_the_lines():
    rows = load_trade(TRADE_PATH)
    svg = trade_chart_svg(rows, width=380, height=200)
    last = rows[-1]["year"]
    label = re.search(rf'<text x="([\d.]+)" y="194" text-anchor="(\w+)">{last}</text>', svg)
    assert label and label.group(2) == "end" and float(label.group(1)) <= 380  # ends at the plot's right edge
    lowest_line_y = min(float(v) for pts in re.findall(r'polyline points="([^"]+)"', svg) for v in re.findall(r",([\d.]+)", pts))
    key_y = [float(v) for v in re.findall(r'<text x="[\d.]+" y="([\d.]+)" fill=', svg)]
    assert len(key_y) == 3 and max(key_y) < lowest_line_y  # the key row sits above every line
    marker = re.search(r'<line class="year-marker" x1="([\d.]+)"', svg)
    assert marker and float(marker.group(1)) == float(re.search(r'data-x1="([\d.]+)"', svg).group(1))


def test_headlines__one_per_year_only_one_shown():
    rows = load_trade(TRADE_PATH)
    html = trade_headlines_html(rows, shown_year=2024)
    paragraphs = re.findall(r'<p class="trade-headline" data-year="(\d+)"( hidden)?>', html)
    assert [int(y) for y, _ in paragraphs] == [r["year"] for r in rows]
    assert [y for y, hidden in paragraphs if not hidden] == ["2024"]
    assert "<b>2024</b>: bilateral trade US$ 244.8 bn" in html and "<b>2025</b>: bilateral trade US$ 228.1 bn" in html


def test_headlines__change_on_the_year_before_it_names():
    """Oracle: geo/data/trade.csv by hand: Russia → China (China's imports) 2020 57.18, 2021 79.3,
    2022 114.15, 2024 129.32, 2025 124.8 US$ bn."""
    rows = load_trade(TRADE_PATH)
    html = trade_headlines_html(rows, shown_year=2025)
    by_year = dict(re.findall(r'data-year="(\d+)"[^>]*>(.*?)</p>', html))
    assert "Russia → China US$ 114.2 bn (+43.9\u00a0% on 2021);" in by_year["2022"]  # 114.15 / 79.3 = 1.4395
    assert "Russia → China US$ 79.3 bn (+38.7\u00a0% on 2020);" in by_year["2021"]  # 79.3 / 57.18 = 1.3868
    assert "Russia → China US$ 124.8 bn (-3.5\u00a0% on 2024);" in by_year["2025"]  # 124.8 / 129.32 = 0.9650
    assert "Russia → China US$ 39.6 bn;" in by_year["2013"]  # the first year: nothing before it
    assert "% on 2021" not in by_year["2021"]  # no year is compared with itself


def test_headlines__a_gap_compares_with_the_year_the_table_has():
    rows = [r for r in load_trade(TRADE_PATH) if r["year"] in (2019, 2021)]  # 2020 left out
    html = trade_headlines_html(rows, shown_year=2021)
    assert "Russia → China US$ 79.3 bn (+29.9\u00a0% on 2019);" in html  # 79.3 / 61.05 = 1.2989


def test_trade_layers__slider_kept_clear_and_no_data_years_named():
    line = np.array([[100.0, 50.0], [110.0, 45.0]])
    layers, control = _trade_layers([("Flow", line, "pos1_gas_bcm", 38.0), ("Capacity only", line, None, 30.0)])
    m = folium.Map()
    for layer in layers:
        layer.add_to(m)
    control.add_to(m)
    html = m.get_root().render()
    assert "div.setAttribute('data-pos2-keep-clear', '')" in html  # the first view keeps clear of it while hidden
    assert "map.getSize().x < 600 ? 'bottomleft' : 'topleft'" in html  # on a phone, away from the lines' northern ends
    assert "'no data for ' + year" in html and "drawn at its capacity" in html
    assert '"flows":null,"capacity":30.0' in html.replace(" ", "")  # the capacity-only line has no year to follow
    assert "max-height: calc(33vh - 100px)" in html  # the chart shrinks to the panel
