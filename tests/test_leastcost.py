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
    with pytest.raises(RouteDataError, match="every cell cost must be more than 0"):
        least_cost_path(cost, [(0, 0), (9, 9)], cell_m=CELL_M)


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


def test_suggested_routes__stale_cost_file_warns(tmp_path, monkeypatch, capsys):
    changed = tmp_path / "cost.toml"
    changed.write_text(make_maps.COST_PATH.read_text() + "\n# changed\n")
    monkeypatch.setattr(make_maps, "COST_PATH", changed)
    assert make_maps.main(["compare"]) == 0
    err = capsys.readouterr().err
    assert "warning: suggested_routes.geojson was computed with another cost.toml; run tools/build_suggestions.py" in err
