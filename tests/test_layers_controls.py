"""Tests for layers.controls: panel, legend, download and attribution fragments."""

from __future__ import annotations

import base64
import gzip
import json
import re
from html.parser import HTMLParser

import folium
import pytest

from geo.compare import comparison_csv, comparison_records
from layers.controls import (
    Attribution,
    GeoJsonDownload,
    comparison_panel,
    legend,
    method_html,
    route_ends,
    short_name,
)
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
            self._cell = {"attrs": attrs, "text": "", "swatch": None}
            (self.heads if self._in_head else self.rows[-1]["cells"]).append(self._cell)
        elif tag == "span" and attrs.get("class") == "swatch" and self._cell is not None:
            self._cell["swatch"] = attrs["style"]
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


def test_comparison_panel__from_to(records):
    basis = {"from": "nadym-pur-taz", "to": "beijing", "km": 4500.0, "new_build_km": 4000.0}
    suggested = {**records[0], "id": "s", "start": "start", "end": "end (vertex 140)", "basis": basis}
    unplaced = {**records[1], "id": "u", "start": "start", "end": "end (vertex 9)", "basis": None}
    with_basis = {**records[2], "basis": basis}  # named ends stay: every route has the same basis nodes
    rows = [records[0], suggested, unplaced, with_basis]
    table = _table(comparison_panel(rows, METHOD).inner_html)
    ends = [row["cells"][_column(table, "from → to")]["attrs"]["title"] for row in table.rows]
    assert ends == [
        f"{records[0]['start']} → {records[0]['end']}",
        "nadym-pur-taz → beijing",
        "start → end (vertex 9)",
        f"{records[2]['start']} → {records[2]['end']}",
    ]
    shown = [row["cells"][_column(table, "from → to")]["text"] for row in table.rows]
    assert shown[0] == f"{short_name(records[0]['start'])} → {short_name(records[0]['end'])}"
    assert shown[1:3] == ["nadym-pur-taz → beijing", "start → end"]  # short; the title has it whole
    assert records[0]["start"] != records[0]["end"] and records[0]["start"] != "start"
    assert route_ends(suggested) == ("nadym-pur-taz", "beijing")


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
    method = {**METHOD, "basis": {"from": "nadym-pur-taz", "to": "beijing", "name": "West <Siberia> to Beijing", "what": "basis km: ..."}}
    html = comparison_panel(records, method).inner_html
    assert "Basis: West &lt;Siberia&gt; to Beijing (nadym-pur-taz → beijing)" in html


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


def _embedded(html: str, buttons: str) -> tuple[str, str, str]:
    """The (text, filename, mime) that the download script for ``buttons`` saves."""
    match = re.search(re.escape(buttons) + r', ("[A-Za-z0-9+/=]*"), ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\);', html)
    assert match, buttons
    payload, filename, mime = (json.loads(g) for g in match.groups())
    return gzip.decompress(base64.b64decode(payload)).decode("utf-8"), filename, mime


def test_comparison_panel__csv_download_embeds_the_comparison_csv(records):
    csv_text = comparison_csv(records)
    panel = comparison_panel(records, METHOD, csv_text=csv_text, download=False)
    assert '<button type="button" class="download-csv">Download CSV</button>' in panel.inner_html
    assert "download-geojson" not in panel.inner_html
    m = folium.Map()
    panel.add_to(m)
    html = m.get_root().render()
    assert _embedded(html, "div.querySelectorAll('button.download-csv')") == (csv_text, "comparison.csv", "text/csv")


def test_comparison_panel__csv_with_hostile_text_stays_inside_base64(records):
    hostile = [{**records[0], "name": "</script><script>alert(1)</script> `${x}` {{ 7*7 }}"}]
    m = folium.Map()
    comparison_panel(hostile, METHOD, csv_text=comparison_csv(hostile)).add_to(m)
    html = m.get_root().render()
    assert "</script><script>alert" not in html and "{{ 7*7 }}" not in html
    assert _embedded(html, "div.querySelectorAll('button.download-csv')")[0] == comparison_csv(hostile)


def test_comparison_panel__table_script(records):
    m = folium.Map()
    comparison_panel(records, METHOD).add_to(m)
    html = m.get_root().render()
    assert "button.download-csv" not in html  # no CSV: no download script
    assert "function sortBy(th)" in html and "map.fitBounds(bounds" in html
    assert "matchMedia(\"(max-width: 600px)\")" in html  # closed on narrow screens
    assert "max-width: 33vw; max-height: 33vh" in html and "max-height: 40vh" in html


def test_download_is_gzipped_geojson():
    text = '{"type":"FeatureCollection","features":[]}'
    download = GeoJsonDownload(text)
    assert gzip.decompress(base64.b64decode(download.gzip_base64)).decode() == text
    m = folium.Map()
    download.add_to(m)
    html = m.get_root().render()
    assert _embedded(html, "document.querySelectorAll('button.download-geojson')") == (
        text, "routes.geojson", "application/geo+json"
    )


def test_controls_render_into_a_map(records):
    m = folium.Map()
    comparison_panel(records, METHOD).add_to(m)
    legend([("A <route>", "#CC6677", False), ("B", "#332288", True)]).add_to(m)
    GeoJsonDownload('{"type":"FeatureCollection","features":[]}').add_to(m)
    Attribution(METHOD["attribution"]).add_to(m)
    html = m.get_root().render()
    assert "L.DomUtil.create('div', \"pos2-panel pos2-comparison leaflet-bar\")" in html
    assert 'stroke-dasharray=\\"10 7\\"' in html  # B is dashed
    assert "A &amp;lt;route&amp;gt;" in html or "A \\u0026lt;route\\u0026gt;" in html
    assert "addAttribution(\"Made with Natural Earth \\u0026lt;b\\u0026gt;\")" in html
    assert "new DecompressionStream('gzip')" in html


def test_short_name():
    assert short_name("Power of Siberia 2 via Mongolia (Soyuz Vostok)") == "Power of Siberia 2 via Mongolia"
    assert short_name("Central Asia-China gas pipeline (Lines A/B/C)") == "Central Asia-China gas pipeline"
    assert short_name("All-Russian route to Zabaikalsk") == "All-Russian route to Zabaikalsk"
    assert short_name(" (odd)") == " (odd)"  # nothing before the bracket: the name as it is


def test_legend__short_names_full_on_hover_closed_when_narrow():
    control = legend([("Altai route (Power of Siberia West) into <Xinjiang>", "#CC6677", False)])
    html = control.inner_html
    assert '<span class="name">Altai route</span>' in html
    assert 'title="Altai route (Power of Siberia West) into &lt;Xinjiang&gt;"' in html
    assert control.closed_when_narrow == "details"


def test_legend__extra_lines_follow_their_layers():
    control = legend([("A", "#CC6677", False)], extra_html="<div>trade: 50 US$ bn</div>")
    assert '<div class="legend-extra"><div>trade: 50 US$ bn</div></div>' in control.inner_html
    m = folium.Map()
    control.add_to(m)
    html = m.get_root().render()
    assert 'wanted = ["trade-flow","energy-flow"]' in html and "map.on('layeradd layerremove'" in html
    assert "legend-extra" not in legend([("A", "#CC6677", False)]).inner_html


def test_method_html__says_web_mercator_and_geodesic_km():
    note = method_html(METHOD)
    assert "The map is Web Mercator" in note
    assert "the authoritative km are the geodesic ones in the route popups" in note
    assert "geodesic on the WGS84 ellipsoid" in note  # the note's own lengths line
