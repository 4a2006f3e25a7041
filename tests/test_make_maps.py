"""Tests for the command line: outputs, exit status and one-line errors."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

import make_maps
from tests.conftest import DEFAULT_IDS, REPO_DIR


def run(*args: str, cwd=REPO_DIR, env_extra=None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, str(REPO_DIR / "make_maps.py"), *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False,
    )  # fmt: skip


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_compare_json__fields_for_every_route():
    result = run("compare", "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["id"] for r in records] == DEFAULT_IDS
    for r in records:
        assert isinstance(r["length_km"], float) and isinstance(r["planar_length_km"], float)
        assert r["countries"] and all(len(k) == 3 or k == "none" for k in r["countries"])
        for crossing in r["border_crossings"]:
            assert set(crossing) == {"from", "to", "lon", "lat", "km"}
        assert r["published_length_km"] is None or isinstance(r["published_length_km"], float)
        assert r["capacity_bcm"] is None or isinstance(r["capacity_bcm"], float)


def test_compare__geojson_from_a_tracker(write):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ProjectID": "G100", "name": "Tracker line"},
                "geometry": {"type": "LineString", "coordinates": [[106.2, 51.0], [106.2, 49.5]]},
            }
        ],
    }
    result = run("compare", "--routes", str(write("tracker.geojson", json.dumps(doc))), "--format", "json")
    assert result.returncode == 0, result.stderr
    (record,) = json.loads(result.stdout)
    assert record["id"] == "G100" and record["published_length_km"] is None
    assert [(c["from"], c["to"]) for c in record["border_crossings"]] == [("RUS", "MNG")]


def test_compare__table_is_default():
    result = run("compare")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("basis: West Siberian supply")
    # the basis nodes by name (geo/data/network.toml), not by id
    assert ", from Nadym-Pur-Taz fields (Novy Urengoy hub) to Beijing (Jing-Jin-Ji demand region); " in result.stdout.splitlines()[0]
    assert "nadym-pur-taz" not in result.stdout
    assert result.stdout.splitlines()[1].split()[:8] == ["id", "km", "as", "built", "km", "(90", "%)", "basis"]


def test_compare_csv_and_method_note__basis_nodes_by_id_and_by_name():
    """Oracle: geo/data/network.toml read here (ids and names of the [[node]] tables)."""
    import csv
    import tomllib

    names = {n["id"]: n["name"] for n in tomllib.loads((REPO_DIR / "geo" / "data" / "network.toml").read_text())["node"]}
    result = run("compare", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    mongolia = rows["pos2-mongolia"]
    assert (mongolia["basis_from"], mongolia["basis_to"]) == ("nadym-pur-taz", "beijing")
    assert (mongolia["basis_from_name"], mongolia["basis_to_name"]) == (names["nadym-pur-taz"], names["beijing"])
    assert rows["pos1"]["basis_from_name"] == ""  # no path on the basis: blank, as the other basis columns
    note = make_maps.method_note(max_segment_km=10.0, basis="yamal,beijing")["basis"]
    assert (note["from"], note["to"], note["from_name"], note["to_name"]) == ("yamal", "beijing", names["yamal"], names["beijing"])


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["compare", "--routes", "missing.toml"], ["missing.toml: file not found"]),
        (["compare", "--format", "xml"], ["invalid choice: 'xml'"]),
        (["compare", "--max-segment-km", "0"], ["'0' must be a positive number"]),
        (["frobnicate"], ["invalid choice: 'frobnicate'"]),
    ],
)
def test_bad_usage__one_line_exit_2(args, fragments):
    assert_one_line_error(run(*args), *fragments)


def test_bad_data__names_file_record_field(write):
    bad = write("bad.toml", (REPO_DIR / "geo" / "data" / "routes.toml").read_text().replace("lat = 52.29", "lat = 152.29", 1))
    assert_one_line_error(run("compare", "--routes", str(bad)), "bad.toml", "record 'pos2-mongolia'", "waypoints[", ".lat", "152.29")


def test_build__writes_outputs_atomically_and_reproducibly(tmp_path):
    out = tmp_path / "out" / "maps"
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    first = run("--out", str(out), env_extra=env)
    assert first.returncode == 0, first.stderr
    files = sorted(p.name for p in out.iterdir())
    expected = [
        ".make_maps.files", ".make_maps.lock", "comparison.csv", "index.html", "routes.geojson", "trade.html",
        "overview.png", "comparison.png",
        *(f"{rid}.html" for rid in DEFAULT_IDS), *(f"{rid}-profile.png" for rid in DEFAULT_IDS),
    ]  # fmt: skip
    assert files == sorted(expected)  # catalog ids are their own slugs; no staging or temporary files left
    snapshot = {name: (out / name).read_bytes() for name in files}
    assert run("build", "--out", str(out), env_extra=env).returncode == 0
    assert {name: (out / name).read_bytes() for name in files} == snapshot  # HTML too
    geojson = json.loads(snapshot["routes.geojson"])
    routes = [f for f in geojson["features"] if f["properties"]["feature_type"] == "route"]
    assert "crs" not in geojson and len(routes) == len(DEFAULT_IDS)
    assert routes[0]["properties"]["method"]["build_date"] == "2026-01-01"
    for page in ("index.html", "pos1.html", "trade.html"):  # traced lines shipped: the ODbL and CC BY credit on every map
        html = snapshot[page].decode("utf-8")
        assert "Natural Earth" in html and "© OpenStreetMap contributors (ODbL" in html and "Global Energy Monitor (CC BY" in html
    assert oct((out / "routes.geojson").stat().st_mode & 0o777) == "0o644"
    index = snapshot["index.html"].decode("utf-8")
    assert 'href=\\"overview.png\\"' in index and 'href=\\"comparison.png\\"' in index  # linked from the title block
    for name in ("overview.png", "comparison.png"):
        image = Image.open(io.BytesIO(snapshot[name]))
        assert image.format == "PNG" and image.info["dpi"] == pytest.approx((150, 150), abs=0.02)  # BUILD_FIGURE_DPI: screen copies


def test_build__files_hold_the_compare_numbers(tmp_path):
    out = tmp_path / "maps"
    assert run("build", "--out", str(out)).returncode == 0
    assert (out / "comparison.csv").read_text() == run("compare", "--format", "csv").stdout
    compare = json.loads(run("compare", "--format", "json").stdout)
    features = json.loads((out / "routes.geojson").read_text())["features"]
    routes = [f for f in features if f["properties"]["feature_type"] == "route"]
    for record, feature in zip(compare, routes, strict=True):
        properties = {k: v for k, v in feature["properties"].items() if k not in ("method", "feature_type")}
        assert properties == record


def test_build__bad_input_writes_nothing_and_keeps_old_files(tmp_path, write):
    out = tmp_path / "maps"
    out.mkdir()
    (out / "comparison.csv").write_text("old")
    bad = write("bad.toml", "[[route]]\nid = 'x'\n")
    assert_one_line_error(run("build", "--out", str(out), "--routes", str(bad)), "bad.toml", "record 'x'")
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv"]
    assert (out / "comparison.csv").read_text() == "old"


def test_build__out_is_a_file(write):
    assert_one_line_error(run("build", "--out", str(write("file.txt", "x"))), "not a folder")


def test_main__in_process(capsys):
    assert make_maps.main(["compare", "--format", "markdown"]) == 0
    assert "| pos2-mongolia |" in capsys.readouterr().out


def test_trade_json__summary_and_years():
    result = run("trade", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    summary = data["summary"]
    assert {"year", "total_usd_bn", "ru_to_cn_usd_bn", "cn_to_ru_usd_bn", "ru_to_cn_change_vs_2021_pct"} <= set(summary)
    assert (summary["year"], summary["total_usd_bn"], summary["ru_to_cn_usd_bn"]) == (2024, 244.81, 129.32)
    assert [row["year"] for row in data["years"]] == list(range(2013, 2026))


def test_trade__own_csv_and_bad_rows(write):
    header = "year,total_usd_bn,cn_exports_to_ru_usd_bn,cn_imports_from_ru_usd_bn,confidence,confidence_note,source\n"
    good = write("mine.csv", header + "2020,10.0,4.0,6.0,high,,mine\n2021,12.0,5.0,7.0,high,,mine\n")
    result = run("trade", "--trade", str(good), "--format", "csv")
    assert result.returncode == 0 and result.stdout.splitlines()[1].startswith("2020,10.0,4.0,6.0,high")
    bad = write("bad.csv", header + "2020,10.0,4.0,6.0,high,,mine\n2020,12.0,5.0,7.0,high,,mine\n")
    assert_one_line_error(run("trade", "--trade", str(bad)), "bad.csv: line 3: year: duplicate year 2020")
    text = run("trade").stdout
    assert "2024: bilateral trade $244.81 bn" in text and "+63.1 % on 2021" in text


def test_build__route_id_named_like_a_page_gets_its_own_file(write, tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "index", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[100, 50], [101, 50]]}}
    ]}  # fmt: skip
    out = tmp_path / "maps"
    result = run("build", "--out", str(out), "--routes", str(write("r.geojson", json.dumps(doc))))
    assert result.returncode == 0, result.stderr
    (page,) = [p.name for p in out.glob("index-*.html")]  # the route's page, beside the overview
    assert "download-geojson" in (out / "index.html").read_text()  # the overview, with its panel
    assert "download-geojson" not in (out / page).read_text()
    assert json.loads((out / "routes.geojson").read_text())["features"][0]["id"] == "index"  # the id itself is kept


# --------------------------------------------------------------------------
# --offline without npm: the pinned tarballs, checked and unpacked once


def _tarball(tmp_path, name, files, *, top="package"):
    """A gzipped npm-style tarball of ``files`` ({path: text}) under ``top/``; returns (path, sha512 integrity)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{path}" if top else path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / f"{name}.tgz"
    path.write_bytes(buffer.getvalue())
    return path, "sha512-" + base64.b64encode(hashlib.sha512(buffer.getvalue()).digest()).decode()


def _lock(tmp_path, entries, *, dev=()):
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"dependencies": {name: "1.0.0" for name in entries}, "devDependencies": {d: "1" for d in dev}}))
    lock = tmp_path / "package-lock.json"
    lock.write_text(json.dumps({"lockfileVersion": 3, "packages": {f"node_modules/{n}": e for n, e in entries.items()}}))
    return package, lock


def test_fetch_pinned_packages__checked_unpacked_once(tmp_path):
    tgz, integrity = _tarball(tmp_path, "leaflet", {"package.json": '{"version": "1.0.0"}', "dist/leaflet.js": "L = 1;"})
    package, lock = _lock(tmp_path, {"leaflet": {"version": "1.0.0", "resolved": tgz.as_uri(), "integrity": integrity}}, dev=["bootstrap"])
    calls = []

    def opener(url, timeout):
        calls.append(url)
        return urllib.request.urlopen(url, timeout=timeout)

    cache = tmp_path / "cache"
    root = make_maps.fetch_pinned_packages(package, lock, cache, opener=opener)
    assert (root / "leaflet" / "dist" / "leaflet.js").read_text() == "L = 1;"
    assert sorted(p.name for p in cache.iterdir()) == [root.name]  # no staging left; devDependencies not fetched
    assert make_maps.fetch_pinned_packages(package, lock, cache, opener=opener) == root
    assert calls == [tgz.as_uri()]  # once


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ("integrity", "does not match its sha512 integrity hash"),
        ("scheme", "has no version, https address and 'integrity' hash"),
        ("traversal", "is not a usable package tarball"),
        ("missing", "cannot download"),
    ],
)
def test_fetch_pinned_packages__refuses_and_leaves_nothing(tmp_path, change, fragment):
    files = {"package.json": "{}", "../../escaped.txt": "x"} if change == "traversal" else {"package.json": "{}"}
    tgz, integrity = _tarball(tmp_path, "pkg", files)
    entry = {"version": "1.0.0", "resolved": tgz.as_uri(), "integrity": integrity}
    if change == "integrity":
        entry["integrity"] = "sha512-" + "A" * 86 + "=="
    elif change == "scheme":
        entry["resolved"] = "http://registry.example/pkg.tgz"
    elif change == "missing":
        entry["resolved"] = (tmp_path / "gone.tgz").as_uri()
    package, lock = _lock(tmp_path, {"pkg": entry})
    cache = tmp_path / "cache"
    with pytest.raises(make_maps.RouteDataError) as info:
        make_maps.fetch_pinned_packages(package, lock, cache)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert list(cache.iterdir()) == []  # no half-fetched folder
    assert not (tmp_path / "escaped.txt").exists() and not (cache.parent / "escaped.txt").exists()


def test_fetch_pinned_packages__registry_address_when_the_lock_has_none(tmp_path):
    seen = []

    def opener(url, timeout):
        seen.append(url)
        raise make_maps.urllib.error.URLError("offline in tests")

    package, lock = _lock(tmp_path, {"@scope/pkg": {"version": "2.1.0", "integrity": "sha512-x"}})
    with pytest.raises(make_maps.RouteDataError, match="cannot download .*offline in tests"):
        make_maps.fetch_pinned_packages(package, lock, tmp_path / "cache", opener=opener)
    assert seen == ["https://registry.npmjs.org/@scope/pkg/-/pkg-2.1.0.tgz"]


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")]


def test_figure__map_svg_names_every_route_and_repeats_byte_for_byte(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    result = run("figure", "--out", str(first), env_extra=env)
    assert result.returncode == 0, result.stderr
    assert run("figure", "--kind", "map", "--out", str(second), env_extra=env).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    texts = svg_texts(first.read_bytes())
    names = [r["name"] for r in json.loads(run("compare", "--format", "json").stdout)]
    assert len(names) == len(DEFAULT_IDS) and all(name in texts for name in names)
    assert any("built 2026-01-01" in t for t in texts)
    assert any("© OpenStreetMap contributors (ODbL)" in t for t in texts)  # traced lines drawn: their licence
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.svg"]  # no temporary files left


def test_figure__comparison_pdf_and_profiles_png(tmp_path):
    pdf, png = tmp_path / "cmp.PDF", tmp_path / "prof.png"
    assert run("figure", "--kind", "comparison", "--out", str(pdf)).returncode == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 1
    assert run("figure", "--kind", "profiles", "--out", str(png)).returncode == 0
    image = Image.open(io.BytesIO(png.read_bytes()))
    assert image.format == "PNG" and image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_figure__own_routes_without_traces_credit_no_odbl(tmp_path, write):
    doc = {"type": "Feature", "properties": {"name": "My line"},
           "geometry": {"type": "LineString", "coordinates": [[104.3, 52.3], [106.9, 47.9], [116.4, 39.9]]}}  # fmt: skip
    out = tmp_path / "mine.svg"
    result = run("figure", "--routes", str(write("mine.geojson", json.dumps(doc))), "--out", str(out))
    assert result.returncode == 0, result.stderr
    texts = svg_texts(out.read_bytes())
    assert "My line" in texts and any("Natural Earth" in t for t in texts)
    assert not any("ODbL" in t for t in texts)  # no traced line drawn, no OpenStreetMap credit


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["figure", "--out", "figure.jpg"], ["figure.jpg", "not .jpg", ".png (300 dpi), .svg or .pdf"]),
        (["figure", "--out", "figure"], ["not (no extension)"]),
        (["figure", "--out", "missing-folder/f.png"], ["folder missing-folder does not exist"]),
        (["figure", "--kind", "pie"], ["invalid choice: 'pie'"]),
        (["figure", "--routes", "missing.toml", "--out", "f.svg"], ["missing.toml: file not found"]),
    ],
)
def test_figure__bad_usage_one_line_nothing_written(tmp_path, args, fragments):
    assert_one_line_error(run(*args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# the build's figure child (Linux: forked after measuring, it dies with the build)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the figure child is Linux-only")


# In a fresh interpreter: the test process may run other threads (browser tests), and a process with
# threads draws its figures itself (forking it could deadlock).
_FIGURES_SCRIPT = """
import json, os, sys
import make_maps

def children():
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children", encoding="ascii") as file:
        return len(file.read().split())

out = {"may_fork": make_maps._may_fork()}
figures = make_maps.FigureChild(make_maps.report_figures)  # forked before measuring, as the build does
out["children_at_start"] = children()
try:
    args = make_maps._parser().parse_args(["build"])
    routes, measured, records, profiles = make_maps._measure_with_profiles(args, max_routes=make_maps.MAX_BUILD_ROUTES)
    method = make_maps.method_note(max_segment_km=args.max_segment_km)
    if sys.argv[1] == "same":
        figures.draw(routes, measured, records, profiles, method=method)
        there = figures.result()
        out["children_after_result"] = children()
        here = make_maps.report_figures(routes, measured, records, profiles, method=method)
        out |= {"names": list(there), "same": there == here}
    elif sys.argv[1] == "drawing":
        figures.draw(routes, measured, records, profiles, method=method)
        raise RuntimeError("pages failed")
    else:
        raise RuntimeError("measuring failed")
except RuntimeError as exc:
    out["raised"] = str(exc)
finally:
    figures.stop()
out["children_after_stop"] = children()
print(json.dumps(out))
"""


def _figures_in_fresh_python(case: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _FIGURES_SCRIPT, case], capture_output=True, text=True, cwd=REPO_DIR, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@linux_only
def test_build_figures__child_draws_the_same_bytes_as_this_process():
    """Oracle: the same figures drawn here (no child) — the child only moves where they are drawn."""
    out = _figures_in_fresh_python("same")
    assert out["may_fork"]  # Linux, 2+ cores (the CI machine has 2), one thread
    assert out["children_at_start"] == 1 and out["children_after_result"] == 0  # forked, then reaped
    assert out["names"] == ["overview.png", "comparison.png"]
    assert out["same"]


@linux_only
@pytest.mark.parametrize("case", ["measuring", "drawing"])
def test_build_figures__a_failing_build_stops_the_child(case):
    """An error before the routes are handed over, or while the child draws: the error goes on up, and the
    child is killed and reaped."""
    out = _figures_in_fresh_python(case)
    assert out["children_at_start"] == 1
    assert out["raised"] == f"{'pages' if case == 'drawing' else case} failed" and out["children_after_stop"] == 0


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
        return {int(p) for p in file.read().split()}


@linux_only
def test_build_figure_child__dies_with_a_killed_build_and_holds_none_of_its_pipes(tmp_path):
    """kill -9 of a build: its figure child ends too (parent-death signal), and a reader of the build's output
    gets end-of-file at once (the child closed its copies of its stdout/stderr). The child is stopped before the
    build is killed, so it cannot end by finishing its figure: only the parent-death signal ends it."""
    proc = subprocess.Popen(
        [sys.executable, str(REPO_DIR / "make_maps.py"), "build", "--no-tiles", "--out", str(tmp_path / "maps")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO_DIR,
    )  # fmt: skip
    child = None
    try:
        deadline = time.monotonic() + 60
        while not (children := _children(proc.pid)) or not _streams_closed(child := min(children)):
            assert proc.poll() is None and time.monotonic() < deadline, "the build forked no figure child"
            time.sleep(0.01)
        os.kill(child, signal.SIGSTOP)
        proc.kill()
        proc.communicate(timeout=10)  # returns only when no process holds the pipes
        assert proc.returncode == -9
        deadline = time.monotonic() + 10
        while _state(child) != "Z":
            assert time.monotonic() < deadline, f"figure child {child} outlived the killed build"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def _streams_closed(pid: int) -> bool:
    """Whether the process's stdin, stdout and stderr all lead to /dev/null (its set-up is done)."""
    try:
        return all(os.readlink(f"/proc/{pid}/fd/{fd}") == os.devnull for fd in (0, 1, 2))
    except FileNotFoundError:
        return False


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return file.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"


def test_compare__the_catalog_named_by_its_path_is_still_the_catalog():
    """Property: `--routes geo/data/routes.toml` (relative, as the README types it) reads the same file as the
    default, so every catalog route gets the same basis: its traced stretches along operating pipelines count
    as existing (before the fix the relative path was not the catalog's, and Kazakhstan-CAC's 3,039 km along
    the Central Asia-China lines became new build)."""
    default = {r["id"]: r["basis"] for r in json.loads(run("compare", "--format", "json").stdout)}
    named = json.loads(run("compare", "--format", "json", "--routes", "geo/data/routes.toml").stdout)
    assert named and all(r["basis"] == default[r["id"]] for r in named)
    assert any(r["basis"] and r["basis"]["existing_km"] > 1000 for r in named)  # the stretches are there


def test_build__profile_heights_shared_or_each_its_own(tmp_path, write):
    """Two routes, one across the Altai (over 2,000 m), one on the flat West Siberian plain (under 200 m).
    Oracle: the plain's profile drawn on its own axis is the one layers.profile draws with no range given, and on
    the shared axis the one drawn with the Altai's range; the Altai route (which sets the range) is the same both
    ways."""
    from layers.profile import profile_png
    from layers.style import line_colours

    lines = {
        "plain": [[70.0, 61.0], [75.0, 61.0]],  # Khanty-Mansi lowland
        "altai": [[86.0, 52.0], [88.5, 49.5]],  # Gorno-Altaysk to the Kosh-Agach basin
    }
    features = [{"type": "Feature", "properties": {"id": k, "name": k}, "geometry": {"type": "LineString", "coordinates": v}}
                for k, v in lines.items()]  # fmt: skip
    routes = write("two.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    built = {}
    for heights in ("shared", "own"):
        out = tmp_path / heights
        assert make_maps.main(["build", "--no-tiles", "--routes", str(routes), "--out", str(out), "--profile-heights", heights]) == 0
        built[heights] = {k: (out / f"{k}-profile.png").read_bytes() for k in lines}
    assert built["shared"]["altai"] == built["own"]["altai"]
    assert built["shared"]["plain"] != built["own"]["plain"]
    args = make_maps._parser().parse_args(["build", "--routes", str(routes)])
    _, _, records, profiles = make_maps._measure_with_profiles(args)
    colours = line_colours(records)
    plain = next(i for i, r in enumerate(records) if r["id"] == "plain")
    altai = profiles[1 - plain]
    assert altai["max_m"] > 2000 and profiles[plain]["max_m"] < 200
    own = profile_png(profiles[plain], records[plain], colour=colours["plain"])
    assert built["own"]["plain"] == own
    top_m = 500.0 * math.ceil(altai["max_m"] / 500.0)  # the Altai's top rounded up to 500 m; the plain is above 0 m
    shared = profile_png(profiles[plain], records[plain], colour=colours["plain"], height_range_m=(0.0, top_m))
    assert built["shared"]["plain"] == shared
