"""Hostile text in every data field reaches the pages only inside JSON strings.

Every text field of a route record, of the method note and of the trade
tables carries a payload that breaks a JavaScript string or template literal
(backslash escapes, a backtick with ``${...}``, ``</script>``, quotes,
U+2028) or a Jinja template (``{{ 7*7 }}``). Each field's payload starts with
its own marker ``ZQnnn``; the rendered pages are cut into their scripts and
the scripts into JavaScript tokens, and every marker must sit inside a
double-quoted string literal that ``json.loads`` reads, followed there by the
whole payload, HTML-escaped by :func:`layers.style.text` -- nowhere raw, in
code, in a template literal or in the page's HTML outside the scripts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import folium
import numpy as np
import pytest

from geo.catalog import load_places
from geo.compare import comparison_records
from geo.countries import load_countries
from geo.geodesic import offset_geodesic
from geo.trade import load_energy, load_trade, trade_summary
from layers.countries import encode_countries
from layers.encoding import script_json, template_json
from layers.maps import index_map, route_map, trade_map
from layers.page import render_html
from layers.popups import Popup, Tooltip
from layers.routes import route_layer
from layers.style import text
from layers.trade import ends_lonlat, trade_layers
from make_maps import ENERGY_PATH, TRADE_PATH, TRADE_PLACES_PATH
from tests.conftest import DATA_DIR, METHOD_NOTE

PAYLOADS = [
    r"\x3cimg src=x onerror=alert(1)\x3e",
    r"\u003cimg src=x onerror=alert(1)\u003e",
    "</script><script>alert(1)</script>",
    r"C:\users\x",
    "`${alert(1)}`",
    "{{ 7*7 }}",
    "a\u2028b\u2029c",
    "'",
    '"',
    "trailing backslash \\",
]
MARKER = re.compile(r"ZQ\d{3}")
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
_QUOTES = {'"': "double", "'": "single", "`": "template"}


class Marked:
    """Gives each data field its own marker in front of the payload, and remembers it."""

    def __init__(self, payload: str) -> None:
        self.payload = payload
        self.values: dict[str, str] = {}

    def __call__(self) -> str:
        marker = f"ZQ{len(self.values):03d}"
        self.values[marker] = f"{marker} {self.payload}"
        return self.values[marker]

    def strings(self, value: Any) -> Any:
        """Copy ``value`` with every string in it replaced by a new payload."""
        if isinstance(value, str):
            return self()
        if isinstance(value, list):
            return [self.strings(item) for item in value]
        if isinstance(value, dict):
            return {key: self.strings(item) for key, item in value.items()}
        return value


def js_tokens(source: str) -> Iterator[tuple[str, str]]:
    """Cut a script into ``(kind, text)``: code, double, single, template, comment.

    Enough JavaScript for the scripts of these pages (no regular expression
    literals); a string literal left open or running over a line end fails.
    """
    i = start = 0
    while i < len(source):
        char = source[i]
        if char in _QUOTES:
            yield "code", source[start:i]
            j = i + 1
            while j < len(source) and source[j] != char:
                assert char == "`" or source[j] not in "\n\r\u2028\u2029", f"line end in a string: {source[i:j + 1]!r}"
                j += 2 if source[j] == "\\" else 1
            assert j < len(source), f"string left open: {source[i:i + 80]!r}"
            yield _QUOTES[char], source[i : j + 1]
            i = start = j + 1
        elif source.startswith(("//", "/*"), i):
            yield "code", source[start:i]
            end = source.find("\n" if source[i + 1] == "/" else "*/", i + 2)
            end = len(source) if end < 0 else end + (0 if source[i + 1] == "/" else 2)
            yield "comment", source[i:end]
            i = start = end
        else:
            i += 1
    yield "code", source[start:]


def assert_data_only_in_json_strings(html: str, values: dict[str, str]) -> dict[str, list[str]]:
    """Check every marker of ``values`` in a page; return the JSON strings holding each one."""
    assert "\u2028" not in html and "\u2029" not in html
    assert not MARKER.search(_SCRIPT.sub("", html)), "data in the page's HTML outside the scripts"
    holders: dict[str, list[str]] = {}
    for script in _SCRIPT.findall(html):
        for kind, token in js_tokens(script):
            if not MARKER.search(token):
                continue
            assert kind == "double", f"data in {kind}: {token[:300]!r}"
            decoded = json.loads(token)
            for match in MARKER.finditer(decoded):
                marker = match.group(0)
                escaped = text(values[marker])
                as_class = re.fullmatch(r"route route-[A-Za-z0-9_-]+", decoded)  # the route id, made a CSS class
                assert decoded.startswith(escaped, match.start()) or as_class, (escaped, decoded[match.start() :][:200])
                holders.setdefault(marker, []).append(decoded)
    return holders


@pytest.fixture(scope="module")
def display():
    return encode_countries(load_countries(DATA_DIR / "countries_display.geojson"))


@pytest.fixture(scope="module")
def trade_inputs():
    places = load_places(TRADE_PLACES_PATH)
    ru, cn = ends_lonlat(places)
    arcs = {"ru_cn": offset_geodesic(ru, cn, offset_m=1e5), "cn_ru": offset_geodesic(cn, ru, offset_m=1e5)}
    return load_trade(TRADE_PATH), load_energy(ENERGY_PATH), places, arcs


@pytest.fixture(scope="module")
def catalog_record(catalog, measured_catalog):
    return comparison_records(catalog.iloc[:1], measured_catalog.iloc[:1])[0]


@pytest.fixture(params=PAYLOADS, ids=lambda p: ascii(p)[1:-1][:24])
def hostile(request, catalog_record, measured_catalog, trade_inputs):
    """A route record, method note and trade tables with a payload in every text field."""
    marked = Marked(request.param)
    record = {**marked.strings(catalog_record), "kind": catalog_record["kind"]}
    record["countries"] = {marked(): value for value in catalog_record["countries"].values()}
    method = marked.strings(METHOD_NOTE)
    trade, energy, places, arcs = trade_inputs
    trade = [{**row, "confidence": marked(), "source": marked()} for row in trade]
    pipeline = (record["name"], np.asarray(measured_catalog.geometry.iloc[0].coords), "pos1_gas_bcm", 38.0)
    return {
        "marked": marked,
        "record": record,
        "method": method,
        "trade": trade,
        "overlay": lambda: trade_layers(trade, energy, places, [pipeline], arcs),  # a new one per map
    }


def _markers(*values: str) -> set[str]:
    return {MARKER.match(value).group(0) for value in values}


def _shown(record: dict, method: dict) -> set[str]:
    """Markers of the fields a route's popup, tooltip, panel and attribution show."""
    segment, crossing = record["segments"][0], record["border_crossings"][0]
    return _markers(
        record["id"], record["name"], record["status"], record["confidence"], record["start"], record["end"],
        segment["name"], segment["source"], crossing["from"], crossing["to"], *record["countries"],
        method["lengths"], method["boundaries"], method["build_date"], method["attribution"],
    )  # fmt: skip


def test_hostile__every_text_field_carries_the_payload(hostile):
    marked, record = hostile["marked"], hostile["record"]
    assert record["kind"] == "option"
    assert len(_shown(record, hostile["method"])) == 14 + len(record["countries"])  # one marker a field
    for marker, value in marked.values.items():
        assert value == f"{marker} {marked.payload}"


def test_index_map__data_only_in_json_strings(hostile, measured_catalog, display):
    record, method = hostile["record"], hostile["method"]
    m = index_map(
        [record], measured_catalog.iloc[:1], countries=display, places=None, method=method,
        geojson_file="routes.geojson", csv_file="comparison.csv", tiles=True, trade=hostile["overlay"](),
    )  # fmt: skip
    holders = assert_data_only_in_json_strings(render_html(m), hostile["marked"].values)
    assert _shown(record, method) | _markers(*(r["source"] for r in hostile["trade"])) <= set(holders)
    name = holders[MARKER.match(record["name"]).group(0)]
    assert any(s.startswith(f"<b>{text(record['name'])}</b>") for s in name), "the line's tooltip"
    assert any(s.startswith('<div class="route-popup"') for s in name), "the line's popup"
    assert any(s.startswith('<svg class="pos2-swatch"') and s.endswith("</svg>" + text(record["name"])) for s in name), (
        "the layer control's label: a swatch, then the escaped name"
    )


def test_route_map__data_only_in_json_strings(hostile, measured_catalog, display):
    marked, record, method = hostile["marked"], hostile["record"], hostile["method"]
    row = measured_catalog.iloc[0]
    image = marked()
    m = route_map(record, row.geometry, row["km_posts"], colour="#332288", countries=display, method=method,
                  tiles=True, profile_image=image)  # fmt: skip
    holders = assert_data_only_in_json_strings(render_html(m), marked.values)
    assert _shown(record, method) | _markers(image) <= set(holders)
    assert any(f'src="{text(image)}"' in s for s in holders[MARKER.match(image).group(0)])
    name = holders[MARKER.match(record["name"]).group(0)]
    assert any(s.startswith('<svg class="pos2-swatch"') and s.endswith("</svg>" + text(record["name"])) for s in name), (
        "the layer control's label: a swatch, then the escaped name"
    )


def test_trade_map__data_only_in_json_strings(hostile, display):
    trade, method = hostile["trade"], hostile["method"]
    summary = trade_summary(trade)
    m = trade_map(hostile["overlay"](), trade, summary, bounds_latlon=[[40.0, 100.0], [55.0, 120.0]],
                  countries=display, method=method, tiles=True)  # fmt: skip
    holders = assert_data_only_in_json_strings(render_html(m), hostile["marked"].values)
    energy_line = hostile["record"]["name"]
    assert _markers(summary["source"], summary["confidence"], energy_line, method["attribution"]) <= set(holders)


def test_route_layer__tooltip_and_popup_are_json_string_arguments(hostile, measured_catalog):
    marked, record = hostile["marked"], hostile["record"]
    m = folium.Map()
    row = measured_catalog.iloc[0]
    route_layer(record, row.geometry, row["km_posts"], colour="#CC6677").add_to(m)
    html = m.get_root().render()
    assert_data_only_in_json_strings(html, marked.values)
    # The HTML is the first argument of bindTooltip / bindPopup, one JSON string.
    tooltip = re.search(r'\.bindTooltip\(("(?:[^"\\]|\\.)*"), (\{.*?\})\);', html)
    popup = re.search(r'\.bindPopup\(("(?:[^"\\]|\\.)*"), (\{.*?\})\);', html)
    assert json.loads(tooltip.group(2)) == {"sticky": True}
    assert json.loads(popup.group(2)) == {"maxWidth": 420}
    assert text(record["name"]) in json.loads(tooltip.group(1))
    assert f"<h4>{text(record['name'])}</h4>" in json.loads(popup.group(1))
    assert "$(`" not in html and "L.popup(" not in html  # folium's template-literal popup is gone


@pytest.mark.parametrize("element", [Tooltip, Popup])
def test_popups__html_is_one_json_string(element):
    m = folium.Map()
    line = folium.PolyLine([[50.0, 100.0], [51.0, 101.0]]).add_to(m)
    payload = "\\x3c`${x}`</script>\u2028{{ 7*7 }}"
    element(payload).add_to(line)
    html = m.get_root().render()
    literal = script_json(payload)
    assert f"{line.get_name()}.{element.method}({literal}, " in html
    assert "</script>\u2028" not in html and "\u2028" not in html
    assert json.loads(literal) == payload


def test_script_json__escapes_what_closes_a_script_or_ends_a_line():
    value = "</script><!-- & ' \u2028 \u2029 \\ `${x}`"
    for encoded in (script_json(value), template_json(value)):
        assert not set(encoded) & set("<>&'\u2028\u2029")
        assert json.loads(encoded) == value
    assert "{" not in template_json("{{ 7*7 }}")
