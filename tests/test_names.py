"""Tests for geo.names.page_slugs: route ids from any file become safe, distinct file names.

Oracles: the contract in the docstring of geo/names.py (pattern, length,
reserved names, distinct even on a case-insensitive disk, a slug depends on its
id alone), Microsoft's list of reserved device names ("Naming Files, Paths, and
Namespaces": CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9, with any extension), and
the file system itself (a slug written under a folder stays in that folder).
"""

from __future__ import annotations

import hashlib
import re
import types

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo import names
from geo.names import MAX_SLUG_CHARS, page_slugs

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
CANONICAL_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A short lower-case slug as a person writes it (``pos2-mongolia``): no leading,
trailing or doubled ``-``. Such an id is its own slug (docstring of page_slugs)."""
WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)}
BUILD_PAGES = {"index", "trade", "routes", "comparison"}  # pages make_maps writes itself (geo/names.py)
RESERVED = WINDOWS_DEVICES | BUILD_PAGES

SETTINGS = settings(deadline=None)
"""Example counts and seeds come from the profile loaded in conftest.py (fixed in CI)."""


class SamePrefix:
    """sha256 whose hex digest always starts with eight zeros (the rest is the real digest)."""

    def __init__(self, data: bytes) -> None:
        self._hex = hashlib.sha256(data).hexdigest()

    def hexdigest(self) -> str:
        return "0" * 8 + self._hex[8:]


def assert_safe_and_distinct(ids: list[str], slugs: list[str], *, reserved: set[str] = frozenset()) -> None:
    """The contract of page_slugs, checked from its output alone."""
    assert len(slugs) == len(ids)
    for route_id, slug in zip(ids, slugs, strict=True):
        assert SLUG.fullmatch(slug), (route_id, slug)
        assert len(slug) <= MAX_SLUG_CHARS, (route_id, slug)
        assert slug not in RESERVED | {r.lower() for r in reserved}, (route_id, slug)
    # A case-insensitive disk (Windows, macOS default) sees "A" and "a" as one file.
    assert len({s.casefold() for s in slugs}) == len(set(ids)), list(zip(ids, slugs, strict=True))


@pytest.mark.parametrize(
    "ids",
    [
        ["A", "a"],  # differ only by case
        ["Pos2", "POS2", "pos2"],
        ["A/B", "a b", "A-B", "a_b", "a.b", "a--b"],  # differ only by punctuation
        ["Сила Сибири 2", "Сила Сибири 1", "Алтай"],  # Cyrillic only: nothing survives ASCII folding
        ["中俄东线", "中俄西线", "西伯利亚力量2号"],  # CJK only
        ["Ａ", "A", "a"],  # full-width A folds to A under NFKD
        ["x" * 299 + "1", "x" * 299 + "2", "x" * 300],  # 300 characters, one long shared prefix
        ["-", "--", "_", " ", "!"],  # nothing alphanumeric at all
    ],
    ids=["case", "case3", "punctuation", "cyrillic", "cjk", "fullwidth", "long-prefix", "no-alnum"],
)
def test_page_slugs__safe_and_distinct(ids):
    assert_safe_and_distinct(ids, page_slugs(ids))


def test_page_slugs__long_ids_fit_the_limit():
    # Boundary of the limit: 60 characters is still a slug of its own, 61 is cut (and hashed).
    at_limit, over = "a" * MAX_SLUG_CHARS, "a" * (MAX_SLUG_CHARS + 1)
    slugs = page_slugs([at_limit, over])
    assert slugs[0] == at_limit
    assert len(slugs[1]) <= MAX_SLUG_CHARS and slugs[1] != at_limit
    assert_safe_and_distinct([at_limit, over], slugs)


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_page_slugs__never_a_reserved_name_in_any_case(name):
    ids = [name, name.upper(), name.capitalize(), f"{name}.html"]
    slugs = page_slugs(ids)
    assert_safe_and_distinct(ids, slugs)
    assert not set(slugs) & RESERVED


def test_page_slugs__reserved_argument_in_any_case():
    ids = ["maps", "Maps", "profile", "ok-route"]
    slugs = page_slugs(ids, reserved=["MAPS", "Profile"])
    assert_safe_and_distinct(ids, slugs, reserved={"maps", "profile"})
    assert slugs[3] == "ok-route"  # untouched: not reserved


def test_page_slugs__reserved_argument_is_never_a_hashed_slug():
    # Property: whatever names reserved= lists, no slug takes one. Reserving the
    # very slugs of a first run must give a second run slugs other than those.
    ids = ["../escaped", "A/B"]
    first = page_slugs(ids)
    second = page_slugs(ids, reserved=first)
    assert not set(second) & set(first), (first, second)


@pytest.mark.parametrize("route_id", ["../escaped", "/abs/path", "..", ".", "a\\b", "a/../../b", "a\x00b", "\x00", "\ud800", "C:\\x", "~/x"])
def test_page_slugs__path_tricks_give_one_component(tmp_path, route_id):
    (slug,) = page_slugs([route_id])
    assert SLUG.fullmatch(slug) and len(slug) <= MAX_SLUG_CHARS
    assert not set(slug) & {"/", "\\", ".", "\x00", ":"}
    # Oracle: the file system. A page written under tmp_path lands directly in it.
    path = tmp_path / f"{slug}.html"
    path.write_text("x", encoding="utf-8")
    assert path.resolve().parent == tmp_path.resolve()
    assert [p.name for p in tmp_path.iterdir()] == [f"{slug}.html"]


@pytest.mark.parametrize("route_id", ["pos2-mongolia", "altai", "all-russian-zabaikalsk", "pos1", "a", "0", "route-2"])
def test_page_slugs__a_slug_id_keeps_its_name(route_id):
    # Docstring: an id that is already a short lower-case slug is its own slug.
    assert page_slugs([route_id]) == [route_id]
    assert page_slugs(["Other/Id", route_id, "ÄÖÜ"])[1] == route_id


def test_page_slugs__depends_on_the_id_alone():
    ids = ["pos2-mongolia", "A/B", "a b", "Сила Сибири", "../escaped", "CON", "x" * 300]
    alone = [page_slugs([i])[0] for i in ids]
    assert page_slugs(ids) == alone
    assert page_slugs(ids[::-1]) == alone[::-1]
    assert page_slugs(ids[2:] + ["extra"])[: len(ids) - 2] == alone[2:]


def test_page_slugs__forced_hash_collision_monkeypatched(monkeypatch):
    # Every hash starts with the same 8 hex digits: "A/B", "a b" and "A-B" (one
    # ASCII base "a-b") all collide at the default length and must still differ.
    monkeypatch.setattr(names, "hashlib", types.SimpleNamespace(sha256=SamePrefix))
    ids = ["A/B", "a b", "A-B", "pos2-mongolia"]
    slugs = page_slugs(ids)
    assert_safe_and_distinct(ids, slugs)
    assert slugs[3] == "pos2-mongolia"


def test_page_slugs__id_equal_to_another_ids_slug():
    # A plain id chosen equal to the hashed slug of another id.
    taken = page_slugs(["A/B"])[0]
    ids = ["A/B", taken]
    slugs = page_slugs(ids)
    assert_safe_and_distinct(ids, slugs)
    assert slugs[0] == taken  # A/B keeps the slug it has alone: it depends on its id only
    # An id that ends like a hashed slug ('-' and 8 hex digits) is hashed itself, so it can
    # never take the name another id's hash gives.
    assert slugs[1].startswith(taken + "-")


def test_page_slugs__id_equal_to_the_retry_slug():
    # page_slugs retries with a 32-hex hash when two slugs collide; an id equal
    # to that longer slug (40 characters, within the limit) collides again.
    eight = page_slugs(["../escaped"])[0]  # 'escaped-75a9a607'
    long = "escaped-" + hashlib.sha256(b"../escaped").hexdigest()[:32]
    ids = ["../escaped", eight, long]
    assert_safe_and_distinct(ids, page_slugs(ids))


def test_page_slugs__collision_elsewhere_leaves_other_slugs_alone():
    # Docstring: "The result depends on the id alone, not on the other ids".
    # "Сила Сибири" has nothing to do with the collision of "A/B" and its slug.
    taken = page_slugs(["A/B"])[0]
    assert page_slugs(["Сила Сибири", "A/B", taken])[0] == page_slugs(["Сила Сибири"])[0]


def test_page_slugs__empty_id():
    assert_safe_and_distinct(["", "route"], page_slugs(["", "route"]))


@SETTINGS
@given(st.lists(st.text(min_size=1), unique=True, max_size=20))
@example(["A", "a"])
@example(["A/B", "a b", "A-B"])
@example(["con", "CON", "index"])
@example(["0", "-0", "0-"])
def test_page_slugs__property_any_text(ids):
    # The empty id is excluded here (min_size=1): see test_page_slugs__empty_id.
    slugs = page_slugs(ids)
    assert_safe_and_distinct(ids, slugs)
    for route_id, slug in zip(ids, slugs, strict=True):
        if CANONICAL_SLUG.fullmatch(route_id) and len(route_id) <= MAX_SLUG_CHARS and route_id not in RESERVED:
            assert slug == route_id
    assert page_slugs(ids[::-1]) == slugs[::-1]
    assert [page_slugs([i])[0] for i in ids] == slugs


def _sha(route_id: str, digits: int) -> str:
    return hashlib.sha256(route_id.encode("utf-8")).hexdigest()[:digits]


def test_page_slugs__duplicate_ids_are_refused():
    with pytest.raises(ValueError, match=r"^route ids must be distinct to get distinct file names$"):
        page_slugs(["pos1", "altai", "pos1"])


def test_page_slugs__long_ids_cut_by_hand():
    """Docstring: ASCII base, runs of other characters become one '-', cut so that base, '-' and
    8 hex digits of the SHA-256 of the id make at most 60 characters, no '-' before the hash."""
    over = "a" * 60 + "b"  # 61 characters: not its own name; the base keeps 60 - 8 - 1 = 51
    dashed = "a" * 50 + " b" * 10  # the cut falls right after a '-', which is dropped
    assert page_slugs([over, dashed]) == ["a" * 51 + "-" + _sha(over, 8), "a" * 50 + "-" + _sha(dashed, 8)]


def test_page_slugs__two_ids_whose_short_hashes_collide_take_32_digits(monkeypatch):
    """Only two ids collide at 8 digits (monkeypatched hash with a shared prefix): both take 32
    digits of their own hash; the slug of a third id is untouched. Hand oracle: hashlib."""
    monkeypatch.setattr(names, "hashlib", types.SimpleNamespace(sha256=SamePrefix))
    slugs = page_slugs(["A/B", "a b", "pos2-mongolia"])
    assert slugs == ["a-b-" + "0" * 8 + _sha("A/B", 32)[8:], "a-b-" + "0" * 8 + _sha("a b", 32)[8:], "pos2-mongolia"]


def test_page_slugs__identical_full_hashes_are_refused(monkeypatch):
    class Constant:
        def __init__(self, data: bytes) -> None:
            pass

        def hexdigest(self) -> str:
            return "0" * 64

    monkeypatch.setattr(names, "hashlib", types.SimpleNamespace(sha256=Constant))
    with pytest.raises(ValueError, match=r"^two route ids share a 32-digit hash; rename one of them$"):
        page_slugs(["A/B", "a b"])


def test_page_slugs__reserved_name_and_its_short_hashed_slug():
    """A slug-like id that is reserved, and whose 8-digit hashed slug is reserved as well,
    takes 32 digits (hand oracle: hashlib)."""
    short = f"maps-{_sha('maps', 8)}"
    assert page_slugs(["maps"], reserved=["maps"]) == [short]
    assert page_slugs(["maps"], reserved=["maps", short]) == [f"maps-{_sha('maps', 32)}"]
