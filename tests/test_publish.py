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


def test_publish__files_readable_by_all_and_the_manifest_lists_them(tmp_path):
    """Oracle: publish's contract: outputs are shared (mode 0644), and .make_maps.files names exactly the files
    written, one per line, sorted, so the next build knows what it may remove."""
    out = tmp_path / "maps"
    files = {"index.html": b"i", "b-route.html": b"b", "a-route-profile.png": b"\x89PNG"}
    make_maps.publish(out, files)
    for name in [*files, make_maps.MANIFEST_NAME]:
        assert oct((out / name).stat().st_mode & 0o777) == "0o644", name
    manifest = (out / make_maps.MANIFEST_NAME).read_bytes()
    assert manifest == b"a-route-profile.png\nb-route.html\nindex.html\n"
    assert sorted(p.name for p in out.iterdir()) == sorted([*files, make_maps.MANIFEST_NAME, make_maps.LOCK_NAME])


def test_publish__removes_only_pages_the_previous_build_wrote(tmp_path):
    """A page of a route no longer built goes; the user's own files stay, even when the previous manifest names
    them (only route pages and profiles are ever removed, never a path outside the folder)."""
    out = tmp_path / "maps"
    make_maps.publish(out, {"index.html": b"1", "gone.html": b"1", "gone-profile.png": b"1", "kept.html": b"1"})
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "outside.html").write_text("mine", encoding="utf-8")
    with (out / make_maps.MANIFEST_NAME).open("a", encoding="utf-8") as manifest:  # a tampered manifest
        manifest.write("notes.txt\n../outside.html\nINDEX.HTML\n")
    make_maps.publish(out, {"index.html": b"2", "kept.html": b"2"})
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["index.html", "kept.html", "notes.txt"]
    assert (tmp_path / "outside.html").read_text("utf-8") == "mine"
    assert (out / "kept.html").read_bytes() == b"2"


@pytest.mark.parametrize("manifest", [b"\xff\xfe not text", b""])
def test_publish__unreadable_manifest_removes_nothing(tmp_path, manifest):
    out = tmp_path / "maps"
    make_maps.publish(out, {"index.html": b"1", "old.html": b"1"})
    (out / make_maps.MANIFEST_NAME).write_bytes(manifest)
    make_maps.publish(out, {"index.html": b"2"})
    assert (out / "old.html").read_bytes() == b"1"  # not known to be ours: left alone


def test_publish__lock_released_after_a_build(tmp_path):
    """Oracle: POSIX flock: after publish returns, another holder can take the lock at once (non-blocking)."""
    import fcntl

    out = tmp_path / "maps"
    make_maps.publish(out, {"index.html": b"1"})
    with (out / make_maps.LOCK_NAME).open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if publish still held it
        fcntl.flock(handle, fcntl.LOCK_UN)


def test_folder_lock__waits_for_a_holder_that_lets_go(tmp_path):
    """A lock held for 0.3 s by another process: publish waits, then writes (it does not give up at once)."""
    import subprocess
    import sys
    import time

    out = tmp_path / "maps"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX);"
         " print('held', flush=True); time.sleep(0.3)", str(out / make_maps.LOCK_NAME)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    with holder:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        make_maps.publish(out, {"index.html": b"x"}, lock_timeout_s=30)
    assert (out / "index.html").read_bytes() == b"x"
    assert time.monotonic() - started < 10


def test_make_folder__creates_the_missing_parents_and_names_them_outermost_first(tmp_path):
    """Oracle: the folders that did not exist, by hand: a, a/b, a/b/c (a failed build removes them again,
    innermost first, so their order matters)."""
    made = make_maps._make_folder(tmp_path / "a" / "b" / "c")
    assert made == [tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"]
    assert (tmp_path / "a" / "b" / "c").is_dir()
    assert make_maps._make_folder(tmp_path / "a" / "b" / "c") == []  # all there now


def test_make_folder__a_file_in_the_way_is_one_line_naming_it(tmp_path):
    (tmp_path / "maps").write_text("x", encoding="utf-8")
    with pytest.raises(RouteDataError) as info:
        make_maps._make_folder(tmp_path / "maps")
    assert str(info.value) == f"{tmp_path / 'maps'}: exists and is not a folder; pass another --out"
    with pytest.raises(RouteDataError) as info:
        make_maps._make_folder(tmp_path / "maps" / "inner")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'maps' / 'inner'}: cannot create the output folder (")
    assert message.endswith("); pass another --out") and "\n" not in message


def test_publish__staging_folders_it_cannot_remove_do_not_stop_it(tmp_path, monkeypatch):
    """A staging folder left by a killed build, or its own, that cannot be removed (another user's files):
    publish still writes its files (removal is best effort)."""
    out = tmp_path / "maps"
    (out / f"{make_maps.STAGING_PREFIX}killed").mkdir(parents=True)
    real_rmtree = make_maps.shutil.rmtree

    def stubborn(path, ignore_errors=False, **kwargs):
        if not ignore_errors:
            raise PermissionError(13, "Permission denied", str(path))
        return real_rmtree(path, ignore_errors=True, **kwargs)

    monkeypatch.setattr(make_maps.shutil, "rmtree", stubborn)
    make_maps.publish(out, {"index.html": b"new"})
    assert (out / "index.html").read_bytes() == b"new"


def test_publish__a_gone_page_that_cannot_be_removed_is_left(tmp_path):
    """The previous build's page of a route no longer built has become a folder (someone's notes): it cannot be
    unlinked, and publish leaves it rather than failing after the new files are in place."""
    out = tmp_path / "maps"
    make_maps.publish(out, {"index.html": b"1", "gone.html": b"1"})
    (out / "gone.html").unlink()
    (out / "gone.html").mkdir()
    make_maps.publish(out, {"index.html": b"2"})
    assert (out / "index.html").read_bytes() == b"2" and (out / "gone.html").is_dir()


def test_write_file_atomic__an_error_before_the_file_exists_is_the_one_raised(tmp_path):
    """The write fails before it created anything (a disk full at open): that error reaches the user, not a
    'file not found' from cleaning up a temporary file that was never made."""

    def fail_at_once(tmp: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left on device"):
        make_maps.write_file_atomic(tmp_path / "out.png", fail_at_once)
    assert list(tmp_path.iterdir()) == []
