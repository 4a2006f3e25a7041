"""Tests for layers.controls: panel, legend, download and attribution fragments."""

from __future__ import annotations

import base64
import gzip
import json
import re

import folium
import pytest

from geo.compare import comparison_records
from layers.controls import Attribution, GeoJsonDownload, comparison_panel, legend
from layers.style import km
from tests.conftest import METHOD_NOTE as METHOD



@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


def test_comparison_panel__one_row_per_route(records):
    panel = comparison_panel(records, METHOD)
    assert panel.inner_html.count('<tr class="route-row"') == len(records)
    assert f'<td class="num">{km(records[0]["length_km"])}</td>' in panel.inner_html
    assert "Download GeoJSON" in panel.inner_html
    assert "Natural Earth v5.1.1" in panel.inner_html and "2026-01-01" in panel.inner_html
    assert "<details>" in panel.inner_html  # collapsible, folded at first


def test_comparison_panel__escapes_names(records):
    bad = [{**records[0], "name": "<script>alert(1)</script>"}]
    assert "<script>" not in comparison_panel(bad, METHOD).inner_html


def test_jinja_in_data_is_not_evaluated(records):
    # branca parses rendered scripts again as Jinja templates.
    m = folium.Map()
    comparison_panel([{**records[0], "name": "{{ 7*7 }} {% if true %}x{% endif %}"}], METHOD).add_to(m)
    html = m.get_root().render()
    inner = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    assert "&#123;&#123; 7*7 &#125;&#125; &#123;% if true %&#125;x" in inner
    assert "49" not in inner


def test_download_is_gzipped_geojson():
    text = '{"type":"FeatureCollection","features":[]}'
    download = GeoJsonDownload(text)
    assert gzip.decompress(base64.b64decode(download.gzip_base64)).decode() == text


def test_controls_render_into_a_map(records):
    m = folium.Map()
    comparison_panel(records, METHOD).add_to(m)
    legend([("A <route>", "#CC6677", False), ("B", "#332288", True)]).add_to(m)
    GeoJsonDownload('{"type":"FeatureCollection","features":[]}').add_to(m)
    Attribution(METHOD["attribution"]).add_to(m)
    html = m.get_root().render()
    assert "L.DomUtil.create('div', \"pos2-panel leaflet-bar\")" in html
    assert 'stroke-dasharray=\\"10 7\\"' in html  # B is dashed
    assert "A &amp;lt;route&amp;gt;" in html or "A \\u0026lt;route\\u0026gt;" in html
    assert "addAttribution(\"Made with Natural Earth \\u0026lt;b\\u0026gt;\")" in html
    assert "new DecompressionStream('gzip')" in html


def test_comparison_panel__basis_and_as_built_columns(records):
    method = {**METHOD, "basis": {"from": "nadym-pur-taz", "to": "beijing", "name": "West <Siberia> to Beijing", "what": "basis km: ..."}}
    band = {"estimate": 5651.5, "low": 5303.3, "high": 6022.4, "coverage": 0.9}
    rows = [{**records[0], "as_built_km": band, "basis": {"km": 4492.564, "new_build_km": 4026.562}}, {**records[1], "basis": None}]
    html = comparison_panel(rows, method).inner_html
    assert "<th>as built km (90 %)</th><th>basis km</th><th>new-build km</th>" in html
    assert '<td class="num">about 5,652<br><small>5,303–6,022</small></td><td class="num">4,492.6</td><td class="num">4,026.6</td>' in html
    assert '<td class="num">-</td><td class="num">-</td><td class="num">-</td>' in html  # no estimate, no path
    assert "Basis: West &lt;Siberia&gt; to Beijing (nadym-pur-taz → beijing)" in html
