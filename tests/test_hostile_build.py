"""Hostile builds (issue 10): ids never become paths, all-or-nothing output, one-line errors, 180 degrees and poles.

Every test says where its expectation comes from: a hand calculation (the
radius of a parallel, a meridian arc integrated in tests/conftest.py), the
rotational symmetry of the ellipsoid, a documented rule (page names, the
one-line error contract of make_maps.main), or a property that must hold
(nothing new outside --out, no file changed by a failed build). No expected
value is copied from the program's output.

Builds run with --no-tiles on one to a dozen short routes; a subprocess is
used only where the process itself matters (kill -9, two builds at once,
stdout on a full device), everything else calls make_maps.main in-process.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from pyproj import Geod

import make_maps
from geo.catalog import apply_traces, load_traces, read_routes
from geo.errors import RouteDataError
from geo.readers.common import ID_MAX_CHARS
from tests.conftest import REPO_DIR, WGS84_A_M, WGS84_F, meridian_arc_m
from tests.test_catalog import catalog_text
from tests.test_make_maps import assert_one_line_error, run

PAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*(-profile\.png|\.html)$")
FIXED_OUTPUTS = {"index.html", "trade.html", "routes.geojson", "comparison.csv", "overview.png", "comparison.png"}
"""What every build writes besides its route pages (make_maps docstring, README)."""
LOCK = ".make_maps.lock"
MANIFEST = ".make_maps.files"
EXTRACT_BOX = tuple(json.loads(make_maps.COUNTRIES_SOURCE_PATH.read_text("utf-8"))["box_lonlat"])
"""West, south, east, north of the shipped boundary extract, as recorded when it was cut."""


# --------------------------------------------------------------------------
# helpers


def feature_collection(lines: dict[str, list[list[float]]]) -> str:
    features = [
        {"type": "Feature", "id": route_id, "properties": {}, "geometry": {"type": "LineString", "coordinates": coords}}
        for route_id, coords in lines.items()
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def short_lines(ids: list[str]) -> dict[str, list[list[float]]]:
    """One ~40 km line per id, side by side in Mongolia (inside the extract, away from 180 degrees)."""
    return {route_id: [[100.0 + 0.2 * i, 47.0], [100.5 + 0.2 * i, 47.1]] for i, route_id in enumerate(ids)}


def tree(root: Path) -> dict[Path, bytes | None]:
    """Every path under ``root`` with its bytes (None for a folder)."""
    return {p: (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


def in_process(args: list[str], capsys) -> tuple[int, list[str], str]:
    """Run make_maps.main in this process; return status, stderr lines, stdout."""
    status = make_maps.main(args)
    captured = capsys.readouterr()
    return status, captured.err.strip().splitlines(), captured.out


def assert_one_error_line(status: int, lines: list[str], out: str, *fragments: str) -> None:
    """The contract of make_maps.main for bad input: status 2, one stderr line, no stdout, no traceback."""
    assert status == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("make_maps.py: error: ")
    assert "Traceback" not in lines[0]
    assert out == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def strict_json(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (RFC 8259 has none of them)."""

    def refuse(constant: str):
        msg = f"non-standard JSON constant {constant}"
        raise ValueError(msg)

    return json.loads(text, parse_constant=refuse)


def pages_of(out: Path) -> set[str]:
    return {p.name for p in out.iterdir()} - FIXED_OUTPUTS - {LOCK, MANIFEST}


def assert_complete_set(out: Path, ids: list[str]) -> None:
    """``out`` holds exactly one build of ``ids``: the fixed outputs, the lock, the list of what the build wrote,
    and a page and profile per route."""
    names = {p.name for p in out.iterdir()}
    assert FIXED_OUTPUTS | {LOCK, MANIFEST} <= names
    assert not [n for n in names if n.startswith(make_maps.STAGING_PREFIX) or n.endswith(".tmp") or ".tmp." in n]
    pages = pages_of(out)
    html = sorted(n.removesuffix(".html") for n in pages if n.endswith(".html"))
    png = sorted(n.removesuffix("-profile.png") for n in pages if n.endswith("-profile.png"))
    assert html == png and len(html) == len(ids) and len(pages) == 2 * len(ids), sorted(names)
    features = json.loads((out / "routes.geojson").read_text("utf-8"))["features"]
    assert [f["id"] for f in features if f["properties"]["feature_type"] == "route"] == ids
    assert (out / "index.html").read_text("utf-8").rstrip().endswith("</html>")


def parallel_arc_m(lat_deg: float, dlon_deg: float) -> float:
    """Length along a parallel of WGS84: N(phi) cos(phi) dlambda, N = a / sqrt(1 - e^2 sin^2 phi).

    A geodesic between two points of one parallel is a little shorter than this
    arc (it bows poleward); over 2 degrees at 50 N by under 0.01 %.
    """
    e2 = WGS84_F * (2 - WGS84_F)
    phi = math.radians(lat_deg)
    return WGS84_A_M / math.sqrt(1 - e2 * math.sin(phi) ** 2) * math.cos(phi) * math.radians(dlon_deg)


# --------------------------------------------------------------------------
# 1. ids never become paths


ACCEPTED_IDS = [
    "../escaped",
    None,  # an absolute path under tmp_path, filled in by the test
    "A/B",
    "a\\b",
    "..",
    "CON",
    "index",
    "trade",
    "Index",
    "q" * ID_MAX_CHARS,  # the longest id the readers take (geo.readers.common.ID_MAX_CHARS)
    "   x",
    "Сила Сибири 2",
]


def assert_pages_inside(out: Path, before: dict[Path, bytes | None], root: Path, ids: list[str]) -> None:
    """Every new path under ``root`` is ``out`` or a file directly in it; page names are safe and distinct."""
    new = set(tree(root)) - set(before)
    assert all(p == out or p.parent == out for p in new), sorted(map(str, new))
    assert all(p.is_file() for p in new if p != out)
    pages = pages_of(out)
    assert all(PAGE_NAME.match(name) for name in pages), sorted(pages)
    html = [n.removesuffix(".html") for n in pages if n.endswith(".html")]
    assert len({n.lower() for n in html}) == len(ids) == len(html)  # distinct even on a case-insensitive disk
    assert not {n.lower() for n in html} & {"index", "trade", "con", "prn", "aux", "nul"}
    assert_complete_set(out, ids)
    with (out / "comparison.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [row["id"] for row in csv.DictReader(f)] == ids


def test_geojson_ids__pages_only_inside_out_ids_kept(tmp_path):
    """Oracle: page names follow geo.names' documented rule; the ids themselves are data, kept as written
    (the readers strip surrounding spaces, as geo.readers.common.check_id documents: '   x' is 'x')."""
    ids = [str(tmp_path / "abs") if i is None else i for i in ACCEPTED_IDS]
    routes = tmp_path / "in" / "hostile.geojson"
    routes.parent.mkdir()
    routes.write_text(feature_collection(short_lines(ids)), encoding="utf-8")
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    before = tree(tmp_path)
    result = run("build", "--out", str(out), "--no-tiles", "--routes", str(routes), cwd=out.parent)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert_pages_inside(out, before, tmp_path, [i.strip() for i in ids])


def test_csv_route_ids__pages_only_inside_out(tmp_path):
    """Oracle as above, for the waypoint CSV reader (route_id is the id)."""
    ids = ["../up", "../../../../tmp/x", str(tmp_path / "abs"), "A/B", "a,b;c", "..", "Index", "index"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["route_id", "seq", "name", "lon", "lat"])
    for route_id, ((lon0, lat0), (lon1, lat1)) in short_lines(ids).items():
        writer.writerows([[route_id, 1, "a", lon0, lat0], [route_id, 2, "b", lon1, lat1]])
    routes = tmp_path / "in" / "waypoints.csv"
    routes.parent.mkdir()
    routes.write_text(text.getvalue(), encoding="utf-8")
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    before = tree(tmp_path)
    result = run("build", "--out", str(out), "--no-tiles", "--routes", str(routes), cwd=out.parent)
    assert result.returncode == 0, result.stderr
    assert_pages_inside(out, before, tmp_path, ids)


@pytest.mark.parametrize(
    ("route_id", "fragments"),
    [
        ("a\x00b", ["U+0000"]),
        ("   ", ["only spaces"]),
        ("q" * 300, ["300 characters", f"at most {ID_MAX_CHARS}"]),  # over the documented ID_MAX_CHARS
    ],
    ids=["nul", "only_spaces", "300_chars"],
)
def test_rejected_ids__one_line_nothing_written(route_id, fragments, tmp_path):
    """Oracle: the one-line contract of make_maps.main; the folder tree is unchanged."""
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection({route_id: [[100, 47], [100.5, 47.1]]}), encoding="utf-8")
    before = tree(tmp_path)
    result = run("build", "--out", "out", "--no-tiles", "--routes", str(routes), cwd=tmp_path)
    assert_one_line_error(result, "r.geojson", *fragments)
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------
# 2. all-or-nothing


def previous_build(tmp_path: Path, capsys) -> tuple[Path, dict[Path, bytes | None]]:
    """A complete build of one catalog route, 'old-route', into tmp_path/maps; returns the folder and its tree."""
    out = tmp_path / "maps"
    old = tmp_path / "old.toml"
    old.write_text(catalog_text(route_id='"old-route"'), encoding="utf-8")
    status, lines, _ = in_process(["build", "--out", str(out), "--no-tiles", "--routes", str(old)], capsys)
    assert status == 0, lines
    assert_complete_set(out, ["old-route"])  # a catalog id that is a slug is its own page name (geo.names)
    return out, tree(tmp_path)


def test_build_failing_after_measuring__previous_build_untouched(tmp_path, monkeypatch, capsys):
    """A yearly_flow that names no energy.csv column is found only after measuring (make_maps._trade_inputs).
    Oracle: nothing under tmp_path changes, byte for byte; no new page, no staging folder."""
    monkeypatch.chdir(tmp_path)
    out, before = previous_build(tmp_path, capsys)
    new = tmp_path / "new.toml"
    new.write_text(
        catalog_text(route_id='"old-route"') + catalog_text(route_id='"new-route"', extra='yearly_flow = "bogus"'),
        encoding="utf-8",
    )
    before[new] = new.read_bytes()
    status, lines, stdout = in_process(["build", "--out", str(out), "--no-tiles", "--routes", str(new)], capsys)
    assert status == 2 and stdout == ""
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1 and errors == lines[-1:], lines
    for fragment in ("new.toml", "'new-route'", "yearly_flow", "'bogus'"):
        assert fragment in errors[0], (fragment, errors[0])
    assert tree(tmp_path) == before


PAUSE_WRAPPER = """
import os, sys, time
from pathlib import Path
import make_maps
marker, pause_s = Path(sys.argv[1]), float(sys.argv[2])
real_replace = os.replace
def slow_replace(src, dst, *args, **kwargs):
    if Path(src).parent.name.startswith(make_maps.STAGING_PREFIX) and not marker.exists():  # publish's first rename
        marker.touch()
        time.sleep(pause_s)
    return real_replace(src, dst, *args, **kwargs)
make_maps.os.replace = slow_replace
raise SystemExit(make_maps.main(sys.argv[3:]))
"""
"""Run make_maps.main, touching a marker file and pausing when publish() is about to rename its first file."""


def start_paused(marker: Path, pause_s: float, args: list[str]) -> subprocess.Popen:
    """Start a build that pauses at its first rename; return once it is there (the marker exists)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSE_WRAPPER, str(marker), str(pause_s), *args],
        cwd=REPO_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the build never reached its renames: {proc.communicate()[1]}")
        time.sleep(0.05)
    return proc


def test_build_killed_before_its_renames__previous_build_untouched_then_recovered(tmp_path, monkeypatch, capsys):
    """kill -9 while the new files sit in staging: the old build stays byte-identical, the staging folder is
    left (nothing could remove it), and the next build removes it and writes its complete set."""
    monkeypatch.chdir(tmp_path)
    out, before = previous_build(tmp_path, capsys)
    new = tmp_path / "new.toml"
    new.write_text(catalog_text(route_id='"old-route"') + catalog_text(route_id='"new-route"'), encoding="utf-8")
    marker = tmp_path / "renaming"
    before |= {new: new.read_bytes()}
    args = ["build", "--out", str(out), "--no-tiles", "--routes", str(new)]
    proc = start_paused(marker, 60, args)
    proc.kill()  # SIGKILL, while all new files sit in staging
    proc.communicate()
    assert proc.returncode == -9
    after = tree(tmp_path)
    del after[marker]
    staging = [p for p in after if p.parent == out and p.name.startswith(make_maps.STAGING_PREFIX)]
    assert len(staging) == 1 and after[staging[0]] is None  # the killed build's private folder
    assert (staging[0] / "new-route.html").is_file()  # it had rendered everything
    leftover = {p: data for p, data in after.items() if p != staging[0] and staging[0] not in p.parents}
    assert leftover == before  # the previous build byte-identical, no new page beside it
    assert not (out / "new-route.html").exists()

    status, lines, _ = in_process(args, capsys)
    assert status == 0, lines
    assert_complete_set(out, ["old-route", "new-route"])  # stale staging removed, nothing else left over


# --------------------------------------------------------------------------
# 3. two builds at once, and a lock held by someone else


def test_two_builds_at_once__both_succeed_one_complete_set(tmp_path):
    """Oracle: two identical builds into one folder take turns through the lock, so both exit 0 and the folder
    holds exactly one complete set, with no staging folder or temporary file left."""
    ids = ["alpha", "beta"]
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(ids)), encoding="utf-8")
    out = tmp_path / "maps"
    args = ["build", "--out", str(out), "--no-tiles", "--routes", str(routes)]
    command = [sys.executable, str(REPO_DIR / "make_maps.py"), *args]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    procs = [subprocess.Popen(command, cwd=tmp_path, **pipes) for _ in range(2)]
    results = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
    for err, status in results:
        assert status == 0, err
        assert "Traceback" not in err and "wrote" in err
    assert sorted(p.name for p in out.iterdir()) == sorted([*FIXED_OUTPUTS, LOCK, MANIFEST, "alpha.html", "alpha-profile.png",
                                                              "beta.html", "beta-profile.png"])  # fmt: skip
    assert_complete_set(out, ids)
    assert {p.parent for p in tmp_path.rglob("*") if p.is_file()} == {tmp_path, out}


def test_second_build_while_the_first_renames__waits_its_turn(tmp_path):
    """The first build pauses 4 s at its first rename; the second starts then, renders (~2 s) and reaches
    publish while the first still holds the lock. Oracle: publish's docstring: builds into one folder take
    turns, so the second neither removes the first's staging folder as stale nor mixes its files in; both
    exit 0 and one complete set is left."""
    ids = ["alpha", "beta"]
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(ids)), encoding="utf-8")
    out = tmp_path / "maps"
    args = ["build", "--out", str(out), "--no-tiles", "--routes", str(routes)]
    first = start_paused(tmp_path / "renaming", 4, args)
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    second = subprocess.Popen([sys.executable, str(REPO_DIR / "make_maps.py"), *args], cwd=tmp_path, **pipes)
    results = [(proc.communicate(timeout=120)[1], proc.returncode) for proc in (first, second)]
    for err, status in results:
        assert status == 0, err
        assert "Traceback" not in err
    assert_complete_set(out, ids)


@pytest.fixture
def held_lock(tmp_path):
    """The lock file of tmp_path/maps, held by this test (as another build would hold it)."""
    out = tmp_path / "maps"
    out.mkdir()
    with (out / LOCK).open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield out
        fcntl.flock(handle, fcntl.LOCK_UN)


def test_publish_waits_for_the_lock_then_stops(held_lock):
    """Oracle: publish's docstring: one that waits longer than lock_timeout_s stops, writing nothing."""
    started = time.monotonic()
    with pytest.raises(RouteDataError, match=re.escape(LOCK)) as caught:
        make_maps.publish(held_lock, {"a.txt": b"x"}, lock_timeout_s=0.3)
    assert 0.3 <= time.monotonic() - started < 5
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in held_lock.iterdir()) == [LOCK]


def test_build_while_locked__one_error_line_status_2(held_lock, tmp_path, monkeypatch, capsys):
    """The same through main: one error line, status 2, the folder unchanged (publish's timeout made short)."""
    real_publish = make_maps.publish
    monkeypatch.setattr(make_maps, "publish", lambda out, files: real_publish(out, files, lock_timeout_s=0.3))
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(["alpha"])), encoding="utf-8")
    status, lines, out = in_process(["build", "--out", str(held_lock), "--no-tiles", "--routes", str(routes)], capsys)
    assert status == 2 and out == ""
    errors = [line for line in lines if line.startswith("make_maps.py: error: ")]
    assert errors == lines[-1:] and LOCK in errors[0] and "Traceback" not in "\n".join(lines)
    assert sorted(p.name for p in held_lock.iterdir()) == [LOCK]


# --------------------------------------------------------------------------
# 4. one-line errors and status


def via_points(n: int) -> list[str]:
    return [f"{100 + i % 5},{45 + i // 5}" for i in range(n)]


ONE_LINE_CASES = {
    "export_into_missing_folder": (["export", "--format", "geojson", "--out", "missing/x.geojson"], ["missing"]),
    "gpkg_named_geojson": (["export", "--format", "gpkg", "--out", "x.geojson"], ["x.geojson", ".gpkg"]),
    "route_out_is_a_folder": (
        ["route", "--from", "100,47", "--to", "104,47", "--out", "folder"], ["folder", "is a folder"]
    ),
    "cell_km_5e-324": (["route", "--from", "100,47", "--to", "110,47", "--cell-km", "5e-324"], ["--cell-km"]),
    "route_same_point_twice": (["route", "--from", "100,50", "--to", "100,50"], ["0.00 km apart"]),
    # 0.01 deg of longitude at 50 N: N(50) cos 50 * 0.01 pi/180 = 717.0 m (parallel_arc_m), 0.72 km.
    "route_points_0.01_deg_apart": (
        ["route", "--from", "100,50", "--to", "100.01,50"], [f"{parallel_arc_m(50, 0.01) / 1000:.2f} km apart"]
    ),
    "route_21_via_points": (
        ["route", "--from", "100,44", "--to", "110,44", "--via", *via_points(21)], ["21 via", "20"]
    ),
}


@pytest.mark.parametrize(("args", "fragments"), list(ONE_LINE_CASES.values()), ids=list(ONE_LINE_CASES))
def test_usage_and_output_errors__one_line_nothing_written(args, fragments, tmp_path, monkeypatch, capsys):
    """Oracle: the one-line contract of make_maps.main (status 2, one line, no stdout); the tree is unchanged."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(["alpha"])), encoding="utf-8")
    if args[0] == "export":
        args = [*args, "--routes", str(routes)]
    before = tree(tmp_path)
    status, lines, out = in_process(args, capsys)
    assert_one_error_line(status, lines, out, *fragments)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("epoch", ["abc", "99999999999999999999", "1e9"])
def test_bad_source_date_epoch__one_line(epoch, tmp_path, monkeypatch, capsys):
    """Oracle: reproducible-builds.org's SOURCE_DATE_EPOCH is a non-negative whole number of seconds;
    99999999999999999999 s is past year 9999, which no date type holds."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(["alpha"])), encoding="utf-8")
    before = tree(tmp_path)
    status, lines, out = in_process(["build", "--out", "maps", "--no-tiles", "--routes", str(routes)], capsys)
    assert_one_error_line(status, lines, out, "SOURCE_DATE_EPOCH", repr(epoch))
    assert tree(tmp_path) == before


OUT_UNWRITABLE = {"under_proc": "/proc/pos2-test", "under_a_file": "file.txt/child"}


def build_into_unwritable(where: str, tmp_path: Path, monkeypatch, capsys) -> tuple[int, list[str], str, dict]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(["alpha"])), encoding="utf-8")
    before = tree(tmp_path)
    status, lines, out = in_process(["build", "--out", where, "--no-tiles", "--routes", str(routes)], capsys)
    assert not Path("/proc/pos2-test").exists()
    assert tree(tmp_path) == before
    return status, lines, out, before


@pytest.mark.parametrize("where", list(OUT_UNWRITABLE.values()), ids=list(OUT_UNWRITABLE))
def test_build_out_unwritable__status_2_error_last_nothing_written(where, tmp_path, monkeypatch, capsys):
    """Oracle: the contract of make_maps.main: status 2, the error on one line, no traceback, nothing written."""
    status, lines, out, _ = build_into_unwritable(where, tmp_path, monkeypatch, capsys)
    assert status == 2 and out == ""
    errors = [line for line in lines if line.startswith("make_maps.py: error: ")]
    assert errors == lines[-1:] and where in errors[0] and "--out" in errors[0]
    assert "Traceback" not in "\n".join(lines)


@pytest.mark.parametrize("where", list(OUT_UNWRITABLE.values()), ids=list(OUT_UNWRITABLE))
def test_build_out_unwritable__exactly_one_line(where, tmp_path, monkeypatch, capsys):
    """Oracle: issue 10 class 5, '--out into /proc or a file's child: one line and status 2'."""
    status, lines, out, _ = build_into_unwritable(where, tmp_path, monkeypatch, capsys)
    assert_one_error_line(status, lines, out, where)


def test_build_501_routes__one_line_naming_the_limit(tmp_path, monkeypatch, capsys):
    """Oracle: make_maps.MAX_BUILD_ROUTES (500) is the documented cap; the line says how to get past it."""
    monkeypatch.chdir(tmp_path)
    n = make_maps.MAX_BUILD_ROUTES + 1
    lines_501 = {f"r{i}": [[100 + 0.01 * i, 47.0], [100 + 0.01 * i, 47.1]] for i in range(n)}
    routes = tmp_path / "many.geojson"
    routes.write_text(feature_collection(lines_501), encoding="utf-8")
    before = tree(tmp_path)
    started = time.monotonic()
    status, lines, out = in_process(["build", "--out", "maps", "--no-tiles", "--routes", str(routes)], capsys)
    assert time.monotonic() - started < 10  # refused before measuring or drawing 501 pages
    assert_one_error_line(status, lines, out, f"{n}", f"{make_maps.MAX_BUILD_ROUTES}", "compare", "export")
    assert tree(tmp_path) == before


def test_compare_max_segment_1_m__refused_at_once_with_a_spacing_that_fits(tmp_path, monkeypatch, capsys):
    """Densifying the default routes to 1 m would make (total length / 1 m) vertices.

    Oracle: the total geodesic length of the default route files (traced
    routes along their traces, as the command draws them), summed here
    with pyproj's Geod segment by segment. Densifying to d makes
    sum(ceil(s_i / d)) + parts vertices, between L/d + parts and
    L/d + segments + parts. The suggested spacing S must fit under the limit
    even at the upper bound, and S - 1 m must not fit even at the lower one.
    """
    monkeypatch.chdir(tmp_path)
    routes = apply_traces(read_routes(list(make_maps.DEFAULT_ROUTE_FILES)), load_traces(make_maps.TRACES_PATH))
    geod = Geod(ellps="WGS84")
    parts = shapely.get_parts(routes.geometry.values)
    length_m = sum(geod.line_length(*shapely.get_coordinates(p).T) for p in parts)
    segments = sum(len(shapely.get_coordinates(p)) - 1 for p in parts)
    limit = make_maps.MAX_VERTICES
    started = time.monotonic()
    status, lines, out = in_process(["compare", "--max-segment-km", "0.001"], capsys)
    assert time.monotonic() - started < 15  # refused up front: measuring would take ~50 s and 5 GB
    assert_one_error_line(status, lines, out, f"{limit:,}", "--max-segment-km")
    vertices = int(re.search(r"make ([\d,]+) vertices", lines[0]).group(1).replace(",", ""))
    assert length_m / 1 + len(parts) <= vertices <= length_m / 1 + segments + len(parts)
    suggested_km = float(re.search(r"use --max-segment-km ([\d.]+)", lines[0]).group(1))
    assert length_m / (suggested_km * 1000) + segments + len(parts) <= limit
    assert length_m / (suggested_km * 1000 - 1) + len(parts) > limit  # whole metres: one less would not do


def test_compare_stdout_on_a_full_device__one_line_status_2(tmp_path):
    """Oracle: the contract of make_maps.main: output that cannot be written is one line and status 2."""
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(["alpha"])), encoding="utf-8")
    with open("/dev/full", "w") as full:  # noqa: PTH123
        result = subprocess.run(
            [sys.executable, str(REPO_DIR / "make_maps.py"), "compare", "--format", "json", "--routes", str(routes)],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "standard output" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.geojson"]


def boom(*args, **kwargs):
    msg = "boom\nsecond line"
    raise RuntimeError(msg)


def test_unexpected_error__one_line_status_1_mentions_debug(tmp_path, monkeypatch, capsys):
    """Oracle: make_maps.main's docstring: anything unexpected is one line and status 1; --debug shows it."""
    monkeypatch.setattr(make_maps, "measure_routes", boom)
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection(short_lines(["alpha"])), encoding="utf-8")
    status, lines, out = in_process(["compare", "--routes", str(routes)], capsys)
    assert status == 1 and out == ""
    assert len(lines) == 1, lines
    assert "RuntimeError" in lines[0] and "boom" in lines[0] and "second line" in lines[0] and "--debug" in lines[0]
    with pytest.raises(RuntimeError, match="boom"):
        make_maps.main(["compare", "--debug", "--routes", str(routes)])


# --------------------------------------------------------------------------
# 5. 180 degrees and the poles


def test_line_across_180__true_length_outside_and_warning(tmp_path, monkeypatch, capsys):
    """[[179,50],[-179,50]] crosses 180 degrees; turned by 180 degrees it is [[-1,50],[1,50]].

    Oracle: the ellipsoid is symmetric about its axis, so both have one length
    (to the metre the JSON carries); that length is just under the 2-degree arc
    of the 50 N parallel, N(50) cos 50 * 2 pi/180 = 143.392 km (issue 10: 143.4 km).
    Both lie east of 146 E or west of 46 E, outside the extract: all km 'outside'.
    """
    monkeypatch.chdir(tmp_path)
    routes = tmp_path / "r.geojson"
    lines_180 = {"across": [[179, 50], [-179, 50]], "turned": [[-1, 50], [1, 50]]}
    routes.write_text(feature_collection(lines_180), encoding="utf-8")
    status, lines, out = in_process(["compare", "--format", "json", "--routes", str(routes)], capsys)
    assert status == 0, lines
    across, turned = strict_json(out)
    arc_km = parallel_arc_m(50, 2) / 1000
    assert arc_km * (1 - 1e-4) < across["length_km"] < arc_km
    assert abs(across["length_km"] - turned["length_km"]) <= 0.001 + 1e-9
    for record in (across, turned):
        assert record["countries"] == {"outside": pytest.approx(record["length_km"], abs=0.0015)}
        assert all(km >= 0 for km in record["countries"].values())
        assert record["border_crossings"] == []
    assert len(lines) == 1, lines
    assert lines[0].startswith("make_maps.py: warning: ")
    assert "2 route(s)" in lines[0] and "outside the boundary extract" in lines[0]

    status, lines, _ = in_process(["build", "--out", "maps", "--no-tiles", "--routes", str(routes)], capsys)
    assert status == 0, lines
    assert_complete_set(tmp_path / "maps", ["across", "turned"])


def test_line_from_180_to_minus_180__one_line(tmp_path, monkeypatch, capsys):
    """180 and -180 on one parallel are one place: a line of no length, refused (issue 10: it gave NaN)."""
    monkeypatch.chdir(tmp_path)
    routes = tmp_path / "r.geojson"
    routes.write_text(feature_collection({"zero": [[180, 50], [-180, 50]]}), encoding="utf-8")
    before = tree(tmp_path)
    for args in (["compare", "--format", "json"], ["build", "--out", "maps", "--no-tiles"]):
        status, lines, out = in_process([*args, "--routes", str(routes)], capsys)
        assert_one_error_line(status, lines, out, "r.geojson", "'zero'")
    assert tree(tmp_path) == before


def test_lines_through_and_to_the_pole__strict_json_true_lengths(tmp_path, monkeypatch, capsys):
    """[[0,80],[180,80]] runs over the North Pole; [[100,60],[100,90]] up the 100 E meridian to it.

    Oracle: meridian arcs by numerical integration (tests/conftest.meridian_arc_m):
    the first is 2 x arc(80, 90); the second arc(60, 90), of which arc(60, 74) is
    Russian land (Evenkia and Taymyr, no sea on 100 E south of 74 N) and the rest
    lies north of the extract's 74 N edge. JSON strict: no NaN or Infinity.
    """
    monkeypatch.chdir(tmp_path)
    routes = tmp_path / "r.geojson"
    polar = {"over-pole": [[0, 80], [180, 80]], "to-pole": [[100, 60], [100, 90]]}
    routes.write_text(feature_collection(polar), encoding="utf-8")
    status, lines, out = in_process(["compare", "--format", "json", "--routes", str(routes)], capsys)
    assert status == 0, lines
    over, to = strict_json(out)
    assert over["length_km"] == pytest.approx(2 * meridian_arc_m(80, 90) / 1000, abs=0.001)
    assert over["countries"] == {"outside": pytest.approx(over["length_km"], abs=0.0015)}
    assert to["length_km"] == pytest.approx(meridian_arc_m(60, 90) / 1000, abs=0.001)
    north = EXTRACT_BOX[3]
    assert to["countries"] == {
        "RUS": pytest.approx(meridian_arc_m(60, north) / 1000, abs=0.002),
        "outside": pytest.approx(meridian_arc_m(north, 90) / 1000, abs=0.002),
    }
    for record in (over, to):
        assert all(isinstance(v, float) and math.isfinite(v) and v >= 0 for v in record["countries"].values())

    export = ["export", "--format", "geojson", "--out", "poles.geojson", "--routes", str(routes)]
    status, lines, out = in_process(export, capsys)
    assert status == 0, lines
    doc = strict_json((tmp_path / "poles.geojson").read_text("utf-8"))
    routes_out = [f for f in doc["features"] if f["properties"]["feature_type"] == "route"]
    assert [f["id"] for f in routes_out] == ["over-pole", "to-pole"]
    for feature in routes_out:
        coords = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))
        assert len(coords) >= 2 and all(math.isfinite(v) for v in coords.ravel())
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in coords)


# --------------------------------------------------------------------------
# 6. tracker files beyond the extract


def test_lines_at_10e_50n__all_km_outside_never_water(tmp_path, monkeypatch, capsys):
    """10 E, 50 N (Bavaria-Bohemia) is west of the extract's 46 E edge: its km are not known to lie in any
    country, and are not water. Oracle: the extract box in countries.source.json; README's 'none' means water."""
    assert EXTRACT_BOX[0] > 10.5
    monkeypatch.chdir(tmp_path)
    routes = tmp_path / "tracker.geojson"
    tracker = {"g1": [[10, 50], [10, 50.5]], "g2": [[10, 50], [10.5, 50]]}
    routes.write_text(feature_collection(tracker), encoding="utf-8")
    status, lines, out = in_process(["compare", "--format", "json", "--routes", str(routes)], capsys)
    assert status == 0, lines
    records = strict_json(out)
    # 0.5 deg of meridian from 50 N, and 0.5 deg of the 50 N parallel (an upper bound for the geodesic).
    assert records[0]["length_km"] == pytest.approx(meridian_arc_m(50, 50.5) / 1000, abs=0.001)
    arc_km = parallel_arc_m(50, 0.5) / 1000
    assert arc_km * (1 - 1e-5) < records[1]["length_km"] <= arc_km + 0.0005
    for record in records:
        assert record["countries"] == {"outside": pytest.approx(record["length_km"], abs=0.0015)}
        assert "none" not in record["countries"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("make_maps.py: warning: ") and "2 route(s)" in lines[0] and "'outside'" in lines[0]

    status, lines, out = in_process(["compare", "--format", "csv", "--routes", str(routes)], capsys)
    assert status == 0
    for row, record in zip(csv.DictReader(io.StringIO(out)), records, strict=True):
        assert float(row["km_outside"]) == record["length_km"]
        assert float(row.get("km_none") or 0) == 0


def test_next_build__removes_pages_of_routes_gone_and_nothing_else(tmp_path, capsys):
    """Oracle: the first build wrote pages for alpha and beta; the second builds only beta. alpha's page and
    profile (listed in .make_maps.files by the first build) go; a file of the user's in the folder stays."""
    routes = tmp_path / "r.geojson"
    out = tmp_path / "maps"
    routes.write_text(feature_collection(short_lines(["alpha", "beta"])), encoding="utf-8")
    assert in_process(["build", "--out", str(out), "--no-tiles", "--routes", str(routes)], capsys)[0] == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "gamma.html").write_text("mine too: not written by a build", encoding="utf-8")
    routes.write_text(feature_collection(short_lines(["beta"])), encoding="utf-8")
    assert in_process(["build", "--out", str(out), "--no-tiles", "--routes", str(routes)], capsys)[0] == 0
    assert not (out / "alpha.html").exists() and not (out / "alpha-profile.png").exists()
    assert (out / "notes.txt").read_text("utf-8") == "mine" and (out / "gamma.html").exists()
    assert (out / MANIFEST).read_text("utf-8").split() == sorted([*FIXED_OUTPUTS, "beta.html", "beta-profile.png"])
