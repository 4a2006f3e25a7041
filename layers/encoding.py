"""Compact line encoding for the pages: Google's encoded polyline algorithm.

A coordinate written as JSON costs 9-10 bytes; as the rounded difference to
the previous vertex in the encoded polyline format it costs 2-4. Countries and
routes are written this way and decoded in the browser by
:data:`DECODER_JS` (about 400 bytes), which :class:`PolylineDecoder` puts in
the page once.

Format: https://developers.google.com/maps/documentation/utilities/polylinealgorithm
(latitude first, then longitude, each vertex as the difference to the last).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import jinja2
from branca.element import Element, Figure, MacroElement

DECODER_JS = """
function pos2Decode(text, precision) {
  var factor = Math.pow(10, precision === undefined ? 5 : precision), points = [], i = 0, lat = 0, lng = 0;
  while (i < text.length) {
    var pair = [0, 0];
    for (var k = 0; k < 2; k++) {
      var shift = 0, result = 0, b;
      do { b = text.charCodeAt(i++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      pair[k] = (result & 1) ? ~(result >> 1) : (result >> 1);
    }
    lat += pair[0]; lng += pair[1];
    points.push([lat / factor, lng / factor]);
  }
  return points;
}
"""


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCRIPT_UNSAFE = {ord(c): f"\\u{ord(c):04x}" for c in "<>&'\u2028\u2029"}
_JINJA_UNSAFE = {ord(c): f"\\u{ord(c):04x}" for c in "{}%#"}


def script_json(value: Any) -> str:
    """Return JSON that is safe to write inside a ``<script>`` element.

    This is the one way data reaches a page's JavaScript: as a JSON value,
    never pasted into JavaScript source or a template literal, so a
    backslash, quote, backtick or ``${`` in the data stays a character of a
    string. ``<``, ``>``, ``&`` and ``'`` are written as ``\\uXXXX`` escapes
    (as Jinja's ``tojson`` does), so no string can close the script or open
    a comment; so are U+2028 and U+2029, which older JavaScript engines
    take for line ends inside a string.

    Examples
    --------
    >>> print(script_json({"name": "</script>"}))
    {"name":"\\u003c/script\\u003e"}
    >>> print(script_json("C:\\\\users\\\\x \\u2028"))
    "C:\\\\users\\\\x \\u2028"
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_UNSAFE)


def template_json(value: Any) -> str:
    """Return :func:`script_json` that also survives being parsed as Jinja.

    branca parses the rendered script of folium's own elements again as a
    Jinja template; braces, ``%`` and ``#`` inside strings are escaped too so
    that a ``{{`` in the data is never evaluated.

    Examples
    --------
    >>> print(template_json({"name": "{{ 7*7 }}"}))
    {"name":"\\u007b\\u007b 7*7 \\u007d\\u007d"}
    """
    # Only inside strings: outside them JSON never has "{{", "{%" or "{#".
    return _JSON_STRING.sub(lambda m: m.group(0).translate(_JINJA_UNSAFE), script_json(value))


def template(source: str) -> jinja2.Template:
    """Compile a folium element template with the ``script_json`` filter.

    Parameters
    ----------
    source
        Jinja source with ``header``/``html``/``script`` macros, as branca expects.

    Returns
    -------
    template
        The compiled template; write data with ``{{ value|script_json }}``
        (in a :class:`ScriptElement`) or ``{{ value|template_json }}`` (in
        folium elements, whose output branca parses again).
    """
    return _ENVIRONMENT.from_string(source)


def encode_polyline(lonlat: np.ndarray, *, precision: int = 5) -> str:
    """Encode a line of lon/lat vertices as an encoded polyline string.

    Parameters
    ----------
    lonlat
        Array of shape (n, 2), lon then lat, degrees.
    precision
        Decimals kept (5: about 1 m).

    Returns
    -------
    text
        The encoded polyline (latitude first, as the format requires).

    Examples
    --------
    The example of the format's documentation:

    >>> encode_polyline(np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]]))
    '_p~iF~ps|U_ulLnnqC_mqNvxq`@'
    """
    return encode_polylines([lonlat], precision=precision)[0]


def encode_polylines(lines_lonlat: Sequence[np.ndarray], *, precision: int = 5) -> list[str]:
    """Encode many lines at once: :func:`encode_polyline` of each, in one pass.

    The 1,500 rings of the country outlines cost 0.12 s one by one and
    0.01 s together.

    Parameters
    ----------
    lines_lonlat
        Arrays of shape (n, 2), lon then lat, degrees (n may be 0).
    precision
        Decimals kept.

    Returns
    -------
    texts
        One encoded polyline per line, in order.

    Examples
    --------
    >>> encode_polylines([np.array([[-120.2, 38.5], [-120.95, 40.7]]), np.array([[-126.453, 43.252]])])
    ['_p~iF~ps|U_ulLnnqC', '_t~fGfzxbW']
    """
    arrays = [np.asarray(line, dtype=float).reshape(-1, 2) for line in lines_lonlat]
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    if not sizes.sum():
        return ["" for _ in arrays]
    scaled = np.round(np.concatenate(arrays)[:, ::-1] * 10**precision).astype(np.int64)
    deltas = np.diff(scaled, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    starts = np.cumsum(sizes) - sizes
    first = starts[sizes > 0]
    deltas[first] = scaled[first]  # each line starts from (0, 0), as the format says
    deltas = deltas.ravel()
    values = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    # Cut every value into 5-bit chunks, low first; all but the last chunk of
    # a value carry the 0x20 continuation bit. Vectorised over all values.
    n_chunks = np.maximum(1, (np.floor(np.log2(np.maximum(values, 1))).astype(np.int64) // 5) + 1)
    width = int(n_chunks.max())
    shifts = np.arange(width) * 5
    chunks = (values[:, None] >> shifts) & 0x1F
    more = np.arange(width)[None, :] < (n_chunks[:, None] - 1)
    codes = chunks + 0x20 * more + 63
    keep = np.arange(width)[None, :] < n_chunks[:, None]
    text = codes[keep].astype(np.uint8).tobytes().decode("ascii")
    at = np.concatenate([[0], np.cumsum(n_chunks.reshape(-1, 2).sum(axis=1))])  # characters before each vertex
    return [text[at[start] : at[start + size]] for start, size in zip(starts, sizes, strict=True)]


# Scripts, not HTML: data goes through script_json / template_json, not autoescape.
_ENVIRONMENT = jinja2.Environment(autoescape=False)
_ENVIRONMENT.filters["script_json"] = script_json
_ENVIRONMENT.filters["template_json"] = template_json


class _RenderedText(Element):
    """Text already rendered: written as it is, not parsed again as a template."""

    _template = jinja2.Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ScriptElement(MacroElement):
    """A MacroElement whose rendered macros are not parsed a second time.

    branca turns the output of ``header``, ``html`` and ``script`` macros into
    new templates; with large data (encoded outlines) that costs a second
    parse and would evaluate any ``{{`` in the data. This class inserts the
    rendered text as it is.

    A subclass that sets ``_header_name`` has its ``header`` written once per
    page, under that name, however many of its elements the page holds
    (shared functions that each element's ``script`` calls).
    """

    _header_name: str | None = None

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = "render the element from a folium Map (its root must be a Figure)"
            raise TypeError(msg)
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                once = self._header_name if part == "header" else None
                if once is not None and once in target._children:
                    continue
                target.add_child(_RenderedText(macro(self, kwargs)), name=once or self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class PolylineDecoder(ScriptElement):
    """Defines ``pos2Decode(text, precision)`` in the page header, once per map."""

    _template = template("{% macro header(this, kwargs) %}<script>" + DECODER_JS + "</script>{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "PolylineDecoder"


_JINJA_SYNTAX = re.compile(r"\{[{%#]|\r")


def _as_element(text: str) -> Element:
    """``Element(text)`` as branca makes it, without parsing the text as a template when it holds no
    Jinja syntax (``{{``, ``{%``, ``{#``) and no carriage return: such a template renders to the text
    less one trailing newline (Jinja's ``keep_trailing_newline`` is off), which is what is inserted."""
    if _JINJA_SYNTAX.search(text):
        return Element(text)
    return _RenderedText(text[:-1] if text.endswith("\n") else text)


def _render_macros_as_text(self: MacroElement, **kwargs: Any) -> None:
    """branca 0.8's ``MacroElement.render``, with :func:`_as_element` in place of ``Element``."""
    figure = self.get_root()
    if not isinstance(figure, Figure):
        msg = "render the element from a folium Map (its root must be a Figure)"
        raise TypeError(msg)
    module = self._template.module.__dict__
    for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
        macro = module.get(part)
        if macro is not None:
            target.add_child(_as_element(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


@contextlib.contextmanager
def macros_as_text() -> Iterator[None]:
    """Within the block, folium's own elements insert their rendered macros as text: the same page, faster.

    branca's ``MacroElement.render`` wraps the output of each ``header``,
    ``html`` and ``script`` macro in ``Element(text)``, which parses it again
    as a Jinja template: about 200 parses per build, 0.18 s of CPU (12 % of
    the build after its imports). The text is inserted as the template would
    render it (:func:`_as_element`); text with Jinja syntax still goes
    through ``Element``. :class:`ScriptElement` does this always.
    """
    original = MacroElement.render
    MacroElement.render = _render_macros_as_text
    try:
        yield
    finally:
        MacroElement.render = original
