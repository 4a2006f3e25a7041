"""make_maps' output writers: write_atomic, write_file_atomic and publish (in process, fast).

Oracles are properties a reader of the folder must be able to rely on: an
interrupted write leaves the old bytes, the final names appear only through a
rename of a finished file, and a build's files all arrive or none do.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import make_maps
from geo.errors import RouteDataError


def test_write_atomic__failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "routes.geojson"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half of the new", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        make_maps.write_file_atomic(target, half_then_fail)
    assert target.read_text("utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["routes.geojson"]  # the temporary file is gone


def test_write_atomic__final_name_appears_only_by_rename(tmp_path, monkeypatch):
    """The target is never opened for writing: it only ever receives a finished file through os.replace."""
    target = tmp_path / "comparison.csv"
    renames: list[tuple[Path, Path, str]] = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((Path(src), Path(dst), Path(src).read_text("utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(make_maps.os, "replace", spy)
    make_maps.write_atomic(target, "a,b\n1,2\n")
    ((src, dst, content),) = renames
    assert dst == target and src != target and src.parent == target.parent and src.name.startswith(".")
    assert content == "a,b\n1,2\n"  # complete before the rename
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_write_atomic__two_writers_use_different_temporary_names(tmp_path, monkeypatch):
    seen: list[str] = []
    real_replace = os.replace
    monkeypatch.setattr(make_maps.os, "replace", lambda s, d: (seen.append(Path(s).name), real_replace(s, d)))
    for _ in range(2):
        make_maps.write_atomic(tmp_path / "a.csv", "x")
    assert len(set(seen)) == 2


def test_publish__all_files_staged_before_the_first_rename(tmp_path, monkeypatch):
    """Every file is complete in one private folder inside out when the first rename happens."""
    out = tmp_path / "maps"
    files = {"index.html": b"<p>i</p>", "r1.html": b"<p>r</p>", "r1-profile.png": b"\x89PNG"}
    staged_at_first_rename: dict[str, bytes] = {}
    real_replace = os.replace

    def spy(src, dst):
        src = Path(src)
        if not staged_at_first_rename:
            staged_at_first_rename.update({p.name: p.read_bytes() for p in src.parent.iterdir()})
            assert src.parent.parent == out and src.parent.name.startswith(make_maps.STAGING_PREFIX)
            assert not (out / "index.html").exists()
        real_replace(src, dst)

    monkeypatch.setattr(make_maps.os, "replace", spy)
    make_maps.publish(out, files)
    assert {k: v for k, v in staged_at_first_rename.items() if k in files} == files
    assert {name: (out / name).read_bytes() for name in files} == files
    assert not list(out.glob(f"{make_maps.STAGING_PREFIX}*"))


def test_publish__a_failed_rename_leaves_no_staging_and_old_files(tmp_path, monkeypatch):
    out = tmp_path / "maps"
    out.mkdir()
    (out / "index.html").write_bytes(b"old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(make_maps.os, "replace", fail)
    with pytest.raises(OSError):
        make_maps.publish(out, {"index.html": b"new"})
    assert (out / "index.html").read_bytes() == b"old"
    assert not list(out.glob(f"{make_maps.STAGING_PREFIX}*"))


def test_publish__stale_staging_removed(tmp_path):
    out = tmp_path / "maps"
    stale = out / f"{make_maps.STAGING_PREFIX}killed"
    stale.mkdir(parents=True)
    (stale / "index.html").write_bytes(b"from a killed build")
    make_maps.publish(out, {"index.html": b"new"})
    assert not stale.exists() and (out / "index.html").read_bytes() == b"new"


def test_publish__out_under_a_file_is_one_error(tmp_path):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(RouteDataError, match="cannot create the output folder"):
        make_maps.publish(tmp_path / "file.txt" / "child", {"a.html": b"x"})
