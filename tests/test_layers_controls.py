"""Tests for layers.controls: panel, legend, download and attribution fragments."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.compare import comparison_csv, comparison_records
from layers.controls import (
    Attribution,
    GeoJsonDownload,
    LayerControl,
    comparison_panel,
    layer_swatch,
    legend,
    line_swatch,
    method_html,
    route_ends,
    short_name,
)
from layers.places import place_layers
from layers.routes import route_layer
from layers.trade import EnergyFlows, TradeFlows
from layers.style import km, route_colours
from tests.conftest import METHOD_NOTE as METHOD

NUMERIC_COLUMNS = ("km", "as built km (90 %)", "basis km", "new-build km", "published km", "ratio", "bcm/yr")


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


class _Table(HTMLParser):
    """The comparison table as header labels and rows of cells (attributes and text)."""

    def __init__(self) -> None:
        super().__init__()
        self.heads: list[dict] = []
        self.rows: list[dict] = []
        self._cell: dict | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and "route-row" in (attrs.get("class") or ""):
            self.rows.append({"attrs": attrs, "cells": []})
        elif tag in ("th", "td"):
            self._cell = {"attrs": attrs, "text": "", "swatch": None, "swatch_class": None}
            (self.heads if self._in_head else self.rows[-1]["cells"]).append(self._cell)
        elif tag == "span" and "swatch" in (attrs.get("class") or "").split() and self._cell is not None:
            self._cell["swatch"], self._cell["swatch_class"] = attrs["style"], attrs["class"]
        elif tag == "br" and self._cell is not None:
            self._cell["text"] += "\n"

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def _table(html: str) -> _Table:
    table = _Table()
    table.feed(html)
    return table


def _column(table: _Table, label: str) -> int:
    return [h["text"] for h in table.heads].index(label)


def test_comparison_panel__one_row_per_route(records):
    panel = comparison_panel(records, METHOD)
    assert panel.inner_html.count('<tr class="route-row" tabindex="0"') == len(records)
    table = _table(panel.inner_html)
    assert [r["attrs"]["data-route"] for r in table.rows] == [r["id"] for r in records]
    assert table.rows[0]["cells"][_column(table, "km")]["text"] == km(records[0]["length_km"])
    assert "Download GeoJSON" in panel.inner_html and "Download CSV" not in panel.inner_html
    assert "Natural Earth v5.1.1" in panel.inner_html and "2026-01-01" in panel.inner_html
    assert panel.inner_html.startswith("<details>")  # collapsible, folded at first


def test_comparison_panel__swatch_per_row_in_the_route_colour(records):
    colours = {r["id"]: f"#{i:02x}{i:02x}{i:02x}" for i, r in enumerate(records)}
    table = _table(comparison_panel(records, METHOD, colours=colours).inner_html)
    name = _column(table, "Route")
    assert [row["cells"][name]["swatch"] for row in table.rows] == [f"background: {colours[r['id']]}" for r in records]
    assert [row["cells"][name]["text"] for row in table.rows] == [short_name(r["name"]) for r in records]
    assert [row["cells"][name]["attrs"]["title"] for row in table.rows] == [r["name"] for r in records]
    # Without colours: those the map gives the routes in this order.
    default = _table(comparison_panel(records, METHOD).inner_html)
    expected = route_colours([r["id"] for r in records])
    assert [row["cells"][name]["swatch"] for row in default.rows] == [f"background: {expected[r['id']]}" for r in records]


def test_comparison_panel__a_suggestion_swatch_is_a_thin_line_in_its_option_colour(records):
    """Oracle: the palette in catalog order (Paul Tol's muted: rose first, then indigo) and the brief's thin line."""
    suggestion = {**records[0], "id": "s", "kind": "suggested", "option": records[1]["id"]}
    orphan = {**records[0], "id": "o", "kind": "suggested", "option": None}
    rows = [*records[:3], suggestion, orphan]
    table = _table(comparison_panel(rows, METHOD).inner_html)
    name = _column(table, "Route")
    cells = [row["cells"][name] for row in table.rows]
    assert [c["swatch_class"] for c in cells] == ["swatch", "swatch", "swatch", "swatch thin", "swatch thin"]
    assert cells[3]["swatch"] == "background: #332288"  # records[1]'s colour: the second of the palette
    assert cells[4]["swatch"] == "background: #88CCEE"  # no option: its own, the fifth (cyan)
    m = folium.Map()
    comparison_panel(rows, METHOD).add_to(m)
    assert ".pos2-comparison .swatch.thin { width: 12px; height: 2px;" in m.get_root().render()


def test_comparison_panel__from_to(records):
    basis = {"from": "nadym-pur-taz", "to": "beijing", "from_name": "Nadym-Pur-Taz fields", "to_name": "Beijing",
             "km": 4500.0, "new_build_km": 4000.0}  # fmt: skip
    unnamed_line = {**records[0], "id": "s", "start": "start", "end": "end (vertex 140)", "basis": basis}
    unplaced = {**records[1], "id": "u", "start": "start", "end": "end (vertex 9)", "basis": None}
    with_basis = {**records[2], "basis": basis}  # named ends stay: every route has the same basis nodes
    named_file = {**records[3], "id": "f", "start": "Aganskaya CS (approx)", "end": "Beijing", "basis": basis}
    old_json = {**unnamed_line, "id": "o", "basis": {"from": "nadym-pur-taz", "to": "beijing", "km": 1.0, "new_build_km": 1.0}}
    rows = [records[0], unnamed_line, unplaced, with_basis, named_file, old_json]
    html = comparison_panel(rows, METHOD).inner_html
    table = _table(html)
    ends = [row["cells"][_column(table, "from → to")]["attrs"]["title"] for row in table.rows]
    assert ends == [
        f"{records[0]['start']} → {records[0]['end']}",
        "Nadym-Pur-Taz fields → Beijing",  # a file's line without names: the basis nodes, by name
        "unnamed start → unnamed end",  # never "vertex 9"
        f"{records[2]['start']} → {records[2]['end']}",
        "Aganskaya CS (approx) → Beijing",  # the names the file gives its ends
        "nadym-pur-taz → beijing",  # a record written before the basis had names: its ids
    ]
    shown = [row["cells"][_column(table, "from → to")]["text"] for row in table.rows]
    assert shown[0] == f"{short_name(records[0]['start'])} → {short_name(records[0]['end'])}"
    assert shown[1:3] == ["Nadym-Pur-Taz fields → Beijing", "unnamed start → unnamed end"]
    assert shown[4] == "Aganskaya CS → Beijing"  # short; the title has it whole
    assert records[0]["start"] != records[0]["end"] and records[0]["start"] != "start"
    assert route_ends(unnamed_line) == ("Nadym-Pur-Taz fields", "Beijing")
    assert route_ends(unnamed_line, basis=False, unnamed=("", "")) == ("", "")
    assert route_ends({**unplaced, "start": "Kosh-Agach"}) == ("Kosh-Agach", "unnamed end")  # each end on its own
    assert "vertex" not in html


def test_comparison_panel__data_sort_holds_the_record_numbers(records):
    band = {"estimate": 5651.5, "low": 5303.3, "high": 6022.4, "coverage": 0.9}
    rows = [
        {**records[0], "as_built_km": band, "basis": {"km": 4492.564, "new_build_km": 4026.562, "from": "a", "to": "b"}},
        *records[1:],
    ]
    table = _table(comparison_panel(rows, METHOD).inner_html)
    for label in NUMERIC_COLUMNS:
        assert table.heads[_column(table, label)]["attrs"]["data-type"] == "num"
    assert table.heads[_column(table, "Route")]["attrs"]["data-type"] == "text"
    assert "data-type" not in table.heads[_column(table, "km by country")]["attrs"]  # not sortable
    values = {
        "km": lambda r: r["length_km"],
        "as built km (90 %)": lambda r: (r.get("as_built_km") or {}).get("estimate"),
        "basis km": lambda r: (r.get("basis") or {}).get("km"),
        "new-build km": lambda r: (r.get("basis") or {}).get("new_build_km"),
        "published km": lambda r: r["published_length_km"],
        "ratio": lambda r: r["published_ratio"],
        "bcm/yr": lambda r: r["capacity_bcm"],
    }
    missing = 0
    for record, row in zip(rows, table.rows, strict=True):
        for label, value in values.items():
            cell = row["cells"][_column(table, label)]
            if value(record) is None:
                assert cell["attrs"]["data-sort"] == "" and cell["text"] == "-"
                missing += 1
            else:
                assert float(cell["attrs"]["data-sort"]) == value(record), (record["id"], label)
        assert row["cells"][_column(table, "Route")]["attrs"]["data-sort"] == record["name"]
    assert missing > 0  # the catalog has routes without published km or capacity
    first = table.rows[0]["cells"]
    assert first[_column(table, "as built km (90 %)")]["text"] == "about 5,652\n5,303–6,022"
    assert first[_column(table, "basis km")]["text"] == "4,492.6" and first[_column(table, "new-build km")]["text"] == "4,026.6"


def test_comparison_panel__basis_note(records):
    method = {**METHOD, "basis": {"from": "nadym-pur-taz", "to": "beijing", "from_name": "Nadym-Pur-Taz <fields>",
                                  "to_name": "Beijing", "name": "West <Siberia> to Beijing", "what": "basis km: ..."}}  # fmt: skip
    html = comparison_panel(records, method).inner_html
    assert "Basis: West &lt;Siberia&gt; to Beijing, from Nadym-Pur-Taz &lt;fields&gt; to Beijing. " in html
    assert "nadym-pur-taz" not in html


def test_comparison_panel__escapes_names(records):
    bad = {
        **records[0],
        "id": '"><img src=x>',
        "name": "<script>alert(1)</script>",
        "start": "<b>s</b>",
        "end": '" onmouseover="x',
    }
    html = comparison_panel([bad], METHOD, colours={bad["id"]: 'red"><script>'}).inner_html
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert '" onmouseover' not in html
    row = _table(html).rows[0]
    assert row["attrs"]["data-route"] == bad["id"]  # the parser unescapes: the attribute holds the id, whole
    assert row["cells"][0]["attrs"]["data-sort"] == bad["name"]
    assert row["cells"][1]["text"] == f"{bad['start']} → {bad['end']}"
    assert row["cells"][0]["attrs"]["title"] == bad["name"]


def test_jinja_in_data_is_not_evaluated(records):
    # branca parses rendered scripts again as Jinja templates.
    m = folium.Map()
    comparison_panel([{**records[0], "name": "{{ 7*7 }} {% if true %}x{% endif %}"}], METHOD).add_to(m)
    html = m.get_root().render()
    inner = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    assert "&#123;&#123; 7*7 &#125;&#125; &#123;% if true %&#125;x" in inner
    assert "49" not in inner


def _saved(html: str, buttons: str) -> str:
    """The file name that the download script for ``buttons`` saves (a file beside the page)."""
    match = re.search(re.escape(buttons) + r', ("(?:[^"\\]|\\.)*")\);', html)
    assert match, buttons
    return json.loads(match.group(1))


def test_comparison_panel__csv_download_saves_the_file_beside_the_page(records):
    panel = comparison_panel(records, METHOD, csv_file="comparison.csv", download=False)
    assert '<button type="button" class="download-csv">Download CSV</button>' in panel.inner_html
    assert "download-geojson" not in panel.inner_html
    m = folium.Map()
    panel.add_to(m)
    html = m.get_root().render()
    assert _saved(html, "div.querySelectorAll('button.download-csv')") == "comparison.csv"
    assert "link.download = filename;" in html and "link.href = encodeURIComponent(filename);" in html
    assert comparison_csv(records).splitlines()[0] not in html  # the CSV is not in the page


def test_comparison_panel__file_name_stays_a_json_string(records):
    m = folium.Map()
    comparison_panel(records, METHOD, csv_file="</script><script>alert(1)</script> {{ 7*7 }}.csv").add_to(m)
    html = m.get_root().render()
    assert "</script><script>alert" not in html
    # read back whole: not evaluated as a template (no 49), not cut by the script's end
    assert _saved(html, "div.querySelectorAll('button.download-csv')") == "</script><script>alert(1)</script> {{ 7*7 }}.csv"


def test_comparison_panel__table_script(records):
    m = folium.Map()
    comparison_panel(records, METHOD).add_to(m)
    html = m.get_root().render()
    assert "button.download-csv" not in html  # no CSV: no download script
    assert "function sortBy(th)" in html and "map.fitBounds(bounds" in html
    assert "matchMedia(\"(max-width: 600px)\")" in html  # closed on narrow screens
    assert "max-width: 33vw; max-height: 33vh" in html and "max-height: 40vh" in html


def test_geojson_download_saves_the_file_beside_the_page():
    m = folium.Map()
    GeoJsonDownload().add_to(m)
    GeoJsonDownload("other name.geojson").add_to(folium.Map())
    html = m.get_root().render()
    assert _saved(html, "document.querySelectorAll('button.download-geojson')") == "routes.geojson"
    assert "link.target = '_blank';" in html  # from file:// Chromium shows GeoJSON instead: not over the map


def test_controls_render_into_a_map(records):
    m = folium.Map()
    comparison_panel(records, METHOD).add_to(m)
    legend([("A <route>", "#CC6677", "option"), ("B", "#332288", "reference")]).add_to(m)
    GeoJsonDownload().add_to(m)
    Attribution(METHOD["attribution"]).add_to(m)
    html = m.get_root().render()
    assert "L.DomUtil.create('div', \"pos2-panel pos2-comparison leaflet-bar\")" in html
    assert 'stroke-dasharray=\\"10 7\\"' in html  # B is dashed
    assert "A &amp;lt;route&amp;gt;" in html or "A \\u0026lt;route\\u0026gt;" in html
    assert "addAttribution(\"Made with Natural Earth \\u0026lt;b\\u0026gt;\")" in html
    assert "document.querySelectorAll('button.download-geojson'), \"routes.geojson\");" in html


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)


def test_line_swatch__drawn_from_the_style():
    solid = _svg(line_swatch("#CC6677"))
    line = solid.find("line")
    assert solid.get("class") == "pos2-swatch" and solid.get("aria-hidden") == "true"
    assert (line.get("stroke"), line.get("stroke-width"), line.get("stroke-dasharray")) == ("#CC6677", "4", None)
    dashed = _svg(line_swatch("#332288", weight_px=2, dash="10 7", opacity=0.9)).find("line")
    assert (dashed.get("stroke-width"), dashed.get("stroke-dasharray"), dashed.get("stroke-opacity")) == ("2", "10 7", "0.9")
    assert _svg(line_swatch("#000000", weight_px=500)).find("line").get("stroke-width") == "10"  # a sample, not a wall


@pytest.mark.parametrize("colour", ["red", "#12345", '#CC6677" onload="alert(1)', "<b>", None])
def test_line_swatch__anything_but_a_hex_colour_is_refused(colour):
    with pytest.raises(ValueError, match="#rrggbb"):
        line_swatch(colour)


def test_line_swatch__a_dash_is_numbers_only():
    with pytest.raises(ValueError, match="dash pattern"):
        line_swatch("#CC6677", dash='4" onload="x')


def test_layer_swatch__routes_as_drawn_places_as_shapes_trade_in_its_colours(records, measured_catalog):
    by_kind = {}
    for record, row in zip(records, measured_catalog.itertuples(), strict=True):
        by_kind.setdefault(record["kind"], (record, row))
    option, option_row = by_kind["option"]
    drawn = _svg(layer_swatch(route_layer(option, option_row.geometry, option_row.km_posts, colour="#117733"))).find("line")
    assert (drawn.get("stroke"), drawn.get("stroke-width"), drawn.get("stroke-dasharray")) == ("#117733", "4", None)
    reference, reference_row = by_kind["reference"]
    dashed = _svg(layer_swatch(route_layer(reference, reference_row.geometry, reference_row.km_posts, colour="#AA4499")))
    assert dashed.find("line").get("stroke-dasharray") == "10 7"
    thin = folium.FeatureGroup(name="thin")
    folium.PolyLine([[50, 100], [51, 101]], color="#88CCEE", weight=2).add_to(thin)
    assert _svg(layer_swatch(thin)).find("line").get("stroke-width") == "2"
    places = gpd.GeoDataFrame(
        {"category": ["gas_field", "city"], "name": ["A", "B"], "description": ["", ""], "countries": [["RUS"], ["CHN"]],
         "coord_conf": ["high", "high"], "source": ["s", "s"]},
        geometry=[shapely.Point(70, 66), shapely.Point(116, 40)], crs="EPSG:4326",
    )  # fmt: skip
    gas, city = (_svg(layer_swatch(layer)).find(".//polygon") for layer in place_layers(places))
    assert (gas.get("fill"), len(gas.get("points").split())) == ("#3d3d3d", 3)  # a grey triangle
    assert (city.get("fill"), len(city.get("points").split())) == ("#ffffff", 4)
    arc = np.array([[90.0, 55.0], [110.0, 45.0]])
    flows = folium.FeatureGroup(name="flows")
    TradeFlows({"ru_cn": arc, "cn_ru": arc[::-1]}, [], "").add_to(flows)
    assert [line.get("stroke") for line in _svg(layer_swatch(flows)).iter("line")] == ["#CC3311", "#0077BB"]
    energy = folium.FeatureGroup(name="energy")
    EnergyFlows([]).add_to(energy)
    assert _svg(layer_swatch(energy)).find("line").get("stroke") == "#009988"
    assert layer_swatch(folium.FeatureGroup(name="empty")) == ""


def test_layer_swatch__never_reads_the_layer_name_or_tooltips(records, measured_catalog):
    record = {**records[0], "name": "<img src=x onerror=alert(1)> #ABCDEF"}
    row = measured_catalog.iloc[0]
    swatch = layer_swatch(route_layer(record, row.geometry, row["km_posts"], colour="#CC6677"))
    assert "img" not in swatch and "ABCDEF" not in swatch and "alert" not in swatch


def test_layer_control__labels_are_swatch_then_escaped_name(records, measured_catalog):
    m = folium.Map()
    row = measured_catalog.iloc[1]
    record = {**records[1], "name": "Route <b>&</b>"}
    route_layer(record, row.geometry, row["km_posts"], colour="#332288").add_to(m)
    LayerControl(collapsed=False).add_to(m)
    html = m.get_root().render()
    keys = [json.loads(k) for k in re.findall(r'^\s*("(?:[^"\\]|\\.)*"): feature_group_\w+,$', html, re.M)]
    assert len(keys) == 1 and keys[0].endswith("</svg>Route &lt;b&gt;&amp;&lt;/b&gt;")
    assert 'stroke="#332288"' in keys[0]


def _legend_lines(html: str) -> list[dict]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', line)) for line in re.findall(r"<line ([^>]*)/>", html)]


def test_legend__samples_drawn_as_the_map_draws_each_kind():
    """The brief: options solid 4 px, references dashed, suggestions thin (2 px), solid and a bit transparent."""
    html = legend([("A", "#CC6677", "option"), ("B", "#332288", "reference"), ("C", "#CC6677", "suggested")]).inner_html
    option, reference, suggested = _legend_lines(html)
    assert (option["stroke"], option["stroke-width"], option.get("stroke-dasharray")) == ("#CC6677", "4", None)
    assert (reference["stroke"], reference["stroke-width"], reference.get("stroke-dasharray")) == ("#332288", "4", "10 7")
    assert (suggested["stroke"], suggested["stroke-width"], suggested.get("stroke-dasharray")) == ("#CC6677", "2", None)
    assert 0.5 <= float(suggested["stroke-opacity"]) < 1
    with pytest.raises(ValueError, match="unknown line style True; use one of option, reference, suggested"):
        legend([("A", "#CC6677", True)])


def test_short_name():
    assert short_name("Power of Siberia 2 via Mongolia (Soyuz Vostok)") == "Power of Siberia 2 via Mongolia"
    assert short_name("Central Asia-China gas pipeline (Lines A/B/C)") == "Central Asia-China gas pipeline"
    assert short_name("All-Russian route to Zabaikalsk") == "All-Russian route to Zabaikalsk"
    assert short_name(" (odd)") == " (odd)"  # nothing before the bracket: the name as it is


def test_legend__short_names_full_on_hover_closed_when_narrow():
    control = legend([("Altai route (Power of Siberia West) into <Xinjiang>", "#CC6677", "option")])
    html = control.inner_html
    assert '<span class="name">Altai route</span>' in html
    assert 'title="Altai route (Power of Siberia West) into &lt;Xinjiang&gt;"' in html
    assert control.closed_when_narrow == "details"


def test_legend__extra_lines_follow_their_layers():
    control = legend([("A", "#CC6677", "option")], extra_html="<div>trade: 50 US$ bn</div>")
    assert '<div class="legend-extra"><div>trade: 50 US$ bn</div></div>' in control.inner_html
    m = folium.Map()
    control.add_to(m)
    html = m.get_root().render()
    assert 'wanted = ["trade-flow","energy-flow"]' in html and "map.on('layeradd layerremove'" in html
    assert "legend-extra" not in legend([("A", "#CC6677", "option")]).inner_html


def test_method_html__says_web_mercator_and_geodesic_km():
    note = method_html(METHOD)
    assert "The map is Web Mercator" in note
    assert "the authoritative km are the geodesic ones in the route popups" in note
    assert "geodesic on the WGS84 ellipsoid" in note  # the note's own lengths line


def test_panel_css__profile_room_kept_at_the_image_ratio():
    import io

    import numpy as np
    from PIL import Image

    from layers.controls import _PANEL_CSS
    from layers.profile import profile_png

    profile = {"distance_m": np.linspace(0, 1_000_000, 11), "height_m": np.linspace(100, 600, 11)}
    record = {"name": "A", "border_crossings": [], "countries": {"RUS": 1000}}
    width, height = Image.open(io.BytesIO(profile_png(profile, record, colour="#CC6677"))).size  # the image as built
    assert f".pos2-panel img.profile {{ aspect-ratio: {width} / {height}; height: auto; }}" in _PANEL_CSS
