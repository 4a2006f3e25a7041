"""Tests for geo.countries and the shipped Natural Earth extract."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
import shapely
from pyproj import Geod

import make_maps
from geo.countries import NO_COUNTRY, OUTSIDE, build_country_index, load_countries, load_source_record
from geo.errors import RouteDataError
from tests.conftest import DATA_DIR

MONGOLIA_AREA_KM2 = 1_564_116  # official area of Mongolia


def test_source_record_matches_shipped_files():
    record = load_source_record(DATA_DIR / "countries.source.json")
    assert record["version"].startswith("5.")
    assert "Natural Earth" in record["attribution"]
    for name, digest in record["output_sha256"].items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name


def test_mongolia_area_within_0_1_percent(countries):
    mongolia = countries.set_index("iso3").loc["MNG"].geometry
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(mongolia))
    assert abs(area_m2 / 1e6 / MONGOLIA_AREA_KM2 - 1) < 0.001


def test_baikonur_is_folded_into_kazakhstan(countries):
    assert "KAB" not in set(countries["iso3"])
    baikonur = shapely.Point(63.32, 45.62)
    assert countries.set_index("iso3").loc["KAZ"].geometry.contains(baikonur)


@pytest.mark.parametrize("name", ["countries.geojson", "countries_display.geojson", "countries_overview.geojson"])
def test_boundaries_form_a_valid_coverage(name):
    frame = load_countries(DATA_DIR / name)
    assert frame.geometry.is_valid.all()
    assert frame["iso3"].is_unique
    assert bool(shapely.coverage_is_valid(frame.geometry.values))


def test_display_copy_is_lighter_but_close(countries):
    display = load_countries(DATA_DIR / "countries_display.geojson")
    full_vertices = shapely.get_num_coordinates(countries.geometry.values).sum()
    display_vertices = shapely.get_num_coordinates(display.geometry.values).sum()
    assert display_vertices < 0.5 * full_vertices
    full_mng = countries.set_index("iso3").loc["MNG"].geometry
    display_mng = display.set_index("iso3").loc["MNG"].geometry
    assert shapely.hausdorff_distance(full_mng, display_mng) < 0.05  # degrees, about 3-5 km


def test_geojson_has_no_crs_member_and_5_decimals():
    text = (DATA_DIR / "countries.geojson").read_text()
    assert "crs" not in json.loads(text)
    decimals = {len(m) for m in re.findall(r"\d\.(\d+)", text)}
    assert max(decimals) <= 5


def test_country_of__known_cities(country_index):
    # town centres far (>20 km) from any border
    cities = {"RUS": (104.28, 52.29), "MNG": (106.92, 47.92), "CHN": (116.41, 39.90), "KAZ": (76.90, 43.35)}
    found = country_index.country_of(np.array([shapely.Point(*p) for p in cities.values()]))
    assert list(found) == list(cities)
    assert country_index.country_of(np.array([shapely.Point(73.2, 68.0)]))[0] == NO_COUNTRY  # Gulf of Ob


def test_build_country_index__rejects_projected(countries):
    with pytest.raises(RouteDataError, match="must be in EPSG:4326"):
        build_country_index(countries.to_crs(3857))


def test_load_countries__bad_file(write):
    with pytest.raises(RouteDataError, match=r"bad\.geojson: cannot read country boundaries"):
        load_countries(write("bad.geojson", "{"))


def test_country_index__box_is_the_build_record(countries):
    # Oracle: the box tools/build_countries.py clipped to, as its build record says.
    # Built as make_maps builds it (no box given: the bounds of the shipped extract).
    record = json.loads((DATA_DIR / "countries.source.json").read_text(encoding="utf-8"))
    index = build_country_index(load_countries(make_maps.COUNTRIES_PATH))
    assert index.box_lonlat == tuple(record["box_lonlat"]) == (46.0, 30.0, 146.0, 74.0)
    assert build_country_index(countries, box_lonlat=record["box_lonlat"]).box_lonlat == index.box_lonlat


@pytest.mark.parametrize(
    ("lonlat", "expected"),
    [
        ((150.0, 60.0), OUTSIDE),  # Sea of Okhotsk east of 146 E
        ((100.0, 77.0), OUTSIDE),  # Taymyr, north of 74 N: land, but not in the extract
        ((45.0, 50.0), OUTSIDE),  # west of 46 E (Volga, Russia)
        ((100.0, 25.0), OUTSIDE),  # south of 30 N (Yunnan, China)
        ((123.0, 35.5), NO_COUNTRY),  # Yellow Sea, inside the box
        ((137.0, 40.0), NO_COUNTRY),  # Sea of Japan
        ((51.0, 42.0), NO_COUNTRY),  # Caspian Sea, not part of any admin-0 polygon
        ((102.83, 47.20), "MNG"),  # Kharkhorin, central Mongolia
        ((114.53, 48.07), "MNG"),  # Choibalsan, eastern Mongolia
        ((108.0, 53.5), "RUS"),  # Lake Baikal: admin-0 polygons do not cut lakes out (only the Caspian)
    ],
)
def test_country_of__outside_sea_and_land(country_index, lonlat, expected):
    assert country_index.country_of(np.array([shapely.Point(*lonlat)]))[0] == expected


def test_country_of__box_edges_are_inside(country_index):
    # The box is closed: points on its edges are known (a country or water), just beyond it not.
    west, south, east, north = country_index.box_lonlat
    on_edges = [(west, 50.0), (east, 60.0), (100.0, south), (100.0, north)]
    beyond = [(west - 1e-9, 50.0), (east + 1e-9, 60.0), (100.0, south - 1e-9), (100.0, north + 1e-9)]
    found = country_index.country_of(np.array([shapely.Point(p) for p in on_edges + beyond]))
    assert OUTSIDE not in found[:4]
    assert list(found[4:]) == [OUTSIDE] * 4


def test_country_of__a_wider_box(countries):
    # A box wider than the polygons: beyond the land, inside the box, is water ("none").
    index = build_country_index(countries, box_lonlat=(40.0, 25.0, 150.0, 80.0))
    found = index.country_of(np.array([shapely.Point(148.0, 60.0), shapely.Point(151.0, 60.0), shapely.Point(102.83, 47.20)]))
    assert list(found) == [NO_COUNTRY, OUTSIDE, "MNG"]


def test_country_of__a_narrower_box(countries):
    # Docstring of country_of: OUTSIDE "for points outside box_lonlat". With an
    # explicit box, a point in Mongolia east of it is outside, not Mongolian.
    index = build_country_index(countries, box_lonlat=(46.0, 30.0, 110.0, 74.0))
    found = index.country_of(np.array([shapely.Point(102.83, 47.20), shapely.Point(114.53, 48.07)]))
    assert list(found) == ["MNG", OUTSIDE]
