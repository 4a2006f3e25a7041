"""Tests for geo.geodesic: published geodesics and densification invariants."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import shapely

import geo.geodesic
from geo.geodesic import (
    WGS84,
    densified_vertex_count,
    densify,
    offset_geodesic,
    points_along_m,
    segment_lengths_m,
    segment_mask,
)
from tests.conftest import EQUATOR_1DEG, WGS84_A_M, meridian_arc_m


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


def equator_arc_m(dlon_deg):
    """An arc of the equator, a circle of radius a (hand calculation)."""
    return WGS84_A_M * math.radians(dlon_deg)


def test_segment_mask__one_flag_per_segment_false_at_line_ends():
    """Docstring: length n_vertices - 1, False where a vertex is the last of its line."""
    assert segment_mask(np.array([0, 3]), 5).tolist() == [True, True, False, True]
    assert segment_mask(np.array([0, 1, 2]), 3).tolist() == [False, False]
    assert segment_mask(np.array([0]), 1).shape == (0,)  # one vertex: no segment
    assert segment_mask(np.array([], dtype=np.int64), 0).shape == (0,)


def test_segment_lengths_m__a_single_vertex_has_no_segment():
    assert segment_lengths_m(np.array([100.0]), np.array([50.0]), np.array([0])).shape == (0,)


def test_densify__short_segments_are_kept_whole_and_one_vertex_is_returned_as_is():
    """Hand: 0.05 degree of the equator (5.57 km) is shorter than 10 km: no vertex is added and
    its piece is the whole segment; 1 degree is 12 pieces of a / 12 * pi / 180. A single vertex
    comes back unchanged with no segment."""
    lon, lat, starts = _flat(shapely.LineString([(0.0, 0.0), (0.05, 0.0)]), EQUATOR_1DEG)
    dlon, dlat, dstarts, original, piece_m = densify(lon, lat, starts, max_segment_m=10_000)
    assert dlon[:2].tolist() == [0.0, 0.05] and dstarts.tolist() == [0, 2] and original.tolist() == [0, 1, 2, 14]
    np.testing.assert_allclose(piece_m, [equator_arc_m(0.05), 0.0, *[equator_arc_m(1 / 12)] * 12], rtol=1e-12)
    np.testing.assert_allclose(dlon[2:], np.arange(13) / 12, atol=1e-12)
    one = densify(np.array([100.0]), np.array([50.0]), np.array([0]))
    assert [a.tolist() for a in one] == [[100.0], [50.0], [0], [0], []]


def test_densify__any_positive_spacing_and_integer_degrees():
    """A spacing under a metre is valid (2 m of the equator at 0.5 m: four pieces), and whole
    degrees given as integers still get fractional interior points (hand: the equator arc and
    the meridian-arc integral, three pieces of 37 km each)."""
    lon, lat, starts = np.array([0.0, math.degrees(2.0 / WGS84_A_M)]), np.zeros(2), np.array([0])
    dlon, _, _, _, piece_m = densify(lon, lat, starts, max_segment_m=0.5)
    np.testing.assert_allclose(piece_m, [0.5] * 4, rtol=1e-9)
    assert len(dlon) == 5
    ints = np.array([0, 1, 0, 0]), np.array([0, 0, 0, 1]), np.array([0, 2])  # the equator, then north along 0 E
    dlon, dlat, _, _, _ = densify(*ints, max_segment_m=50_000)
    np.testing.assert_allclose(dlon, [0.0, 1 / 3, 2 / 3, 1.0, 0.0, 0.0, 0.0, 0.0], atol=1e-12)  # equator, then 0 E
    np.testing.assert_allclose(dlat[:4], 0.0, atol=1e-12)
    third = meridian_arc_m(0.0, 1.0) / 3  # north along 0 E: thirds of the meridian arc, not of the degree
    arcs = [meridian_arc_m(0.0, lat) for lat in dlat[4:]]
    np.testing.assert_allclose(arcs, [0.0, third, 2 * third, 3 * third], atol=1e-6)


@pytest.mark.parametrize("max_segment_m", [0.5, 5_000.0, 10_000.0, 111_319.4908, 1e7])
def test_densified_vertex_count__as_many_as_densify_makes(max_segment_m):
    """Property: the count announced up front is the count densify makes; by hand, one degree
    of the equator at 10 km is 12 pieces (13 vertices) and 50-51 E on 50 N (71.7 km) is 8 pieces;
    the jump between two lines adds nothing."""
    lines = (EQUATOR_1DEG, shapely.LineString([(50, 50), (51, 50)]))
    lon, lat, starts = _flat(*lines)
    if max_segment_m == 0.5:
        tiny = shapely.LineString([(0.0, 0.0), (0.0001, 0.0)]), shapely.LineString([(1.0, 1.0), (1.0, 1.0001)])
        lon, lat, starts = _flat(*tiny)
    count = densified_vertex_count(lon, lat, starts, max_segment_m=max_segment_m)
    assert count == len(densify(lon, lat, starts, max_segment_m=max_segment_m)[0])
    if max_segment_m == 10_000.0:
        assert count == 13 + 9
    if max_segment_m >= 111_319.4908:
        assert count == 4  # each segment fits in one piece (one degree of the equator exactly fits)


def test_points_along_m__on_each_leg_of_a_bent_line():
    """Along the equator from 0 to 1 E, then north along 1 E to 1 N. Hand oracle: the equator
    arc a * dlon and the meridian-arc integral. A point exactly on the corner starts the
    second segment; the end is on the last segment; a distance a hair before the start is
    on the first segment."""
    lon, lat = np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0])
    corner = equator_arc_m(1.0)
    cum = np.array([0.0, corner, corner + meridian_arc_m(0.0, 1.0)])
    targets = np.array([-1e-7, 0.0, corner / 2, corner, corner + meridian_arc_m(0.0, 0.5), cum[-1]])
    plon, plat, seg = points_along_m(lon, lat, cum, targets)
    assert seg.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(plon, [0.0, 0.0, 0.5, 1.0, 1.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(plat, [0.0, 0.0, 0.0, 0.0, 0.5, 1.0], atol=1e-9)


def test_offset_geodesic__on_the_equator_by_hand():
    """Two degrees of the equator eastwards, vertices every 50 km at most: 5 pieces of 0.4
    degree. Each vertex is moved to the right of the direction of travel (south, along its
    meridian) by offset * sin(pi * t): hand oracle, the meridian-arc integral."""
    line = offset_geodesic((0.0, 0.0), (2.0, 0.0), offset_m=30_000.0, max_segment_m=50_000.0)
    assert line.shape == (6, 2)
    t = np.arange(6) / 5
    np.testing.assert_allclose(line[:, 0], 2.0 * t, atol=1e-9)
    assert np.all(line[1:-1, 1] < 0)  # right of eastward travel is south
    shifts = [meridian_arc_m(lat, 0.0) for lat in line[:, 1]]
    np.testing.assert_allclose(shifts, 30_000.0 * np.sin(np.pi * t), atol=1e-6)
    left = offset_geodesic((0.0, 0.0), (2.0, 0.0), offset_m=-30_000.0, max_segment_m=50_000.0)
    np.testing.assert_allclose(left, line * [1, -1], atol=1e-9)  # negative offset: mirrored north


def test_offset_geodesic__ends_fixed_middle_bowed_right_of_the_geodesic():
    """Kazakhstan to Beijing with the default spacing: as many vertices as equal pieces of at
    most 10 km, the two ends exactly, and each inner vertex offset * sin(pi * t) from the point
    at fraction t of the geodesic (pyproj's direct problem from the start, not densify), to
    its right: 90 degrees clockwise of the geodesic's direction at that point, to 1e-6 degree (a
    direction taken at the vertex before turns it by up to 0.1 degree: a 150 m slide)."""
    start, end, offset = (69.0, 43.0), (116.4, 39.9), 100_000.0
    line = offset_geodesic(start, end, offset_m=offset)
    az0, _, length = WGS84.inv(*start, *end)
    n = math.ceil(length / 10_000.0)
    assert len(line) == n + 1
    np.testing.assert_allclose(line[[0, -1]], [start, end], atol=1e-9)
    t = np.arange(n + 1) / n
    ones = np.ones(n + 1)
    base_lon, base_lat, back_az = WGS84.fwd(start[0] * ones, start[1] * ones, az0 * ones, length * t)
    to_shifted, _, shift = WGS84.inv(base_lon, base_lat, line[:, 0], line[:, 1])
    np.testing.assert_allclose(shift, offset * np.sin(np.pi * t), atol=1e-3)
    heading = np.asarray(back_az) + 180.0  # the geodesic's own direction at each point
    turn = (np.asarray(to_shifted) - heading) % 360.0
    np.testing.assert_allclose(turn[1:-1], 90.0, atol=1e-6)
