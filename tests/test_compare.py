"""Tests for geo.compare: records and their text formats."""

from __future__ import annotations

import csv
import io
import json

import pytest

from geo.compare import comparison_records, format_comparison
from tests.conftest import CATALOG_IDS


@pytest.fixture(scope="module")
def records(catalog, measured_catalog):
    return comparison_records(catalog, measured_catalog)


def test_records__one_per_route_with_required_keys(records):
    assert [r["id"] for r in records] == CATALOG_IDS
    for r in records:
        assert {"id", "name", "length_km", "planar_length_km", "countries", "border_crossings",
                "published_length_km", "capacity_bcm"} <= set(r)  # fmt: skip
        assert sum(r["countries"].values()) == pytest.approx(r["length_km"], abs=0.01)


def test_records__soyuz_vostok_published_against_km_in_mongolia(records, measured_catalog, catalog):
    pos2 = next(r for r in records if r["id"] == "pos2-mongolia")
    mng_km = measured_catalog.set_index(catalog["id"]).loc["pos2-mongolia"]["country_m"]["MNG"] / 1000
    assert pos2["published_length_km"] == 962.9
    assert pos2["measured_segment_km"] == pytest.approx(mng_km, abs=0.001)
    assert pos2["published_ratio"] == pytest.approx(962.9 / mng_km, abs=1e-4)
    # The waypoint line is shorter than the pipeline (research: 5-30 %).
    assert 1.0 < pos2["published_ratio"] < 1.3


def test_records__waypoint_segment(records, measured_catalog, catalog):
    pos2 = next(r for r in records if r["id"] == "pos2-mongolia")
    segment = next(s for s in pos2["segments"] if s["published_km"] == 410.0)
    route = catalog.set_index("id").loc["pos2-mongolia"]
    names = [w["name"] for w in route["waypoints"]]
    along = measured_catalog.set_index(catalog["id"]).loc["pos2-mongolia"]["waypoint_m"]
    expected_km = (along[names.index("Vertikos compressor station (Tomsk obl.) - approx")]
                   - along[names.index("Aganskaya compressor station (KhMAO) - approx")]) / 1000
    assert segment["measured_km"] == pytest.approx(expected_km, abs=0.001)


def test_format_json__roundtrips(records):
    assert json.loads(format_comparison(records, "json")) == records


def test_format_csv__one_row_per_route(records):
    rows = list(csv.DictReader(io.StringIO(format_comparison(records, "csv"))))
    assert [row["id"] for row in rows] == CATALOG_IDS
    pos2 = rows[0]
    assert float(pos2["km_MNG"]) == records[0]["countries"]["MNG"]
    assert pos2["border_crossings"].startswith("RUS>MNG@")


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_format_text__one_line_per_route(records, fmt):
    lines = format_comparison(records, fmt).splitlines()
    assert len(lines) == len(records) + (2 if fmt == "markdown" else 1)
    assert any("pos2-mongolia" in line and "MNG" in line for line in lines)


def test_format__unknown():
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        format_comparison([], "xml")  # type: ignore[arg-type]
