"""Tests for geo.projection: the study-area CRS."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.projection import STUDY_CRS, from_study, project_routes, to_study
from tests.conftest import CATALOG_IDS, MERIDIAN_106_2E, meridian_arc_m, routes_frame


@pytest.mark.parametrize("route_id", CATALOG_IDS)
def test_planar_length__within_half_a_percent_of_geodesic(catalog, measured_catalog, route_id):
    m = measured_catalog.set_index(catalog["id"]).loc[route_id]
    assert abs(m["planar_length_m"] / m["length_m"] - 1) < 0.005


@pytest.mark.parametrize("route_id", CATALOG_IDS)
def test_project_routes__same_planar_length(catalog, measured_catalog, route_id):
    # Projecting the densified line with geopandas gives the planar length.
    m = measured_catalog.set_index(catalog["id"]).loc[route_id]
    projected = project_routes(measured_catalog.set_index(catalog["id"]).loc[[route_id]])
    assert projected.crs == STUDY_CRS
    assert projected.geometry.iloc[0].length == pytest.approx(m["planar_length_m"], rel=1e-9)


def test_study_crs__is_equidistant_along_meridians():
    # An equidistant conic keeps true scale along every meridian.
    projected = project_routes(routes_frame({"m": shapely.segmentize(MERIDIAN_106_2E, 0.01)}))
    assert projected.geometry.iloc[0].length == pytest.approx(meridian_arc_m(49.5, 51.0), rel=1e-6)


def test_project_routes__returns_a_new_frame():
    routes = routes_frame({"m": MERIDIAN_106_2E})
    projected = project_routes(routes)
    assert routes.crs.to_epsg() == 4326 and projected is not routes


def test_project_routes__needs_a_crs():
    with pytest.raises(ValueError) as caught:
        project_routes(routes_frame({"m": MERIDIAN_106_2E}).set_crs(None, allow_override=True))
    assert str(caught.value) == "the GeoDataFrame has no CRS; set it (EPSG:4326 for lon/lat) before projecting"


def test_to_and_from_study__origin_and_the_central_meridian():
    """Oracle: the definition (origin 95 E 50 N at x = y = 0; equidistant along meridians, so y at 95 E 52 N is
    the meridian arc from 50 N, integrated in conftest), and a round trip back to the lon/lat given."""
    x, y = to_study(np.array([95.0, 95.0, 110.5]), np.array([50.0, 52.0, 41.25]))
    np.testing.assert_allclose(x[:2], [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(y[:2], [0.0, meridian_arc_m(50.0, 52.0)], atol=1e-3)
    assert x[2] > 0 and y[2] < 0  # east of the central meridian, south of the origin
    lon, lat = from_study(x, y)
    np.testing.assert_allclose(lon, [95.0, 95.0, 110.5], atol=1e-9)
    np.testing.assert_allclose(lat, [50.0, 52.0, 41.25], atol=1e-9)
    lon, lat = from_study(np.array([0.0]), np.array([meridian_arc_m(50.0, 52.0)]))
    np.testing.assert_allclose([lon[0], lat[0]], [95.0, 52.0], atol=1e-8)
