"""File names for routes: ids from any file become safe, distinct slugs.

A route id is the user's text and is kept verbatim in every table and
GeoJSON; only the names of the files written for it (``<slug>.html``,
``<slug>-profile.png``) go through :func:`page_slugs`. A slug is lower-case
ASCII letters, digits and ``-``, at most :data:`MAX_SLUG_CHARS` long, never a
name the build writes itself or one Windows reserves (``con``, ``nul``,
``com1`` ...), and no two ids share one, even on a case-insensitive disk.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

MAX_SLUG_CHARS = 60
"""Longest slug, hash suffix included (file names stay far below 255 bytes)."""
_HASH_CHARS = 8
_LOOKS_HASHED = re.compile(r"-[0-9a-f]{8,}$")
_RESERVED = frozenset(
    {"index", "trade", "routes", "comparison", "con", "prn", "aux", "nul"}
    | {f"{name}{n}" for name in ("com", "lpt") for n in range(10)}
)


def page_slugs(ids: Sequence[str], *, reserved: Iterable[str] = ()) -> list[str]:
    """Return a distinct, filesystem-safe slug for each route id, in order.

    An id that is already a short lower-case slug (``pos2-mongolia``) is its
    own slug, unless it ends like a hashed slug (``-`` and 8 or more hex
    digits). Any other id is transliterated to ASCII, every other character
    run becomes ``-``, and the first 8 hex digits of the SHA-256 of the
    verbatim id are appended, so ``A/B``, ``a b`` and ``A-B`` get three
    different names. A slug depends on its id alone, except when two ids'
    8-digit hashes collide (or a hashed slug is reserved): those take 32
    digits.

    Parameters
    ----------
    ids
        Route ids, distinct (as :func:`geo.catalog.read_routes` returns them).
    reserved
        More names (without extension) a slug must not take.

    Returns
    -------
    slugs
        One slug per id, matching ``[a-z0-9][a-z0-9-]*``.

    Raises
    ------
    ValueError
        If ``ids`` holds an id twice (the readers never return such a list).

    Examples
    --------
    >>> page_slugs(["pos2-mongolia", "../escaped", "CON"])
    ['pos2-mongolia', 'escaped-75a9a607', 'con-a3dbc4b6']
    """
    texts = [str(route_id) for route_id in ids]
    if len(set(texts)) != len(texts):
        msg = "route ids must be distinct to get distinct file names"
        raise ValueError(msg)
    taken = _RESERVED | {name.lower() for name in reserved}
    slugs = [_slug(text, taken) for text in texts]
    seen: dict[str, int] = {}
    for slug in slugs:
        seen[slug] = seen.get(slug, 0) + 1
    # Own-name slugs are distinct ids and never end in hex digits, so only
    # hashed slugs can meet (two 8-digit hashes alike) or be reserved.
    for i, slug in enumerate(slugs):
        if seen[slug] > 1 or slug in taken:
            slugs[i] = _slug(texts[i], taken, hash_chars=32)
    if len(set(slugs)) != len(slugs) or taken.intersection(slugs):
        msg = "two route ids share a 32-digit hash; rename one of them"
        raise ValueError(msg)
    return slugs


def _slug(route_id: str, taken: frozenset[str], *, hash_chars: int = _HASH_CHARS) -> str:
    ascii_text = unicodedata.normalize("NFKD", route_id).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    own_name = base == route_id and base and len(base) <= MAX_SLUG_CHARS
    if own_name and base not in taken and not _LOOKS_HASHED.search(base):
        return base
    digest = hashlib.sha256(route_id.encode("utf-8", "surrogatepass")).hexdigest()[:hash_chars]
    base = base[: MAX_SLUG_CHARS - hash_chars - 1].rstrip("-") or "route"
    return f"{base}-{digest}"
