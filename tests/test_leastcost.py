"""Tests for geo.leastcost: the solver on synthetic grids with known answers, then the
cost surface over real geography and the route command."""

from __future__ import annotations

import fcntl
import heapq
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest
import shapely

import make_maps
from geo.elevation import load_elevation
from geo.errors import RouteDataError
from geo.leastcost import cost_surface, least_cost_path, load_cost_config, load_lakes, suggest_route
from tests.conftest import REPO_DIR

CELL_M = 5_000.0



def test_uniform_grid__straight_line_is_optimal():
    cost = np.ones((20, 30))
    path = least_cost_path(cost, [(10, 2), (10, 27)], cell_m=CELL_M)
    assert path.cells == [(10, c) for c in range(2, 28)]
    assert path.cost == pytest.approx(25 * CELL_M)


def test_uniform_grid__diagonal_costs_sqrt2():
    path = least_cost_path(np.ones((12, 12)), [(0, 0), (10, 10)], cell_m=CELL_M)
    assert path.cost == pytest.approx(10 * 2**0.5 * CELL_M)
    assert len(path.cells) == 11


def test_cheap_corridor__known_optimum():
    # Expensive everywhere but row 15; from (5, 0) to (5, 39) the optimum dips to the corridor.
    cost = np.full((20, 40), 10.0)
    cost[15, :] = 1.0
    path = least_cost_path(cost, [(5, 0), (5, 39)], cell_m=CELL_M)
    straight = 39 * 10.0 * CELL_M
    assert path.cost < straight
    assert sum(r == 15 for r, _ in path.cells) >= 25


def test_barrier__never_crossed():
    cost = np.ones((30, 30))
    cost[:, 15] = np.inf  # a wall ...
    cost[27, 15] = 1.0  # ... with one gap
    path = least_cost_path(cost, [(2, 2), (2, 28)], cell_m=CELL_M)
    assert all(np.isfinite(cost[r, c]) for r, c in path.cells)
    assert (27, 15) in path.cells


def test_via_point__visited_in_order():
    cost = np.ones((20, 20))
    path = least_cost_path(cost, [(0, 0), (19, 0), (19, 19)], cell_m=CELL_M)
    assert path.cells[0] == (0, 0) and path.cells[-1] == (19, 19)
    assert (19, 0) in path.cells
    assert path.cost == pytest.approx(38 * CELL_M)


def test_country_multiplier__moves_the_path():
    cost = np.ones((20, 40))
    zone = np.zeros((20, 40), dtype=np.int64)
    zone[:10, :] = 1  # the northern half is another country
    cheap = least_cost_path(cost, [(9, 0), (9, 39)], cell_m=CELL_M, zone=zone)
    taxed = cost.copy()
    taxed[zone == 1] = 3.0  # that country costs three times as much
    moved = least_cost_path(taxed, [(9, 0), (9, 39)], cell_m=CELL_M, zone=zone)
    assert all(r == 9 for r, _ in cheap.cells)
    assert all(zone[r, c] == 0 for r, c in moved.cells[1:-1])


def test_crossing_cost__fewer_crossings():
    cost = np.ones((10, 40))
    zone = np.zeros((10, 40), dtype=np.int64)
    zone[:, 10:13] = 1  # a strip of another country, with a way round at row 9
    zone[9, 10:13] = 0
    free = least_cost_path(cost, [(0, 0), (0, 39)], cell_m=CELL_M, zone=zone)
    assert free.crossings == 2
    priced = least_cost_path(cost, [(0, 0), (0, 39)], cell_m=CELL_M, zone=zone, crossing_cost=100 * CELL_M)
    assert priced.crossings == 0 and priced.cost > free.cost


def _heap_dijkstra(cost, zone, crossing_cost, source, target):
    """An independent oracle: textbook Dijkstra over the 8 neighbours, one cell at a time."""
    rows, cols = cost.shape
    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        d, (r, c) = heapq.heappop(queue)
        if (r, c) == target:
            return d
        if d > best[(r, c)]:
            continue
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                rr, cc = r + dr, c + dc
                if (dr, dc) == (0, 0) or not (0 <= rr < rows and 0 <= cc < cols) or np.isinf(cost[rr, cc]):
                    continue
                step = (2**0.5 if dr and dc else 1.0) * CELL_M * (cost[r, c] + cost[rr, cc]) / 2
                step += crossing_cost * (zone[r, c] != zone[rr, cc])
                if d + step < best.get((rr, cc), np.inf):
                    best[(rr, cc)] = d + step
                    heapq.heappush(queue, (d + step, (rr, cc)))
    return np.inf


@pytest.mark.parametrize("shape", [(1, 7), (7, 1), (2, 2), (3, 5), (9, 4), (15, 15)])
def test_random_grids__same_cost_as_a_textbook_dijkstra(shape):
    # The vectorised graph (four forward steps per cell, inf steps off the edges)
    # against a plain 8-neighbour search: same optimum on every grid shape.
    rng = np.random.default_rng(sum(shape))
    for _ in range(5):
        cost = rng.uniform(1.0, 5.0, shape)
        cost[rng.random(shape) < 0.2] = np.inf
        zone = rng.integers(0, 3, shape)
        open_cells = np.argwhere(np.isfinite(cost))
        if len(open_cells) < 2:
            continue
        start, end = (tuple(int(v) for v in open_cells[i]) for i in rng.choice(len(open_cells), 2, replace=False))
        expected = _heap_dijkstra(cost, zone, 3 * CELL_M, start, end)
        if np.isinf(expected):
            with pytest.raises(RouteDataError, match="no passable path"):
                least_cost_path(cost, [start, end], cell_m=CELL_M, zone=zone, crossing_cost=3 * CELL_M)
            continue
        path = least_cost_path(cost, [start, end], cell_m=CELL_M, zone=zone, crossing_cost=3 * CELL_M)
        assert path.cost == pytest.approx(expected, rel=1e-12)
        assert all(max(abs(a[0] - b[0]), abs(a[1] - b[1])) == 1 for a, b in zip(path.cells, path.cells[1:]))


@pytest.mark.parametrize(
    ("waypoints", "message"),
    [
        ([(0, 0), (50, 0)], r"waypoint 1 at cell \(50, 0\) is outside the 10 x 10 grid"),
        ([(0, 0), (5, 5)], r"waypoint 1 at cell \(5, 5\) is on an impassable cell"),
        ([(0, 0), (9, 9)], r"no passable path from \(0, 0\) to \(9, 9\)"),
    ],
)
def test_errors(waypoints, message):
    cost = np.ones((10, 10))
    cost[5, :] = np.inf  # cuts the grid in two
    with pytest.raises(RouteDataError, match=message):
        least_cost_path(cost, waypoints, cell_m=CELL_M)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_errors__cost_not_positive(bad):
    cost = np.ones((10, 10))
    cost[3, 3] = bad
    with pytest.raises(RouteDataError) as error:
        least_cost_path(cost, [(0, 0), (9, 9)], cell_m=CELL_M)
    assert str(error.value) == "cost: every cell cost must be more than 0 (inf for impassable)"


# --- the cost surface over real geography and the route command ---------------

@pytest.fixture(scope="module")
def surface_inputs(country_index):
    return {
        "countries": country_index,
        "elevation": load_elevation(make_maps.ELEVATION_PATH),
        "lakes": load_lakes(make_maps.LAKES_PATH),
        "config": load_cost_config(make_maps.COST_PATH),
    }


def test_cost_surface__lakes_and_avoided_countries_are_barriers(surface_inputs):
    surface = cost_surface((100, 49, 112, 56), cell_km=10, avoid=["MNG"], **surface_inputs)
    baikal = surface.cell_of(108.0, 53.5)
    assert np.isinf(surface.cost[baikal])
    darkhan = surface.cell_of(105.92, 49.49)  # Mongolia, in the box
    assert np.isinf(surface.cost[darkhan])
    irkutsk = surface.cell_of(104.28, 52.29)
    assert np.isfinite(surface.cost[irkutsk]) and surface.iso3[surface.zone[irkutsk]] == "RUS"


def test_cost_surface__protected_area_costs_more(surface_inputs):
    surface = cost_surface((85, 47, 91, 51), cell_km=10, **surface_inputs)
    inside, outside = surface.cell_of(87.7, 49.35), surface.cell_of(85.5, 50.5)
    multiplier = surface_inputs["config"].protected[0]["multiplier"]
    assert surface.cost[inside] >= multiplier * surface_inputs["config"].base
    assert surface.cost[outside] < multiplier * surface_inputs["config"].base


def _route(*args):
    result = subprocess.run(
        [sys.executable, str(REPO_DIR / "make_maps.py"), "route", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return result


def test_route__around_baikal_never_across_it(tmp_path):
    out = tmp_path / "r.geojson"
    result = _route("--from", "103.9,53.4", "--to", "109.6,53.6", "--cell-km", "5", "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    (record,) = json.loads(result.stdout)
    line = shapely.geometry.shape(json.loads(out.read_text())["features"][0]["geometry"])
    baikal = max(load_lakes(make_maps.LAKES_PATH), key=lambda g: g.area)
    assert not line.intersects(baikal)
    assert record["length_km"] > 400 and record["cost"] > 0


def test_route__avoid_a_country():
    via = _route("--from", "104.28,52.29", "--to", "116.41,39.90", "--format", "json")
    avoid = _route("--from", "104.28,52.29", "--to", "116.41,39.90", "--avoid", "MNG", "--format", "json")
    (through,), (around,) = json.loads(via.stdout), json.loads(avoid.stdout)
    assert through["countries"].get("MNG", 0) > 100
    assert "MNG" not in around["countries"] and around["length_km"] > through["length_km"]


def test_suggest_route__progress_runs_from_0_to_1(surface_inputs):
    seen = []
    suggest_route(
        [(104.28, 52.29), (106.92, 47.92), (111.0, 43.7)], cell_km=5, progress=lambda f, text: seen.append((f, text)),
        **surface_inputs,
    )  # fmt: skip
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == pytest.approx(1.0)
    assert fractions == sorted(fractions)
    texts = [text for _, text in seen]
    assert texts[0].startswith("pricing ") and " cells of 5 km" in texts[0]
    assert "solving leg 2 of 2" in texts and texts[-1] == "solved leg 2 of 2"


def test_route__progress_bar_on_a_terminal():
    # A 1 km solve takes several seconds; on a terminal the bar appears after a second.
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 24 x 120 characters
    command = [sys.executable, str(REPO_DIR / "make_maps.py"), "route", "--from", "104.28,52.29", "--to", "116.41,39.90", "--cell-km", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        screen += chunk
    assert process.wait(timeout=300) == 0
    os.close(leader)
    frames = screen.decode().split("\r")
    percents = [int(m.group(1)) for m in (re.match(r"route:\s+(\d+)%\|", f) for f in frames) if m]
    assert len(set(percents)) >= 2 and percents == sorted(percents), screen
    assert re.search(r"pricing 2,296 x 1,798 cells of 1 km|solving leg 1 of 1", screen.decode())


def test_route__outside_the_study_area():
    result = _route("--from", "10,10", "--to", "116.41,39.90")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "point 0 (10.0, 10.0) is outside the study area" in result.stderr


def test_route__end_in_a_lake__stops_before_pricing():
    result = _route("--from", "104.28,52.29", "--to", "108.0,53.5")  # the middle of Baikal
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "make_maps.py: error: --from/--via/--to: point 1 (108.0, 53.5) is in a lake or an avoided country, or within"
        " one cell (5 km) of its edge; move it, or use smaller cells"
    ]


def test_route__cells_too_coarse():
    result = _route("--from", "104.28,52.29", "--to", "116.41,39.90", "--cell-km", "1000")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "make_maps.py: error: cell_km: 1000 km cells are too coarse: a lake's margin of one cell would shut whole"
        " regions; use up to 50 km"
    ]


def test_route__unknown_country_to_avoid(tmp_path):
    out = tmp_path / "r.geojson"
    result = _route("--from", "104.28,52.29", "--to", "116.41,39.90", "--avoid", "XYZ", "--out", str(out))
    assert result.returncode == 2 and result.stdout == "" and not out.exists()
    assert result.stderr.strip().splitlines() == [
        "make_maps.py: error: --avoid: 'XYZ' is not an ISO3 code of the boundary extract (e.g. MNG, KAZ, CHN)"
    ]


def test_suggested_routes__recorded_inputs_match():
    import hashlib

    from geo.countries import load_source_record

    record = load_source_record(make_maps.SUGGESTED_SOURCE_PATH)
    for name, digest in record["input_sha256"].items():
        assert hashlib.sha256((make_maps.DATA_DIR / name).read_bytes()).hexdigest() == digest, name
    digest = hashlib.sha256(make_maps.SUGGESTED_PATH.read_bytes()).hexdigest()
    assert record["output_sha256"]["suggested_routes.geojson"] == digest


def test_suggested_routes__in_the_default_comparison(capsys):
    assert make_maps.main(["compare", "--format", "json"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    for route_id in ("suggested-mongolia", "suggested-altai", "suggested-zabaikalsk"):
        assert records[route_id]["kind"] == "suggested" and records[route_id]["cost_km"] > 0
    assert "MNG" not in records["suggested-zabaikalsk"]["countries"]
    assert [c["to"] for c in records["suggested-altai"]["border_crossings"]] == ["CHN"]


def test_suggested_routes__ends_named_after_their_places(capsys):
    """Oracle: the [[suggestion]] tables of geo/data/cost.toml, read here: each line's ends carry
    the names of its from and to places, never "start" or "end (vertex N)"."""
    import tomllib

    wanted = {s["id"]: (s["from"]["name"], s["to"]["name"]) for s in tomllib.loads(make_maps.COST_PATH.read_text())["suggestion"]}
    assert wanted["suggested-altai"] == ("Aganskaya CS (approx)", "Beijing")
    assert make_maps.main(["compare", "--format", "json"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert {route_id: (records[route_id]["start"], records[route_id]["end"]) for route_id in wanted} == wanted


def test_suggested_routes__stale_cost_file_warns(tmp_path, monkeypatch, capsys):
    changed = tmp_path / "cost.toml"
    changed.write_text(make_maps.COST_PATH.read_text() + "\n# changed\n")
    monkeypatch.setattr(make_maps, "COST_PATH", changed)
    assert make_maps.main(["compare"]) == 0
    err = capsys.readouterr().err
    assert "warning: suggested_routes.geojson was computed with another cost.toml; run tools/build_suggestions.py" in err


# --- numbers the cost surface must get right, on synthetic inputs (issue 14) ----------------------
#
# Every expected value below is computed in the test from the documented rules, never read from
# the program: the grid layout from the study projection (its PROJ definition, written out here
# and used through pyproj directly), heights from a synthetic sampler, slope by a centred
# difference written out below, and the price of a cell from the formula in geo/data/cost.toml:
#   base * (1 + slope_per_percent * slope %) * country multiplier * protected multiplier
#        * (offshore if in no country)

import geopandas as gpd  # noqa: E402
from pyproj import Transformer  # noqa: E402

import geo.leastcost as leastcost  # noqa: E402
from geo.countries import build_country_index  # noqa: E402
from geo.elevation import ElevationGrid  # noqa: E402
from geo.leastcost import MAX_CELL_KM, CostConfig, grid_graph  # noqa: E402

_STUDY_PROJ4 = "+proj=eqdc +lat_0=50 +lon_0=95 +lat_1=44 +lat_2=56 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
"""The study projection as geo/projection.py documents it (equidistant conic, 44 N / 56 N, 95 E, origin 50 N)."""
_TO_XY = Transformer.from_crs("EPSG:4326", _STUDY_PROJ4, always_xy=True)
_TO_LONLAT = Transformer.from_crs(_STUDY_PROJ4, "EPSG:4326", always_xy=True)
_KM_PER_DEGREE = 111.32
"""Length of one degree of longitude on the equator, km (2 pi x 6,378.137 km / 360 = 111.3195)."""

_BOX = (100.0, 50.0, 102.0, 51.0)
"""A small lon/lat box east of the central meridian 95 E."""
_COUNTRY_BOXES = {"ZZZ": (90.0, 40.0, 101.0, 60.0), "AAA": (101.0, 40.0, 110.0, 50.7)}
"""Two synthetic countries; north of 50.7 N and east of 101 E is in no country (sea)."""


def _synthetic_countries(boxes=None):
    boxes = _COUNTRY_BOXES if boxes is None else boxes
    frame = gpd.GeoDataFrame(
        {"iso3": list(boxes), "name": [f"country {iso}" for iso in boxes]},
        geometry=[shapely.box(*b) for b in boxes.values()], crs="EPSG:4326",
    )  # fmt: skip
    return build_country_index(frame, box_lonlat=(80.0, 35.0, 120.0, 65.0))


def _hand_iso(lon, lat, boxes=None):
    """The country of a point by the box it falls in ('' for none), first box first."""
    boxes = _COUNTRY_BOXES if boxes is None else boxes
    for iso, (w, s, e, n) in boxes.items():
        if w <= lon <= e and s <= lat <= n:
            return iso
    return ""


class _Plane:
    """Heights on a tilted plane of the study projection: z = z0 + gx * x + gy * y (x, y in metres).

    The grade is exactly hypot(gx, gy) everywhere, so the slope of every cell is known by hand.
    ``nan_if(lon, lat)`` marks points without data (sea)."""

    def __init__(self, gx, gy, z0=1_000.0, nan_if=None):
        self.gx, self.gy, self.z0, self.nan_if = gx, gy, z0, nan_if

    def sample(self, lon, lat):
        x, y = _TO_XY.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        z = self.z0 + self.gx * np.asarray(x) + self.gy * np.asarray(y)
        if self.nan_if is not None:
            z = np.where(self.nan_if(np.asarray(lon), np.asarray(lat)), np.nan, z)
        return z


def _config(**changes):
    values = {
        "base": 2.0, "slope_per_percent": 0.15, "offshore": 3.0, "crossing_cost_km": 150.0,
        "country_multiplier": {"AAA": 1.5, "QQQ": 7.0}, "protected": [],
    }  # fmt: skip
    values.update(changes)
    return CostConfig(**values)


def _hand_layout(bbox, cell_km):
    """Grid origin and size by hand: for a box east of 95 E the projected box's extremes are its
    corners (meridians fan out from the cone's apex, parallels are arcs around it): x is least at
    the north-west corner and greatest at the south-east one, y greatest at the north-east corner
    and least at the south-west one. Cell (0, 0) is centred on (least x, greatest y)."""
    west, south, east, north = bbox
    assert west > 95.0
    (x_nw, x_se), _ = _TO_XY.transform([west, east], [north, south])
    _, (y_ne, y_sw) = _TO_XY.transform([east, west], [north, south])
    cell_m = cell_km * 1000.0
    rows = int(np.ceil((y_ne - y_sw) / cell_m)) + 1
    cols = int(np.ceil((x_se - x_nw) / cell_m)) + 1
    return x_nw, y_ne, rows, cols


def _hand_centres(bbox, cell_km):
    x0, y0, rows, cols = _hand_layout(bbox, cell_km)
    r, c = np.mgrid[0:rows, 0:cols]
    lon, lat = _TO_LONLAT.transform(x0 + c * cell_km * 1000.0, y0 - r * cell_km * 1000.0)
    return np.asarray(lon), np.asarray(lat)


def _centred_slope_pct(height, cell_m):
    """Slope in per cent by hand: centred differences inside, one-sided ones on the edges."""
    rows, cols = height.shape

    def diff(h, i, n):  # derivative along an axis of length n at index i, per cell
        if n == 1:
            return 0.0
        if i == 0:
            return h(1) - h(0)
        if i == n - 1:
            return h(n - 1) - h(n - 2)
        return (h(i + 1) - h(i - 1)) / 2

    slope = np.empty_like(height)
    for r in range(rows):
        for c in range(cols):
            dx = diff(lambda j: height[r, j], c, cols) / cell_m
            dy = diff(lambda i: height[i, c], r, rows) / cell_m
            slope[r, c] = 100.0 * (dx * dx + dy * dy) ** 0.5
    return slope


def _hand_cost(bbox, cell_km, config, heights, protected=(), boxes=None):
    """The price of every cell by the cost.toml formula, one cell at a time."""
    lon, lat = _hand_centres(bbox, cell_km)
    height = np.nan_to_num(heights(lon, lat), nan=0.0)  # no data (sea): 0 m
    slope = _centred_slope_pct(height, cell_km * 1000.0)
    cost = np.empty_like(slope)
    for (r, c), pct in np.ndenumerate(slope):
        iso = _hand_iso(lon[r, c], lat[r, c], boxes)
        value = config.base * (1 + config.slope_per_percent * pct)
        value *= config.country_multiplier.get(iso, 1.0) if iso else config.offshore
        for (w, s, e, n), multiplier in protected:
            if w < lon[r, c] < e and s < lat[r, c] < n:
                value *= multiplier
        cost[r, c] = value
    return cost


def _surface(config=None, *, elevation=None, bbox=_BOX, cell_km=10.0, countries=None, lakes=(), **kw):
    return cost_surface(
        bbox, cell_km=cell_km, countries=_synthetic_countries() if countries is None else countries,
        elevation=_Plane(0.0, 0.0) if elevation is None else elevation, lakes=list(lakes),
        config=_config() if config is None else config, **kw,
    )  # fmt: skip


def test_cost_surface__grid_layout_from_the_projected_box():
    """Oracle: the corners of the box in the study projection (pyproj on the written-out PROJ
    string): cell (0, 0) is centred on the least x and greatest y, and the grid has
    ceil(extent / cell) + 1 cells each way; cell_of and lonlat_of invert each other."""
    surface = _surface(cell_km=10.0)
    x0, y0, rows, cols = _hand_layout(_BOX, 10.0)
    assert surface.cost.shape == surface.zone.shape == (rows, cols) == (14, 16)
    assert surface.x0 == pytest.approx(x0, abs=1e-6) and surface.y0 == pytest.approx(y0, abs=1e-6)
    assert surface.cell_m == 10_000.0
    lon, lat = _hand_centres(_BOX, 10.0)
    for r, c in [(0, 0), (0, cols - 1), (rows - 1, 0), (5, 7), (rows - 1, cols - 1)]:
        assert surface.lonlat_of([(r, c)])[0] == pytest.approx([lon[r, c], lat[r, c]], abs=1e-9)
        assert surface.cell_of(lon[r, c], lat[r, c]) == (r, c)
    # A point 0.4 cell east and 0.4 cell south of a centre is in that cell; 0.6 cell is in the next.
    for frac, expected in [(0.4, (5, 7)), (0.6, (6, 8)), (-0.4, (5, 7)), (-0.6, (4, 6))]:
        point = _TO_LONLAT.transform(x0 + (7 + frac) * 10_000.0, y0 - (5 + frac) * 10_000.0)
        assert surface.cell_of(*point) == expected, frac
    assert surface.lonlat_of([(5, 7), (6, 8)]).shape == (2, 2)


@pytest.mark.parametrize(
    ("gx", "gy", "slope_pct"),
    [
        (0.02, 0.0, 2.0),  # 20 m up per km eastward
        (0.0, -0.02, 2.0),  # 20 m up per km southward
        (0.03, 0.04, 5.0),  # 3-4-5: 50 m per km towards the north-east
    ],
)
def test_cost_surface__slope_priced_per_percent(gx, gy, slope_pct):
    """Oracle: hand calculation with the cost.toml formula. On a plane rising hypot(gx, gy) metres
    per metre the slope is 100 x that per cent everywhere (edges too), so in ZZZ (no multiplier)
    every cell costs base x (1 + 0.15 x slope %): 2 x 1.3 = 2.6 at 2 %, 2 x 1.75 = 3.5 at 5 %;
    in AAA x 1.5, at sea x 3 (offshore). A slope in the wrong unit (grade, not per cent) would
    price the 5 % plane at 2 x 1.0075."""
    surface = _surface(elevation=_Plane(gx, gy))
    flat_cost = {2.0: 2.6, 5.0: 3.5}[slope_pct]
    assert flat_cost == pytest.approx(2.0 * (1 + 0.15 * slope_pct))
    zzz, aaa = surface.iso3.index("ZZZ"), surface.iso3.index("AAA")
    np.testing.assert_allclose(surface.cost[surface.zone == zzz], flat_cost, rtol=1e-9)
    np.testing.assert_allclose(surface.cost[surface.zone == aaa], flat_cost * 1.5, rtol=1e-9)
    np.testing.assert_allclose(surface.cost[surface.zone == -1], flat_cost * 3.0, rtol=1e-9)
    assert (surface.zone == -1).sum() > 10 and (surface.zone == aaa).sum() > 10 and (surface.zone == zzz).sum() > 10


def test_cost_surface__shipped_cost_toml_formula_by_hand():
    """Oracle: the formula documented at the top of geo/data/cost.toml, with the shipped numbers.
    Ground rising 200 m over 10 km (a 2 % slope) costs base x (1 + slope_per_percent x 2) per
    metre on land and that times offshore at sea (shipped: 1 x 1.3 = 1.3 and 1.3 x 3 = 3.9)."""
    config = load_cost_config(make_maps.COST_PATH)
    assert not config.country_multiplier.get("ZZZ") and not config.country_multiplier.get("AAA")
    surface = _surface(config, elevation=_Plane(0.0, 200.0 / 10_000.0))
    land = config.base * (1 + config.slope_per_percent * 2.0)
    if (config.base, config.slope_per_percent, config.offshore) == (1.0, 0.15, 3.0):
        assert land == pytest.approx(1.3) and land * config.offshore == pytest.approx(3.9)
    np.testing.assert_allclose(surface.cost[surface.zone >= 0], land, rtol=1e-9)
    np.testing.assert_allclose(surface.cost[surface.zone == -1], land * config.offshore, rtol=1e-9)


def test_cost_surface__every_cell_as_priced_by_hand():
    """Oracle: an independent implementation (_hand_cost: cell centres from pyproj, country from
    the synthetic boxes, slope from centred differences written out, the cost.toml formula), on
    a surface with a slope, two countries (one with a multiplier, one listed in the index first
    but sorting last), sea, and two overlapping protected areas whose multipliers multiply."""
    protected = [((100.3, 50.2, 100.8, 50.8), 10.0), ((100.6, 50.1, 101.6, 50.5), 4.0)]
    config = _config(protected=[
        {"name": f"area {i}", "multiplier": m, "polygon": shapely.box(*b)} for i, (b, m) in enumerate(protected)
    ])  # fmt: skip
    plane = _Plane(0.004, -0.003, z0=300.0)
    surface = _surface(config, elevation=plane)
    expected = _hand_cost(_BOX, 10.0, config, plane.sample, protected)
    np.testing.assert_allclose(surface.cost, expected, rtol=1e-9)
    # Zones: numbered in the order of the sorted codes, -1 for no country.
    assert surface.iso3 == ["AAA", "ZZZ"]
    lon, lat = _hand_centres(_BOX, 10.0)
    hand_zone = np.vectorize(lambda lo, la: {"AAA": 0, "ZZZ": 1, "": -1}[_hand_iso(lo, la)])(lon, lat)
    np.testing.assert_array_equal(surface.zone, hand_zone)
    assert surface.zone.dtype == np.int64
    # Each area holds cell centres of its own, and some are in both (10 x 4 = 40 times dearer).
    first = (lon > 100.3) & (lon < 100.8) & (lat > 50.2) & (lat < 50.8)
    second = (lon > 100.6) & (lon < 101.6) & (lat > 50.1) & (lat < 50.5)
    assert (first & ~second).any() and (second & ~first).any() and (first & second).any()


def test_cost_surface__no_data_is_sea_level():
    """Oracle: hand calculation. Heights are 500 m on land and missing east of 101.3 E; missing
    heights count as 0 m (sea level), so the cells beside that edge have a centred slope of
    500 m over two cells (and the edge cells of the grid a one-sided one), priced by the
    cost.toml formula (_hand_cost); far from the edge the land is flat and costs base."""
    plane = _Plane(0.0, 0.0, z0=500.0, nan_if=lambda lon, lat: lon > 101.3)
    surface = _surface(elevation=plane)
    expected = _hand_cost(_BOX, 10.0, _config(), plane.sample)
    np.testing.assert_allclose(surface.cost, expected, rtol=1e-9)
    # By hand for one cell: 500 m over 20 km is 2.5 %, a cost of 2 x (1 + 0.15 x 2.5) = 2.75 (x 1.5 in AAA).
    assert {round(v, 9) for v in surface.cost[surface.zone == surface.iso3.index("ZZZ")].ravel()} == {2.0}
    assert 2.75 * 1.5 in {round(v, 9) for v in surface.cost.ravel()}


def test_cost_surface__country_multipliers_and_offshore_compound():
    """Oracle: hand calculation on flat ground (slope 0): ZZZ x 1.0, AAA x 2.5, a multiplier for a
    country absent from the box (QQQ) changes nothing, and sea x offshore (4): base 1 gives
    1, 2.5 and 4 per metre."""
    config = _config(base=1.0, offshore=4.0, country_multiplier={"QQQ": 9.0, "AAA": 2.5})
    surface = _surface(config)
    aaa, zzz = surface.iso3.index("AAA"), surface.iso3.index("ZZZ")
    assert set(np.unique(surface.cost[surface.zone == aaa])) == {2.5}
    assert set(np.unique(surface.cost[surface.zone == zzz])) == {1.0}
    assert set(np.unique(surface.cost[surface.zone == -1])) == {4.0}


def test_cost_surface__one_country_in_two_polygons_is_one_zone():
    """Oracle: the definition of a zone (a country, not a polygon): ZZZ drawn as two polygons,
    an index polygon outside the box (YYY) left out of iso3."""
    boxes = {"YYY": (60.0, 40.0, 70.0, 50.0), "ZZZ": (90.0, 40.0, 101.0, 50.5), "AAA": (101.0, 40.0, 110.0, 50.7)}
    frame = gpd.GeoDataFrame(
        {"iso3": ["YYY", "ZZZ", "AAA", "ZZZ"], "name": ["y", "z", "a", "z north"]},
        geometry=[shapely.box(*boxes["YYY"]), shapely.box(*boxes["ZZZ"]), shapely.box(*boxes["AAA"]),
                  shapely.box(90.0, 50.5, 101.0, 60.0)],
        crs="EPSG:4326",
    )  # fmt: skip
    surface = _surface(countries=build_country_index(frame, box_lonlat=(50.0, 35.0, 120.0, 65.0)))
    assert surface.iso3 == ["AAA", "ZZZ"]
    lon, lat = _hand_centres(_BOX, 10.0)
    west = lon < 101.0
    assert (surface.zone[west] == 1).all()
    assert (surface.zone[~west & (lat < 50.7)] == 0).all() and (surface.zone[~west & (lat > 50.7)] == -1).all()


def _centre(r, c, cell_km=10.0):
    x0, y0, _, _ = _hand_layout(_BOX, cell_km)
    lon, lat = _TO_LONLAT.transform(x0 + c * cell_km * 1000.0, y0 - r * cell_km * 1000.0)
    return float(lon), float(lat)


def _margin_deg(lat, cell_km=10.0):
    """One cell in degrees of longitude at a latitude (_KM_PER_DEGREE x cos(lat) km per degree)."""
    return cell_km / (_KM_PER_DEGREE * np.cos(np.radians(lat)))


@pytest.mark.parametrize(("gap", "shut"), [(0.995, True), (1.005, False)])
def test_cost_surface__lake_margin_is_one_cell(gap, shut):
    """Oracle: geo/leastcost.py's _barriers docstring: a cell is shut when its centre lies within
    one cell of a lake (one cell in degrees of longitude at the lake's middle latitude). A tall
    lake ends due west of the centre of cell (6, 8) at 0.995 (shut) or 1.005 (open) cells."""
    lon_c, lat_c = _centre(6, 8)
    edge = lon_c - gap * _margin_deg(lat_c)
    lake = shapely.box(edge - 0.05, lat_c - 0.3, edge, lat_c + 0.3)  # middle latitude: lat_c
    surface = _surface(lakes=[lake])
    assert np.isinf(surface.cost[6, 8]) == shut
    assert np.isfinite(surface.cost[6, 12]) and np.isfinite(surface.cost[0, 0])


@pytest.mark.parametrize(("gap", "shut"), [(0.995, True), (1.005, False)])
def test_cost_surface__avoided_country_margin_is_one_cell(gap, shut):
    """Oracle: as for lakes, an avoided country shuts the cells within one cell of it (its middle
    latitude sets the degrees): WWW ends due west of the centre of cell (6, 8)."""
    lon_c, lat_c = _centre(6, 8)
    edge = lon_c - gap * _margin_deg(lat_c)
    boxes = {"WWW": (edge - 1.0, lat_c - 2.0, edge, lat_c + 2.0), **_COUNTRY_BOXES}
    surface = _surface(countries=_synthetic_countries(boxes), avoid=["WWW"])
    assert np.isinf(surface.cost[6, 8]) == shut
    assert np.isfinite(surface.cost[6, 12])
    lon, lat = _hand_centres(_BOX, 10.0)
    assert np.isinf(surface.cost[lon < edge]).all()  # inside WWW


def test_cost_surface__avoided_country_outline_simplified_by_a_quarter_cell():
    """Oracle: _barriers simplifies an avoided country by a quarter of the margin before growing it
    by the margin. Its east edge, 1.1 cells west of the centre of cell (6, 8), carries a spike
    0.22 cells high pointing at that centre: smaller than a quarter cell, the spike is dropped
    and the centre (1.1 cells from the edge) stays open; kept, it would come within 0.88 cells."""
    lon_c, lat_c = _centre(6, 8)
    m = _margin_deg(lat_c)
    edge = lon_c - 1.1 * m
    country = shapely.Polygon([
        (edge - 1.0, lat_c - 2.0), (edge, lat_c - 2.0), (edge, lat_c - 0.02), (edge + 0.22 * m, lat_c),
        (edge, lat_c + 0.02), (edge, lat_c + 2.0), (edge - 1.0, lat_c + 2.0),
    ])  # fmt: skip
    assert country.distance(shapely.Point(lon_c, lat_c)) == pytest.approx(0.88 * m)
    surface = _surface_avoiding(country)
    assert np.isfinite(surface.cost[6, 8])


def _surface_avoiding(country: shapely.Geometry):
    """The synthetic surface with ``country`` (code WWW) beside the two boxes, and WWW avoided."""
    frame = gpd.GeoDataFrame(
        {"iso3": ["WWW", *_COUNTRY_BOXES], "name": ["w", "z", "a"]},
        geometry=[country, *(shapely.box(*b) for b in _COUNTRY_BOXES.values())], crs="EPSG:4326",
    )  # fmt: skip
    return _surface(countries=build_country_index(frame, box_lonlat=(80.0, 35.0, 120.0, 65.0)), avoid=["WWW"])


def test_cost_surface__avoided_country_keeps_a_wide_inlet_open():
    """Oracle: _barriers simplifies by only a quarter of the margin m (one cell in degrees), so a
    bay 3 m wide and 2 m deep cut into an avoided country stays: the centre of cell (6, 8), half
    an m inside the bay's mouth, is 1.5 m from its sides and bottom and 1.58 m from the mouth's
    corners (more than the one-m margin), so it stays open."""
    lon_c, lat_c = _centre(6, 8)
    m = _margin_deg(lat_c)
    mouth = lon_c + 0.5 * m
    bay = shapely.box(mouth - 2.0 * m, lat_c - 1.5 * m, mouth, lat_c + 1.5 * m)
    country = shapely.box(mouth - 3.0, lat_c - 1.0, mouth, lat_c + 1.0).difference(bay)
    assert country.distance(shapely.Point(lon_c, lat_c)) == pytest.approx(1.5 * m)
    surface = _surface_avoiding(country)
    assert np.isfinite(surface.cost[6, 8])
    assert np.isinf(surface.cost[6, 5])  # two cells west: inside WWW


def test_cost_surface__open_points_checked_at_their_cell_centre():
    """Oracle: the cost_surface docstring: points of open_lonlat whose cell is shut are refused,
    before any cell is priced. A point 0.3 cell east of the centre of cell (6, 8), whose centre
    is 0.9 cells from a lake (shut), is refused though the point itself is 1.2 cells away."""
    lon_c, lat_c = _centre(6, 8)
    m = _margin_deg(lat_c)
    lake = shapely.box(lon_c - 0.9 * m - 0.05, lat_c - 0.3, lon_c - 0.9 * m, lat_c + 0.3)
    point = (lon_c + 0.3 * m, lat_c)  # inside the cell, farther from the lake than its centre
    assert _surface(lakes=[lake]).cell_of(*point) == (6, 8)
    seen = []
    with pytest.raises(RouteDataError) as error:
        _surface(lakes=[lake], open_lonlat=[(100.2, 50.2), point], progress=lambda f, t: seen.append(f))
    assert str(error.value) == (
        f"--from/--via/--to: point 1 ({point[0]}, {point[1]}) is in a lake or an avoided country, or within one"
        " cell (10 km) of its edge; move it, or use smaller cells"
    )
    assert seen == []  # refused before pricing
    _surface(lakes=[lake], open_lonlat=[(100.2, 50.2), (lon_c + 2 * m, lat_c)])  # an open cell passes


def test_cost_surface__bands_give_the_same_grid_and_report_progress(monkeypatch):
    """Oracle: the docstring (progress at the start and after each band of rows, as the fraction
    of rows done) and a property: pricing in bands of 3 rows (or 1) gives the same grid as in
    one band. 14 rows in bands of 3: 0, 3/14, 6/14, 9/14, 12/14, 14/14."""
    plane = _Plane(0.01, 0.02)
    whole = _surface(elevation=plane)
    cols = whole.cost.shape[1]
    for band_rows, done in [(3, [3, 6, 9, 12, 14]), (1, list(range(1, 15)))]:
        monkeypatch.setattr(leastcost, "_BAND_CELLS", band_rows * cols)
        seen = []
        banded = _surface(elevation=plane, progress=lambda f, text: seen.append((f, text)))
        np.testing.assert_array_equal(banded.cost, whole.cost)
        np.testing.assert_array_equal(banded.zone, whole.zone)
        what = "pricing 14 x 16 cells of 10 km"
        assert seen == [(0.0, what)] + [(d / 14, f"{what}: {d:,} of 14 rows") for d in done]
    monkeypatch.setattr(leastcost, "_BAND_CELLS", 1)  # fewer cells than a row: still one row a band
    seen = []
    np.testing.assert_array_equal(_surface(elevation=plane, progress=lambda f, t: seen.append(f)).cost, whole.cost)
    assert seen == [0.0] + [d / 14 for d in range(1, 15)]


@pytest.mark.parametrize("cell_km", [0.0, -1.0, MAX_CELL_KM * 1.0001, 1000.0])
def test_cost_surface__cell_size_out_of_range(cell_km):
    """Oracle: the docstring: cells over MAX_CELL_KM (50 km), and cells of 0 km or less, are refused."""
    with pytest.raises(RouteDataError) as error:
        _surface(cell_km=cell_km)
    assert str(error.value) == (
        f"cell_km: {cell_km:g} km cells are too coarse: a lake's margin of one cell would shut whole regions;"
        " use up to 50 km"
    )


def test_cost_surface__largest_cells_accepted():
    """Oracle: the docstring: cells of exactly MAX_CELL_KM (50 km) are accepted."""
    assert MAX_CELL_KM == 50.0
    surface = _surface(cell_km=50.0)
    assert surface.cost.shape == _hand_layout(_BOX, 50.0)[2:] == (4, 4)


def test_cost_surface__cell_limit(monkeypatch):
    """Oracle: the docstring: a grid of more than MAX_CELLS cells is refused, one of exactly
    MAX_CELLS priced (the 14 x 16 grid of the box is 224 cells)."""
    monkeypatch.setattr(leastcost, "MAX_CELLS", 224)
    assert _surface().cost.size == 224
    monkeypatch.setattr(leastcost, "MAX_CELLS", 223)
    with pytest.raises(RouteDataError) as error:
        _surface()
    assert str(error.value) == "cell_km: 10 km cells make a 14 x 16 grid, over 223 cells; use a larger --cell-km"


def test_cost_surface__tiny_cells_refused_without_overflow():
    """Oracle: the docstring (over 25 million cells refused) and the MAX_CELLS figure: 1 m cells
    over a 2 x 1 degree box are about 1.2e5 x 1.5e5 cells."""
    with pytest.raises(RouteDataError, match=r"cell_km: 0\.001 km cells make a 122,\d{3} x 149,\d{3} grid, over 25,000,000"):
        _surface(cell_km=0.001)


def test_cost_surface__unknown_country_to_avoid():
    """Oracle: the docstring: an avoid code not in the index is refused, quoting it."""
    with pytest.raises(RouteDataError) as error:
        _surface(avoid=["AAA", "XYZ"])
    assert str(error.value) == "--avoid: 'XYZ' is not an ISO3 code of the boundary extract (e.g. MNG, KAZ, CHN)"


def test_cost_surface__avoided_country_is_shut_and_others_priced():
    """Oracle: the docstring: cells of an avoided country are impassable (inf); the other
    country's cells are priced as usual (flat: base 2 x nothing = 2, sea 2 x 3 = 6)."""
    surface = _surface(avoid=["AAA"])
    lon, lat = _hand_centres(_BOX, 10.0)
    assert np.isinf(surface.cost[(lon > 101.0) & (lat < 50.7)]).all()
    m = _margin_deg(50.0)
    far = lon < 101.0 - 1.01 * m
    assert set(np.unique(surface.cost[far])) == {2.0}
    assert set(np.unique(surface.cost[(lat > 50.7 + 1.01 * m) & (lon > 101.0 + 1.01 * m)])) == {6.0}


def test_cost_surface__only_lake_cells_shut():
    """Oracle: the docstring: a lake shuts cells within a cell of it and nothing else; one lake
    west, one east: exactly the cells within the margin of either are inf (distance by shapely
    in degrees, the margin at each lake's middle latitude)."""
    lakes = [shapely.box(100.4, 50.3, 100.6, 50.5), shapely.box(101.2, 50.6, 101.5, 50.9)]
    surface = _surface(lakes=lakes)
    lon, lat = _hand_centres(_BOX, 10.0)
    points = shapely.points(lon, lat)
    near = np.zeros(lon.shape, dtype=bool)
    for lake in lakes:
        near |= shapely.distance(lake, points) < _margin_deg((lake.bounds[1] + lake.bounds[3]) / 2)
    assert near.sum() > 5
    np.testing.assert_array_equal(np.isinf(surface.cost), near)


def test_least_cost_path__progress_fractions():
    """Oracle: hand calculation from the docstring of _GRAPH_SHARE_OF_A_LEG: the graph counts as a
    fifth of a leg, so two legs report 0.2 / 2.2, 1.2 / 2.2 and 2.2 / 2.2."""
    seen = []
    least_cost_path(np.ones((5, 5)), [(0, 0), (4, 4), (0, 4)], cell_m=1.0, progress=lambda f, t: seen.append((f, t)))
    assert [t for _, t in seen] == ["solving leg 1 of 2", "solving leg 2 of 2", "solved leg 2 of 2"]
    assert [f for f, _ in seen] == pytest.approx([0.2 / 2.2, 1.2 / 2.2, 1.0], rel=1e-12)
    seen.clear()
    least_cost_path(np.ones((5, 5)), [(0, 0), (4, 4)], cell_m=1.0, progress=lambda f, t: seen.append((f, t)))
    assert seen == [(pytest.approx(0.2 / 1.2), "solving leg 1 of 1"), (1.0, "solved leg 1 of 1")]


def test_least_cost_path__nan_is_impassable():
    """Oracle: the docstring (NaN: impassable): a NaN wall with one gap is passed through the gap,
    the NaN cells never entered, and a waypoint on NaN is refused."""
    cost = np.ones((7, 7))
    cost[:, 3] = np.nan
    cost[6, 3] = 1.0
    path = least_cost_path(cost, [(0, 0), (0, 6)], cell_m=1.0)
    assert (6, 3) in path.cells and all(np.isfinite(cost[r, c]) for r, c in path.cells)
    # By hand: down 5 diagonal-free... the cheapest way is 0,0 -> 5,2 -> 6,3 -> 5,4 -> 0,6:
    # (3 + 2 sqrt 2) + 2 sqrt 2 + (3 + 2 sqrt 2) = 6 + 6 sqrt 2 cell lengths.
    assert path.cost == pytest.approx(6 + 6 * 2**0.5)
    with pytest.raises(RouteDataError) as error:
        least_cost_path(cost, [(2, 3), (0, 6)], cell_m=1.0)
    assert str(error.value) == (
        "waypoints: waypoint 0 at cell (2, 3) is on an impassable cell (a lake or an avoided country, or within one"
        " cell of its edge)"
    )


@pytest.mark.parametrize("waypoint", [(-1, 0), (0, -1), (3, 0), (0, 4)])
def test_least_cost_path__waypoint_off_the_grid(waypoint):
    """Oracle: the docstring: a waypoint outside the rows x cols grid (3 x 4 here) is refused."""
    with pytest.raises(RouteDataError) as error:
        least_cost_path(np.ones((3, 4)), [(0, 0), waypoint], cell_m=1.0)
    assert str(error.value) == f"waypoints: waypoint 1 at cell ({waypoint[0]}, {waypoint[1]}) is outside the 3 x 4 grid"


def test_least_cost_path__corner_cells_are_waypoints():
    """Oracle: hand calculation: the last row and column are on the grid; across a 3 x 4 grid of
    cost 2 the corner-to-corner optimum is 2 diagonal + 1 straight step: 2 x (2 sqrt 2 + 1)."""
    path = least_cost_path(np.full((3, 4), 2.0), [(0, 0), (2, 3)], cell_m=1.0)
    assert path.cost == pytest.approx(2 * (2 * 2**0.5 + 1)) and path.cells[-1] == (2, 3)


def test_least_cost_path__no_path_message():
    """Oracle: the docstring: a leg with no passable path is refused, naming the leg."""
    cost = np.ones((6, 6))
    cost[:, 2] = np.inf
    with pytest.raises(RouteDataError) as error:
        least_cost_path(cost, [(0, 0), (5, 1), (5, 5)], cell_m=1.0)
    assert str(error.value) == "waypoints: no passable path from (5, 1) to (5, 5) (leg 2); barriers cut them apart"


def test_least_cost_path__crossings_counted_along_the_path():
    """Oracle: hand count: a straight row through zones 0 0 1 1 2 0 changes zone 3 times, with
    no crossing cost; without zones there are none; with a crossing cost each adds to the total."""
    zone = np.array([[0, 0, 1, 1, 2, 0]])
    path = least_cost_path(np.ones((1, 6)), [(0, 0), (0, 5)], cell_m=1.0, zone=zone)
    assert path.crossings == 3 and path.cost == pytest.approx(5.0)
    assert least_cost_path(np.ones((1, 6)), [(0, 0), (0, 5)], cell_m=1.0).crossings == 0
    priced = least_cost_path(np.ones((1, 6)), [(0, 0), (0, 5)], cell_m=1.0, zone=zone, crossing_cost=10.0)
    assert priced.cost == pytest.approx(5.0 + 3 * 10.0) and priced.crossings == 3


def _finite_steps(graph):
    """The finite entries of a CSR graph as {(from, to): weight}, read row by row (toarray would
    add up the inf placeholders that share a column)."""
    steps = {}
    for a in range(graph.shape[0]):
        for b, w in zip(graph.indices[graph.indptr[a] : graph.indptr[a + 1]], graph.data[graph.indptr[a] : graph.indptr[a + 1]]):
            if np.isfinite(w):
                assert (a, int(b)) not in steps
                steps[a, int(b)] = float(w)
    return steps


def test_grid_graph__step_weights_by_hand():
    """Oracle: hand calculation from the grid_graph docstring: a step weighs its length times the
    mean cost of its two cells, plus the crossing cost between zones. Grid (cell 10 m):
        cost 1 2 3     zone 0 0 1
             4 5 6          0 1 1
    """
    cost = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    zone = np.array([[0, 0, 1], [0, 1, 1]])
    graph = _finite_steps(grid_graph(cost, cell_m=10.0, zone=zone, crossing_cost=100.0))
    d = 10.0 * 2**0.5
    expected = {
        (0, 1): 15.0, (1, 2): 25.0 + 100, (3, 4): 45.0 + 100, (4, 5): 55.0,  # right
        (0, 3): 25.0, (1, 4): 35.0 + 100, (2, 5): 45.0,  # down
        (0, 4): d * 3.0 + 100, (1, 5): d * 4.0 + 100,  # down-right
        (1, 3): d * 3.0, (2, 4): d * 4.0,  # down-left
    }  # fmt: skip
    assert graph.keys() == expected.keys()
    for (a, b), weight in expected.items():
        assert graph[a, b] == pytest.approx(weight, rel=1e-12), (a, b)
    # No zones, or no crossing cost: the bare step weights.
    for bare in (grid_graph(cost, cell_m=10.0), grid_graph(cost, cell_m=10.0, zone=zone)):
        steps = _finite_steps(bare)
        assert steps[1, 2] == pytest.approx(25.0) and steps[0, 4] == pytest.approx(d * 3.0) and steps[1, 3] == pytest.approx(d * 3.0)
    assert grid_graph(cost, cell_m=10.0).shape == (6, 6)
    # The docstring's layout: four entries a cell (6 x 4 = 24), the 11 steps above and 13 that leave
    # the grid, each +inf (a NaN would be another value: scipy skips it, a caller summing would not).
    full = grid_graph(cost, cell_m=10.0, zone=zone, crossing_cost=100.0)
    assert np.diff(full.indptr).tolist() == [4] * 6
    assert np.sort(full.data)[11:].tolist() == [np.inf] * 13


@pytest.mark.parametrize("shape", [(1, 2), (2, 1), (1, 1), (2, 2)])
def test_grid_graph__tiny_grids(shape):
    """Oracle: hand calculation: on a 1 x 2 or 2 x 1 grid of cost 3 and 7 (cell 2 m) the only step
    weighs 2 x (3 + 7) / 2 = 10; a 2 x 2 grid of ones has 4 straight steps of 2 and 2 diagonals."""
    cost = np.array([3.0, 7.0, 1.0, 1.0][: shape[0] * shape[1]]).reshape(shape) if shape != (2, 2) else np.ones((2, 2))
    weights = sorted(_finite_steps(grid_graph(cost, cell_m=2.0)).values())
    if shape == (1, 1):
        assert weights == []
    elif shape == (2, 2):
        assert weights == pytest.approx([2.0] * 4 + [2 * 2**0.5] * 2)
    else:
        assert weights == [10.0]
        assert least_cost_path(cost, [(0, 0), (shape[0] - 1, shape[1] - 1)], cell_m=2.0).cost == 10.0


# --- suggest_route on synthetic ground ------------------------------------------------------------


def _synthetic_inputs(config=None):
    return {
        "countries": _synthetic_countries({"ZZZ": (80.0, 35.0, 101.0, 65.0), "AAA": (101.0, 35.0, 120.0, 65.0)}),
        "elevation": _Plane(0.0, 0.0),
        "lakes": [],
        "config": _config(country_multiplier={}) if config is None else config,
    }


def _same_row_points():
    """Two points 300 km apart on one line of constant projected y (so on one row of any grid
    whose origin is a box corner), either side of the ZZZ-AAA border at 101 E."""
    x1, y1 = _TO_XY.transform(99.0, 50.5)
    lon2, lat2 = _TO_LONLAT.transform(x1 + 300_000.0, y1)
    return (99.0, 50.5), (float(lon2), float(lat2))


def test_suggest_route__straight_row_cost_and_crossing_by_hand():
    """Oracle: hand calculation. On flat ground at base 2 the cheapest path between two cells of
    one row is that row (any other path is longer); it costs 2 x cell x (columns apart), plus
    crossing_cost_km (150) for the one border crossing; cost_km is in km of flat pipe. The grid's
    origin comes from the search box by hand: 3 degrees round the points (a quarter of the span
    is less), cell (0, 0) at the box's north-west x and north-east y (_hand_layout)."""
    (lon1, lat1), (lon2, lat2) = _same_row_points()
    box = (lon1 - 3.0, min(lat1, lat2) - 3.0, lon2 + 3.0, max(lat1, lat2) + 3.0)
    x0, y0, _, _ = _hand_layout(box, 10.0)
    (x1, x2), (y1, y2) = _TO_XY.transform([lon1, lon2], [lat1, lat2])
    row1, row2 = round((y0 - y1) / 10_000.0), round((y0 - y2) / 10_000.0)
    col1, col2 = round((x1 - x0) / 10_000.0), round((x2 - x0) / 10_000.0)
    assert row1 == row2 and col2 - col1 == 30
    line, cost_km, crossings = suggest_route([(lon1, lat1), (lon2, lat2)], cell_km=10.0, **_synthetic_inputs())
    assert cost_km == pytest.approx(2.0 * 10.0 * 30 + 150.0, rel=1e-9)
    assert crossings == 1
    # The line: the given ends, and between them the row's cell centres straightened within a
    # quarter cell (a quarter of 10 km in degrees at 111.32 km per degree).
    coords = np.array(line.coords)
    assert tuple(coords[0]) == (lon1, lat1) and tuple(coords[-1]) == (lon2, lat2)
    lon, lat = _TO_LONLAT.transform(x0 + np.arange(col1, col2 + 1) * 10_000.0, np.full(31, y0 - row1 * 10_000.0))
    staircase = np.column_stack([lon, lat])
    staircase[0], staircase[-1] = (lon1, lat1), (lon2, lat2)
    expected = shapely.simplify(shapely.LineString(staircase), 10.0 / 4 / _KM_PER_DEGREE)
    np.testing.assert_allclose(coords, np.array(expected.coords), atol=1e-9)
    assert 2 < len(coords) < 31


def test_suggest_route__via_point_and_progress_by_hand():
    """Oracle: hand calculation from the docstrings of _PRICING_SHARE_OF_A_LEG (pricing counts as
    1.5 legs) and _GRAPH_SHARE_OF_A_LEG (the graph as 0.2): with 2 legs the work is 3.7 units,
    pricing ends at 1.5 / 3.7 and the legs at 2.7 / 3.7 and 1. The via point (the second
    point, the first again) doubles the straight row: 2 x (600 + 150) km."""
    p1, p2 = _same_row_points()
    seen = []
    line, cost_km, crossings = suggest_route(
        [p1, p2, p1], cell_km=10.0, progress=lambda f, text: seen.append((f, text)), **_synthetic_inputs()
    )
    assert cost_km == pytest.approx(2 * (600.0 + 150.0), rel=1e-9) and crossings == 2
    fractions = [f for f, _ in seen]
    pricing = 1.5 / 3.7
    assert fractions == pytest.approx([0.0, pricing, pricing + (1 - pricing) * 0.2 / 2.2, 2.7 / 3.7, 1.0], rel=1e-12)
    assert [t for _, t in seen][2:] == ["solving leg 1 of 2", "solving leg 2 of 2", "solved leg 2 of 2"]
    assert line.coords[0] == line.coords[-1] == p1


class _Stop(Exception):
    pass


def _spy_box(monkeypatch, points, **kw):
    seen = {}

    def spy(bbox, **kwargs):
        seen.update(kwargs, bbox=bbox)
        raise _Stop

    monkeypatch.setattr(leastcost, "cost_surface", spy)
    with pytest.raises(_Stop):
        suggest_route(points, cell_km=kw.pop("cell_km", 10.0), **{**_synthetic_inputs(), **kw})
    return seen


@pytest.mark.parametrize(
    ("points", "box"),
    [
        # 3 degrees round the points when a quarter of the larger span is less
        ([(100.0, 50.0), (104.0, 52.0)], (97.0, 47.0, 107.0, 55.0)),
        # a quarter of the larger span: 40 x 0.25 = 10 degrees
        ([(60.0, 45.0), (100.0, 50.0)], (50.0, 35.0, 110.0, 60.0)),
        # a quarter of a span of 24 degrees of latitude: 6
        ([(100.0, 40.0), (101.0, 64.0)], (94.0, 34.0, 107.0, 70.0)),
        # clipped to the study box (46 W, 30 S, 146 E, 74 N)
        ([(47.0, 31.0), (50.0, 33.0)], (46.0, 30.0, 53.0, 36.0)),
        ([(143.0, 72.0), (145.0, 73.0)], (140.0, 69.0, 146.0, 74.0)),
    ],
)
def test_suggest_route__search_box(monkeypatch, points, box):
    """Oracle: hand calculation of the search window: the points' box grown by the larger of 3
    degrees and a quarter of its larger side, cut to the study box. The points are also the
    cells that must stay open, and --avoid codes are upper-cased."""
    seen = _spy_box(monkeypatch, points, avoid=["aaa"])
    assert seen["bbox"] == pytest.approx(box)
    assert seen["open_lonlat"] == points and seen["avoid"] == ["AAA"] and seen["cell_km"] == 10.0


@pytest.mark.parametrize("point", [(46.0, 30.0), (146.0, 74.0), (46.0, 74.0), (146.0, 30.0)])
def test_suggest_route__study_box_corners_are_inside(monkeypatch, point):
    """Oracle: the study box (46-146 E, 30-74 N) includes its edges."""
    other = (point[0] + (5.0 if point[0] < 100 else -5.0), point[1] + (5.0 if point[1] < 50 else -5.0))
    assert _spy_box(monkeypatch, [point, other])


@pytest.mark.parametrize("point", [(45.99, 50.0), (146.01, 50.0), (100.0, 29.99), (100.0, 74.01)])
def test_suggest_route__outside_the_study_box(point):
    """Oracle: the study box (46-146 E, 30-74 N): a point beyond any edge is refused, by number."""
    with pytest.raises(RouteDataError) as error:
        suggest_route([(100.0, 50.0), point], cell_km=10.0, **_synthetic_inputs())
    assert str(error.value) == (
        f"--from/--via/--to: point 1 ({point[0]}, {point[1]}) is outside the study area (46.0, 30.0, 146.0, 74.0) (lon, lat)"
    )


def test_suggest_route__points_closer_than_two_cells():
    """Oracle: the geodesic distance by pyproj's Geod (0.1 degree of latitude at 50 N is about
    11.1 km): less than two 10 km cells is refused, naming the pair."""
    from pyproj import Geod

    apart_km = Geod(ellps="WGS84").inv(100.0, 50.0, 100.0, 50.1)[2] / 1000
    assert 11.0 < apart_km < 11.2
    with pytest.raises(RouteDataError) as error:
        suggest_route([(104.0, 50.0), (100.0, 50.0), (100.0, 50.1)], cell_km=10.0, **_synthetic_inputs())
    assert str(error.value) == (
        f"--from/--via/--to: points 1 and 2 are {apart_km:,.2f} km apart, less than two 10 km cells;"
        " move them apart or use a smaller --cell-km"
    )


def test_suggest_route__points_exactly_two_cells_apart(monkeypatch):
    """Oracle: the rule 'less than two cells' refuses nothing at exactly two cells (cell size set
    to half the pyproj distance, checked to be exact in floats)."""
    from pyproj import Geod

    apart_m = Geod(ellps="WGS84").inv(100.0, 50.0, 100.0, 50.5)[2]
    cell_km = apart_m / 2000
    assert 2 * cell_km * 1000 == apart_m
    assert _spy_box(monkeypatch, [(100.0, 50.0), (100.0, 50.5)], cell_km=cell_km)["cell_km"] == cell_km


def test_suggest_route__coarse_cells_refused_as_coarse_not_as_close():
    """Oracle: the docstring of cost_surface: cells over 50 km are refused as too coarse, even for
    points closer than two such cells (the closeness check leaves them to it)."""
    with pytest.raises(RouteDataError, match=r"^cell_km: 60 km cells are too coarse"):
        suggest_route([(100.0, 50.0), (100.0, 50.5)], cell_km=60.0, **_synthetic_inputs())


# --- the cost parameters ---------------------------------------------------------------------------

_GOOD_TOML = """
base = 1.5
slope_per_percent = 0
offshore = 2
crossing_cost_km = 150.5

[country_multiplier]
MNG = 1.2
CHN = 3
KAZ = 0.8
RUS = 1

[[protected]]
name = "Square"
multiplier = 1
source = "hand-drawn"
lonlat = [[87.0, 49.0], [88.0, 49.0], [88.0, 50.0], [87.0, 50.0], [87.0, 49.0]]

[[protected]]
multiplier = 2.5
source = "unnamed"
lonlat = [[90.0, 49.0], [91.0, 49.0], [91.0, 50.0], [90.0, 49.0]]
"""


def test_load_cost_config__values_read(tmp_path):
    """Oracle: the file written above, value by value (integers become floats; an area without a
    name is called by its number)."""
    path = tmp_path / "cost.toml"
    path.write_text(_GOOD_TOML, encoding="utf-8")
    config = load_cost_config(path)
    assert (config.base, config.slope_per_percent, config.offshore, config.crossing_cost_km) == (1.5, 0.0, 2.0, 150.5)
    assert all(type(v) is float for v in (config.base, config.slope_per_percent, config.offshore))
    # Any positive factor: a discount (0.8) and a neutral 1 too.
    assert config.country_multiplier == {"MNG": 1.2, "CHN": 3.0, "KAZ": 0.8, "RUS": 1.0}
    assert type(config.country_multiplier["CHN"]) is float
    assert [(a["name"], a["multiplier"]) for a in config.protected] == [("Square", 1.0), ("area 1", 2.5)]
    assert config.protected[0]["polygon"].equals(shapely.box(87.0, 49.0, 88.0, 50.0))
    assert config.protected[1]["polygon"].area == pytest.approx(0.5)
    assert load_cost_config(str(path)).base == 1.5  # a str path too


def test_load_cost_config__no_multipliers_or_areas(tmp_path):
    """Oracle: both tables are optional: none means no multipliers and no areas."""
    path = tmp_path / "cost.toml"
    path.write_text("base = 1\nslope_per_percent = 0.1\noffshore = 3\ncrossing_cost_km = 0\n", encoding="utf-8")
    config = load_cost_config(path)
    assert config.country_multiplier == {} and config.protected == [] and config.crossing_cost_km == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("base = 1.5", "base = 0"), "base: base must be more than 0"),
        (("base = 1.5", "base = -1"), "base: -1 must be a number of zero or more"),
        (("base = 1.5", "base = true"), "base: True must be a number of zero or more"),
        (("base = 1.5", 'base = "1"'), "base: '1' must be a number of zero or more"),
        (("base = 1.5", "base = inf"), "base: inf must be a number of zero or more"),
        (("base = 1.5", "base = nan"), "base: nan must be a number of zero or more"),
        (("base = 1.5\n", ""), "base: None must be a number of zero or more"),
        (("slope_per_percent = 0", "slope_per_percent = -0.1"), "slope_per_percent: -0.1 must be a number of zero or more"),
        (("offshore = 2", "offshore = false"), "offshore: False must be a number of zero or more"),
        (("crossing_cost_km = 150.5", "crossing_cost_km = -inf"), "crossing_cost_km: -inf must be a number of zero or more"),
        (("CHN = 3", "CHN = 0"), "record 'CHN': country_multiplier: 0 must be a positive factor"),
        (("CHN = 3", "CHN = -2"), "record 'CHN': country_multiplier: -2 must be a positive factor"),
        (("CHN = 3", "CHN = true"), "record 'CHN': country_multiplier: True must be a positive factor"),
        (("CHN = 3", 'CHN = "3"'), "record 'CHN': country_multiplier: '3' must be a positive factor"),
        (("CHN = 3", "CHN = nan"), "record 'CHN': country_multiplier: nan must be a positive factor"),
        (("multiplier = 2.5", "multiplier = 0"), "protected[1]: needs a valid ring, a positive multiplier and a source"),
        (('source = "unnamed"\n', ""), "protected[1]: needs a valid ring, a positive multiplier and a source"),
        (('source = "unnamed"', 'source = ""'), "protected[1]: needs a valid ring, a positive multiplier and a source"),
        (("multiplier = 2.5\n", ""), "protected[1]: needs name, multiplier, source and lonlat (a closed ring)"),
        (("multiplier = 2.5", 'multiplier = "x"'), "protected[1]: needs name, multiplier, source and lonlat (a closed ring)"),
        (("multiplier = 2.5", "multiplier = [1]"), "protected[1]: needs name, multiplier, source and lonlat (a closed ring)"),
        (("lonlat = [[90.0, 49.0], [91.0, 49.0], [91.0, 50.0], [90.0, 49.0]]\n", ""),
         "protected[1]: needs name, multiplier, source and lonlat (a closed ring)"),
        (("[[90.0, 49.0], [91.0, 49.0], [91.0, 50.0], [90.0, 49.0]]", "[[90.0, 49.0], [91.0, 50.0], [91.0, 49.0], [90.0, 50.0], [90.0, 49.0]]"),
         "protected[1]: needs a valid ring, a positive multiplier and a source"),
        (("[[90.0, 49.0], [91.0, 49.0], [91.0, 50.0], [90.0, 49.0]]", "[[90.0, 49.0], [91.0, 49.0]]"),
         "protected[1]: needs name, multiplier, source and lonlat (a closed ring)"),
    ],
)
def test_load_cost_config__bad_values(tmp_path, change, message):
    """Oracle: the rules of load_cost_config's checks: the four numbers finite and 0 or more (base
    more than 0), multipliers positive numbers (not booleans), each area a name-able record with
    a positive multiplier, a source and a valid ring; the message names the file and field."""
    old, new = change
    assert old in _GOOD_TOML
    path = tmp_path / "cost.toml"
    path.write_text(_GOOD_TOML.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RouteDataError) as error:
        load_cost_config(path)
    assert str(error.value) == f"{path}: {message}"


def test_load_cost_config__not_toml(tmp_path):
    """Oracle: a file that is not TOML is refused with the parser's reason, naming the file."""
    path = tmp_path / "cost.toml"
    path.write_text("base = = 1\n", encoding="utf-8")
    with pytest.raises(RouteDataError, match=r"^.*cost\.toml: not valid TOML: Invalid value \(at line 1, column 8\)$"):
        load_cost_config(path)


def test_load_lakes__every_feature_as_a_geometry(tmp_path):
    """Oracle: the GeoJSON written here: two features, their geometries in order."""
    first, second = shapely.box(100, 50, 101, 51), shapely.Polygon([(102, 50), (103, 50), (102.5, 51)])
    features = [{"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))} for g in (first, second)]
    path = tmp_path / "lakes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    lakes = load_lakes(path)
    assert len(lakes) == 2 and lakes[0].equals(first) and lakes[1].equals(second)
    assert load_lakes(str(path))[1].equals(second)


def test_grid_graph__never_reads_uninitialised_memory():
    """Oracle: a property: building the graph of a finite grid raises no floating-point warning,
    whatever memory np.empty hands it. A freed block of signalling NaNs (bits 0x7FF0000000000001)
    of the step array's size is left for np.empty to reuse, 20 times."""
    import warnings

    cost = np.ones((40, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):
            junk = np.full(40 * 40 * 4, 0x7FF0000000000001, dtype=np.uint64)
            del junk
            steps = _finite_steps(grid_graph(cost, cell_m=1.0))
            assert len(steps) == 2 * 40 * 39 + 2 * 39 * 39


# --- more wrong numbers that no test noticed (second mutmut pass) -------------------------------


def _octile(a, b):
    """Cheapest 8-connected distance on a uniform grid of cost 1 and 1 m cells, by hand: the
    shorter offset in diagonal steps, the rest straight."""
    dr, dc = abs(a[0] - b[0]), abs(a[1] - b[1])
    return max(dr, dc) - min(dr, dc) + 2**0.5 * min(dr, dc)


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (1, 5), (5, 1), (2, 2), (2, 3)])
def test_uniform_grid__every_pair_costs_the_octile_distance(shape):
    """Oracle: the octile distance by hand, for every ordered pair of cells of small uniform grids
    (cells on the edges and corners included: steps off the sides and the bottom lead nowhere,
    and none may spoil the cells they point at)."""
    cells = [(r, c) for r in range(shape[0]) for c in range(shape[1])]
    for a in cells:
        for b in cells:
            if a != b:
                path = least_cost_path(np.ones(shape), [a, b], cell_m=1.0)
                assert path.cost == pytest.approx(_octile(a, b), rel=1e-12), (a, b)
                assert path.cells[0] == a and path.cells[-1] == b


def test_least_cost_path__crossing_cost_without_zones_is_nothing():
    """Oracle: the docstring: the crossing cost is added to steps between two zones; with no zones
    there are none, so the cost is the bare octile distance (2 + sqrt 2 cells)."""
    path = least_cost_path(np.ones((3, 4)), [(0, 0), (1, 3)], cell_m=1.0, crossing_cost=100.0)
    assert path.cost == pytest.approx(2 + 2**0.5) and path.crossings == 0


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (2, 1), (1, 5), (5, 1), (2, 2), (3, 4), (7, 3)])
def test_grid_graph__well_formed_csr(shape):
    """Oracle: a property: the graph is a valid rows*cols square CSR matrix (every column index
    inside it, four entries a row), whatever the grid's shape."""
    n = shape[0] * shape[1]
    graph = grid_graph(np.ones(shape), cell_m=1.0)
    assert graph.shape == (n, n)
    graph.check_format(full_check=True)
    assert graph.indices.min() >= 0 and graph.indices.max() <= n - 1
    np.testing.assert_array_equal(np.diff(graph.indptr), 4)


def test_cost_surface__subnormal_cells_refused_without_a_warning():
    """Oracle: the docstring (a grid over MAX_CELLS refused) for 5e-324 km cells, whose grid size
    overflows to inf in floats: a one-line error, no floating-point warning (pytest makes
    warnings errors)."""
    with pytest.raises(RouteDataError) as error:
        _surface(cell_km=5e-324)
    assert str(error.value) == (
        "cell_km: 4.94066e-324 km cells make a inf x inf grid, over 25,000,000 cells; use a larger --cell-km"
    )


@pytest.mark.parametrize("cell_km", [3.0, 5.0, 7.0, 10.0])
def test_cost_surface__grid_covers_a_box_across_the_central_meridian(cell_km):
    """Oracle: a property: every point of the box lies in a cell of the grid. Across 95 E the
    southern edge of the box bows south of its corners (by about 11 km over 90-100 E at 45 N),
    so the grid must reach below the corners; checked on 1,001 points along each edge with the
    cell of each point computed from the projection by hand."""
    box = (90.0, 45.0, 100.0, 50.0)
    surface = _surface(bbox=box, cell_km=cell_km)
    rows, cols = surface.cost.shape
    t = np.linspace(0.0, 1.0, 1001)
    lon = np.r_[90 + 10 * t, np.full(1001, 100.0), 90 + 10 * t, np.full(1001, 90.0)]
    lat = np.r_[np.full(1001, 45.0), 45 + 5 * t, np.full(1001, 50.0), 45 + 5 * t]
    x, y = _TO_XY.transform(lon, lat)
    r = np.round((surface.y0 - np.asarray(y)) / (cell_km * 1000))
    c = np.round((np.asarray(x) - surface.x0) / (cell_km * 1000))
    assert r.min() >= 0 and r.max() <= rows - 1 and c.min() >= 0 and c.max() <= cols - 1
    _, y_mid = _TO_XY.transform(95.0, 45.0)
    _, y_corner = _TO_XY.transform(90.0, 45.0)
    assert y_corner - y_mid > 10_000  # the bow the grid must cover


def test_suggest_route__points_closer_than_two_cells_of_the_largest_size():
    """Oracle: the rule 'less than two cells apart' holds at the largest cells too: 50 km cells
    (MAX_CELL_KM, accepted) and points 55.6 km apart (pyproj's Geod) are refused as too close."""
    from pyproj import Geod

    apart_km = Geod(ellps="WGS84").inv(100.0, 50.0, 100.0, 50.5)[2] / 1000
    with pytest.raises(RouteDataError) as error:
        suggest_route([(100.0, 50.0), (100.0, 50.5)], cell_km=50.0, **_synthetic_inputs())
    assert str(error.value) == (
        f"--from/--via/--to: points 0 and 1 are {apart_km:,.2f} km apart, less than two 50 km cells;"
        " move them apart or use a smaller --cell-km"
    )


def test_suggest_route__staircase_within_a_quarter_cell_becomes_one_segment():
    """Oracle: the docstring (the cell staircase straightened within a quarter cell; a quarter of
    10 km is 2.5 km / 111.32 km per degree = 0.02246 degrees) and Douglas-Peucker's rule: when
    every vertex lies within the tolerance of the chord between the ends, only the ends remain.
    The start is moved south inside its cell (the search box, hence the grid, moves with it:
    recomputed by hand each time) until the row's cell centres lie at most 0.9955 of a quarter
    cell from the chord (by bisection; distances by shapely in degrees): the line is then the
    single segment from start to end (a tolerance of 0.99 or 0.8 of a quarter cell would keep
    a vertex)."""
    (lon1, lat1), end = _same_row_points()
    quarter = 10.0 / 4 / _KM_PER_DEGREE

    def deviation(d):
        start = (lon1, lat1 + d)
        box = (lon1 - 3.0, min(start[1], end[1]) - 3.0, end[0] + 3.0, max(start[1], end[1]) + 3.0)
        x0, y0, _, _ = _hand_layout(box, 10.0)
        (xa, xb), (ya, yb) = _TO_XY.transform([start[0], end[0]], [start[1], end[1]])
        row, col_a, col_b = round((y0 - ya) / 10_000.0), round((xa - x0) / 10_000.0), round((xb - x0) / 10_000.0)
        assert round((y0 - yb) / 10_000.0) == row and col_b - col_a == 30  # one row: the straight path
        lon, lat = _TO_LONLAT.transform(x0 + np.arange(col_a + 1, col_b) * 10_000.0, np.full(29, y0 - row * 10_000.0))
        return float(shapely.distance(shapely.LineString([start, end]), shapely.points(lon, lat)).max())

    low, high = -0.036, -0.020  # degrees of latitude; the start's cell spans about 0.09
    assert deviation(high) > quarter > 0.9955 * quarter > deviation(low)
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (low, mid) if deviation(mid) > 0.9955 * quarter else (mid, high)
    assert deviation(low) == pytest.approx(0.9955 * quarter, rel=1e-6)
    start = (lon1, lat1 + low)
    line, _, _ = suggest_route([start, end], cell_km=10.0, **_synthetic_inputs())
    assert list(line.coords) == [start, end]


@pytest.mark.parametrize(("load", "what"), [(load_cost_config, "UTF-8 TOML"), (load_lakes, "UTF-8 GeoJSON")])
def test_loaders__not_utf8(tmp_path, load, what):
    """Oracle: geo.catalog.read_text_file's contract: a file that is not UTF-8 is refused in one
    line naming the file and what it must be (cost.toml: UTF-8 TOML; lakes: UTF-8 GeoJSON)."""
    path = tmp_path / "input"
    path.write_bytes(b"base = 1\n# caf\xe9\n")
    with pytest.raises(RouteDataError) as error:
        load(path)
    assert str(error.value) == f"{path}: cannot read the file (UnicodeDecodeError); it must be {what}"
