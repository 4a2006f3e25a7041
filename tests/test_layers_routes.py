"""Tests for layers.routes: fragments of the rendered route layer."""

from __future__ import annotations

import json
import re

import numpy as np

import folium
import pytest

from geo.compare import comparison_records
from layers.routes import route_layer, route_popup, route_tooltip
from layers.style import km
from tests.conftest import decode_polyline


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


def _render(record, measured_row):
    m = folium.Map()
    route_layer(record, measured_row.geometry, measured_row["km_posts"], colour="#CC6677").add_to(m)
    return m.get_root().render()


def test_route_layer__draws_the_densified_line(records, measured_catalog):
    html = _render(records[0], measured_catalog.iloc[0])
    encoded = json.loads(re.search(r'pos2Decode\(("(?:[^"\\]|\\.)*"), 5\)', html).group(1))
    drawn = decode_polyline(encoded, 5)
    measured = np.asarray(measured_catalog.geometry.iloc[0].coords)
    assert drawn.shape == measured.shape
    np.testing.assert_allclose(drawn, measured, atol=0.5e-5 + 1e-12)
    assert '"className":"route route-pos2-mongolia"' in html
    assert '"dashArray":null' in html.split("L.polyline(")[1].split(");")[0]  # options are solid


def _line_options(html):
    """The options object of every L.polyline call of a rendered page."""
    found = re.findall(r'L\.polyline\(\s*pos2Decode\("(?:[^"\\]|\\.)*", 5\),\s*(\{.*?\})\s*\)\.addTo', html, re.S)
    return [json.loads(options) for options in found]


def test_route_layer__references_are_dashed(records, measured_catalog):
    index = next(i for i, r in enumerate(records) if r["kind"] == "reference")
    assert '"dashArray":"10 7"' in _render(records[index], measured_catalog.iloc[index])
    [options] = _line_options(_render(records[index], measured_catalog.iloc[index]))
    assert (options["weight"], options["dashArray"]) == (4, "10 7")


def test_route_layer__options_solid_4px_suggestions_thin_solid_and_translucent(records, measured_catalog):
    """The brief: options solid 4 px, suggestions solid 2 px and a bit transparent, in the colour given."""
    [option] = _line_options(_render(records[0], measured_catalog.iloc[0]))
    suggestion = {**records[0], "id": "s-1", "kind": "suggested", "option": records[0]["id"]}
    [thin] = _line_options(_render(suggestion, measured_catalog.iloc[0]))
    assert (option["weight"], option["dashArray"], option["color"]) == (4, None, "#CC6677")
    assert (thin["weight"], thin["dashArray"], thin["color"]) == (2, None, "#CC6677")
    assert 0.5 <= thin["opacity"] < option["opacity"] <= 1
    assert thin["className"] == "route route-s-1"


def test_route_layer__line_carries_its_route_and_name_escaped(records, measured_catalog):
    record = {**records[0], "id": "a<b>&c", "name": "Line <img src=x> & co"}
    [options] = _line_options(_render(record, measured_catalog.iloc[0]))
    assert options["pos2Route"] == "a&lt;b&gt;&amp;c"  # what the popup's data-route holds
    assert options["pos2Name"] == "Line &lt;img src=x&gt; &amp; co"


def test_route_layer__crossings_and_posts(records, measured_catalog):
    html = _render(records[0], measured_catalog.iloc[0])
    assert "RUS → MNG at km 3,618.1" in html
    assert '"km 100"' in html and '"km 5,000"' in html


def test_tooltip_and_popup__same_numbers_as_compare(records):
    record = records[0]
    tooltip, popup = route_tooltip(record), route_popup(record)
    for iso, value in record["countries"].items():
        assert f"{iso} {km(value)}" in tooltip
        assert f"in {iso}</th><td>{km(value)} km" in popup
    assert f"{km(record['length_km'])} km" in tooltip and f"{km(record['length_km'])} km (geodesic" in popup
    assert "published 962.9 km" in popup


def test_popup__escapes_data(records):
    record = {**records[0], "name": "<img src=x onerror=alert(1)>", "status": "`${x}`"}
    popup = route_popup(record)
    assert "<img" not in popup and "&lt;img src=x onerror=alert(1)&gt;" in popup
    assert "`" not in popup and "${" not in popup


BAND = {"estimate": 5651.5, "low": 5303.3, "high": 6022.4, "coverage": 0.9}
BASIS = {"from": "nadym-pur-taz", "to": "beijing", "from_name": "Nadym-Pur-Taz fields", "to_name": "Beijing", "km": 4492.564, "new_build_km": 4026.562, "existing_km": 466.002,
         "countries": {}, "transit_km": 899.785, "border_crossings": 2, "legs": [],
         "as_built_km": {"estimate": 4996.7, "low": 4688.5, "high": 5323.9, "coverage": 0.9}}  # fmt: skip


def test_popup__as_built_and_basis(records):
    segment = {**records[0]["segments"][0], "as_built_km": {**BAND, "low": 911.3, "high": 1097.9}, "published_in_band": True}
    record = {**records[0], "as_built_km": BAND, "basis": BASIS, "segments": [segment]}
    popup = route_popup(record)
    assert "<th>As built</th><td>about 5,652 km (90 %: 5,303–6,022); measured 5,080 km</td>" in popup
    assert "4,492.6 km from Nadym-Pur-Taz fields to Beijing<br>new build 4,026.6 km · existing 466.0 km" in popup
    assert "· in transit countries 899.8 km<br>as built about 4,997 km (90 %: 4,688–5,324); measured 4,493 km" in popup
    assert "as built 911–1,098 km (90 %): published figure inside" in popup


def test_popup__ends_named_never_a_vertex(records):
    """A line read from a file: the names it gives its ends, else the basis nodes', else "unnamed"."""
    unnamed = {**records[0], "start": "start", "end": "end (vertex 140)"}
    on_basis = route_popup({**unnamed, "basis": BASIS})
    assert "<th>From</th><td>Nadym-Pur-Taz fields</td>" in on_basis and "<th>To</th><td>Beijing</td>" in on_basis
    named = route_popup({**records[0], "start": "Aganskaya CS (approx)", "end": "Beijing", "basis": BASIS})
    assert "<th>From</th><td>Aganskaya CS (approx)</td>" in named
    alone = route_popup({**unnamed, "basis": None, "basis_note": "no path"})
    assert "<th>From</th><td>unnamed start</td>" in alone and "<th>To</th><td>unnamed end</td>" in alone
    assert not any("vertex" in popup for popup in (on_basis, named, alone))


def test_popup__no_basis_says_why(records):
    record = {**records[0], "as_built_km": None, "basis": None, "basis_note": "no path on this basis: <b>x</b>"}
    popup = route_popup(record)
    assert "<th>On the basis</th><td>no path on this basis: &lt;b&gt;x&lt;/b&gt;</td>" in popup
    assert "<th>As built</th><td>-</td>" in popup
