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
_RESERVED = frozenset(
    {"index", "trade", "routes", "comparison", "con", "prn", "aux", "nul"}
    | {f"{name}{n}" for name in ("com", "lpt") for n in range(10)}
)


def page_slugs(ids: Sequence[str], *, reserved: Iterable[str] = ()) -> list[str]:
    """Return a distinct, filesystem-safe slug for each route id, in order.

    An id that is already a short lower-case slug (``pos2-mongolia``) is its
    own slug. Any other id is transliterated to ASCII, every other character
    run becomes ``-``, and a hash of the verbatim id is appended, so ``A/B``,
    ``a b`` and ``A-B`` get three different names. The result depends on the
    id alone, not on the other ids or their order.

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

    Examples
    --------
    >>> page_slugs(["pos2-mongolia", "../escaped", "CON"])
    ['pos2-mongolia', 'escaped-75a9a607', 'con-a3dbc4b6']
    """
    taken = _RESERVED | {name.lower() for name in reserved}
    slugs = [_slug(str(route_id), taken) for route_id in ids]
    if len(set(slugs)) != len(slugs):  # only if two hashes collide: lengthen theirs
        slugs = [_slug(str(route_id), taken, hash_chars=32) for route_id in ids]
    return slugs


def _slug(route_id: str, taken: frozenset[str], *, hash_chars: int = _HASH_CHARS) -> str:
    ascii_text = unicodedata.normalize("NFKD", route_id).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if base == route_id and base not in taken and len(base) <= MAX_SLUG_CHARS:
        return base
    digest = hashlib.sha256(route_id.encode("utf-8", "surrogatepass")).hexdigest()[:hash_chars]
    base = base[: MAX_SLUG_CHARS - hash_chars - 1].rstrip("-") or "route"
    return f"{base}-{digest}"
