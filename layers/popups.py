"""Tooltips and popups whose HTML reaches the page as a JSON string.

folium's ``Tooltip`` and ``Popup`` (and branca's ``Html`` inside the popup)
paste their HTML into a JavaScript template literal, where a backslash in the
data is still an escape: ``\\x3cimg ...\\x3e`` becomes a tag, ``C:\\users``
a syntax error. These elements write the HTML with
:func:`layers.encoding.script_json` and hand it to Leaflet's ``bindTooltip``
and ``bindPopup``, so every character of the data stays a character. The
HTML itself must be escaped by the caller (:func:`layers.style.text`).
"""

from __future__ import annotations

from typing import Any

from layers.encoding import ScriptElement, template


class _Bound(ScriptElement):
    """HTML bound to the parent layer with one Leaflet ``bind*`` call."""

    _template = template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.{{ this.method }}({{ this.html|script_json }}, {{ this.options|script_json }});"
        "{% endmacro %}"
    )
    method = ""

    def __init__(self, html: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = type(self).__name__
        self.html = str(html)
        self.options = options


class Tooltip(_Bound):
    """A tooltip on the parent layer (Leaflet ``bindTooltip``).

    Parameters
    ----------
    html
        The tooltip's HTML, every data string already escaped.
    sticky
        Whether the tooltip follows the mouse.
    """

    method = "bindTooltip"

    def __init__(self, html: str, *, sticky: bool = True) -> None:
        super().__init__(html, {"sticky": sticky})


class Popup(_Bound):
    """A popup on the parent layer (Leaflet ``bindPopup``).

    Leaflet parses the HTML string only when the popup first opens, so a
    page with many popups loads as fast as one with none.

    Parameters
    ----------
    html
        The popup's HTML, every data string already escaped.
    max_width
        Widest the popup grows, in pixels.
    """

    method = "bindPopup"

    def __init__(self, html: str, *, max_width: int = 420) -> None:
        super().__init__(html, {"maxWidth": max_width})
