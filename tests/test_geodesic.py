"""Tests for geo.geodesic: published geodesics and densification invariants."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import shapely

import geo.geodesic
from geo.geodesic import WGS84, densify, points_along_m, segment_lengths_m
from tests.conftest import EQUATOR_1DEG, meridian_arc_m


def _flat(*lines):
    coords, owner = shapely.get_coordinates(list(lines), return_index=True)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    return coords[:, 0], coords[:, 1], starts


def test_segment_lengths_m__equator_one_degree():
    lon, lat, starts = _flat(EQUATOR_1DEG)
    assert segment_lengths_m(lon, lat, starts)[0] == pytest.approx(111_319.4908, abs=1e-3)


@pytest.mark.parametrize(
    ("lat1", "lon1", "lat2", "lon2", "published_m"),
    [
        # GeographicLib documentation: Wellington, NZ to Salamanca, Spain.
        (-41.32, 174.81, 40.96, -5.50, 19_959_679.267),
        # A quarter meridian, equator to pole (WGS84, 10,001,965.729 m).
        (0.0, 0.0, 90.0, 0.0, 10_001_965.729),
    ],
)
def test_segment_lengths_m__published_geodesics(lat1, lon1, lat2, lon2, published_m):
    length = segment_lengths_m(np.array([lon1, lon2]), np.array([lat1, lat2]), np.array([0]))[0]
    assert length == pytest.approx(published_m, abs=1e-3)


def test_fwd__geographiclib_perth_direct():
    # GeographicLib documentation: the point 20,000 km south-west of Perth.
    lon, lat, _ = WGS84.fwd(115.74, -32.06, 225, 20_000e3)
    assert (lat, lon) == pytest.approx((32.11195529, -63.95925278), abs=5e-9)


def test_segment_lengths_m__meridian_arc_oracle():
    length = segment_lengths_m(np.array([106.2, 106.2]), np.array([51.0, 49.5]), np.array([0]))[0]
    assert length == pytest.approx(meridian_arc_m(49.5, 51.0), abs=1e-3)


def test_segment_lengths_m__zero_between_lines():
    lon, lat, starts = _flat(EQUATOR_1DEG, shapely.LineString([(50, 50), (51, 50)]))
    lengths = segment_lengths_m(lon, lat, starts)
    assert lengths[1] == 0.0
    assert lengths[0] == pytest.approx(111_319.4908, abs=1e-3)


@pytest.mark.parametrize("max_segment_m", [500.0, 2_000.0, 10_000.0, 50_000.0])
def test_densify__keeps_length_and_spacing(max_segment_m):
    lon, lat, starts = _flat(
        shapely.LineString([(68.4, 70.4), (72.52, 65.53), (104.28, 52.29), (116.4, 39.9)]),
        shapely.LineString([(0.0, 0.0), (1.0, 0.0)]),
    )
    before = segment_lengths_m(lon, lat, starts)
    dlon, dlat, dstarts, original, piece_m = densify(lon, lat, starts, max_segment_m=max_segment_m)
    after = segment_lengths_m(dlon, dlat, dstarts)
    # The piece lengths densify reports are the geodesic lengths of the pieces.
    np.testing.assert_allclose(piece_m, after, rtol=0, atol=1e-6)
    # Same total per line within 1 m; every piece at most the spacing.
    assert after[: dstarts[1] - 1].sum() == pytest.approx(before[: starts[1] - 1].sum(), abs=1.0)
    assert after.sum() == pytest.approx(before.sum(), abs=1.0)
    assert after.max() <= max_segment_m + 1e-6
    # Original vertices are kept exactly, in order.
    np.testing.assert_array_equal(dlon[original], lon)
    np.testing.assert_array_equal(dlat[original], lat)


def test_densify__points_lie_on_the_geodesic():
    lon, lat, starts = _flat(shapely.LineString([(60.0, 70.0), (140.0, 40.0)]))
    dlon, dlat, _, _, _ = densify(lon, lat, starts, max_segment_m=100_000)
    az_total, _, _ = WGS84.inv(lon[0], lat[0], lon[1], lat[1])
    az_each, _, _ = WGS84.inv(np.full(len(dlon) - 2, lon[0]), np.full(len(dlon) - 2, lat[0]), dlon[1:-1], dlat[1:-1])
    np.testing.assert_allclose(az_each, az_total, atol=1e-9)


def test_densify__rejects_bad_spacing():
    lon, lat, starts = _flat(EQUATOR_1DEG)
    with pytest.raises(ValueError, match="max_segment_m must be a positive"):
        densify(lon, lat, starts, max_segment_m=0)


def test_points_along_m__equator():
    lon, lat, starts = _flat(EQUATOR_1DEG)
    cum = np.r_[0.0, np.cumsum(segment_lengths_m(lon, lat, starts))]
    plon, plat, _ = points_along_m(lon, lat, cum, np.array([111_319.4908 / 2]))
    assert plon[0] == pytest.approx(0.5, abs=1e-9)
    assert plat[0] == pytest.approx(0.0, abs=1e-9)


def test_doctests():
    assert doctest.testmod(geo.geodesic).failed == 0
