"""The map page: a lean folium Map, deterministic rendering and offline inlining."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import folium
from xyzservices import TileProvider

from layers.encoding import PolylineDecoder
from layers.leaflet_plugins import Fullscreen, MeasureTool

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
"""The tile layer, spelled out: looking the provider up in xyzservices costs more than the page."""
LEAFLET_JS = ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
LEAFLET_CSS = ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
JQUERY_JS = ("jquery", "https://code.jquery.com/jquery-3.7.1.min.js")
"""folium's popups are built with jQuery; Bootstrap, Font Awesome and the
awesome-markers plugin that folium also loads are not used by these maps."""


def base_map(
    bounds_latlon: Sequence[Sequence[float]],
    *,
    tiles: bool = True,
    reserve_right_px: int = 0,
) -> folium.Map:
    """Create the map every page starts from.

    Parameters
    ----------
    bounds_latlon
        ``[[south, west], [north, east]]`` to fit.
    tiles
        Whether to add OpenStreetMap tiles under the country outlines.
    reserve_right_px
        Width kept free on the right when fitting (for a panel there).

    Returns
    -------
    m
        A folium Map with scale bar, full-screen button and measure control
        (labelled as spherical), loading Leaflet and jQuery only.
    """
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_control=True)
    m.default_js = [LEAFLET_JS, JQUERY_JS]
    m.default_css = [LEAFLET_CSS]
    PolylineDecoder().add_to(m)
    m.fit_bounds(
        [list(bounds_latlon[0]), list(bounds_latlon[1])],
        padding_top_left=(20, 20),
        padding_bottom_right=(20 + reserve_right_px, 50),
    )
    if tiles:
        # After fitBounds: tiles are then requested for the final view only,
        # not first for the world at zoom 1.
        provider = TileProvider(name="OpenStreetMap", url=OSM_TILES, attribution=OSM_ATTRIBUTION, max_zoom=19)
        folium.TileLayer(provider, max_zoom=19, max_native_zoom=19).add_to(m)
    Fullscreen().add_to(m)
    MeasureTool(title="Measure (spherical distances; route km are geodesic, in the popups)").add_to(m)
    return m


_FOLIUM_ID = re.compile(r"_([0-9a-f]{32})(?![0-9a-f])")


def render_html(m: folium.Map) -> str:
    """Render a map to HTML with deterministic element ids.

    folium names every element with a random 32-digit hex id; they are
    replaced by a decimal counter in order of first appearance (``map_0``,
    ``poly_line_1`` ...), so the same map renders to the same bytes every
    time, and 6 KB shorter on the overview.

    Parameters
    ----------
    m
        The map.

    Returns
    -------
    html
        The page.
    """
    html = m.get_root().render()
    numbers: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in numbers:
            numbers[key] = f"{len(numbers)}"  # short: an id is repeated wherever its element is used
        return f"_{numbers[key]}"

    return _FOLIUM_ID.sub(renumber, html)


class Asset(NamedTuple):
    """A file the page needs: its bytes and MIME type."""

    content: bytes
    mime: str


Fetch = Callable[[str], Asset]
"""Returns the asset behind a URL, or raises ``LookupError``."""

_SCRIPT_SRC = re.compile(r'<script\s+src="(https?:)?(//[^"]+)"\s*>\s*</script>')
_STYLESHEET = re.compile(r'<link\s+rel="stylesheet"\s+href="(https?:)?(//[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


def inline_assets(html: str, fetch: Fetch) -> str:
    """Inline every external script and stylesheet of a page.

    Scripts become inline ``<script>`` blocks (``</script`` escaped),
    stylesheets inline ``<style>`` blocks whose ``url(...)`` references
    (images, fonts) become ``data:`` URIs resolved against the stylesheet's
    own URL. Tiles are not touched: without network the map shows the
    country outlines.

    Parameters
    ----------
    html
        A rendered page.
    fetch
        Gives the bytes behind a URL (for example from ``node_modules``).

    Returns
    -------
    html
        The same page with no external script or stylesheet.

    Raises
    ------
    LookupError
        From ``fetch``, naming the URL that has no local copy.
    """

    def script(match: re.Match[str]) -> str:
        url = "https:" + match.group(2)
        body = fetch(url).content.decode("utf-8")
        if "Leaflet" in url or "leaflet@" in url:
            body += _DEFAULT_ICON_FIX
        return "<script>" + body.replace("</script", "<\\/script") + "</script>"

    def stylesheet(match: re.Match[str]) -> str:
        url = "https:" + match.group(2)
        css = fetch(url).content.decode("utf-8")
        return "<style>" + _CSS_URL.sub(lambda m: _data_uri(m, url, fetch), css) + "</style>"

    html = _SCRIPT_SRC.sub(script, html)
    return _STYLESHEET.sub(stylesheet, html)


def _data_uri(match: re.Match[str], base_url: str, fetch: Fetch) -> str:
    target = match.group(2)
    if target.startswith(("data:", "#")):
        return match.group(0)
    absolute = urljoin(base_url, target)
    split = urlsplit(absolute)
    asset = fetch(f"{split.scheme}://{split.netloc}{split.path}")
    return f"url(data:{asset.mime};base64,{base64.b64encode(asset.content).decode('ascii')})"


# Leaflet finds its default marker icon by a path next to leaflet.css; with
# inlined CSS there is none, and no marker of these maps uses it.
_DEFAULT_ICON_FIX = "\n;if (window.L && L.Icon && L.Icon.Default) { L.Icon.Default.imagePath = ''; }\n"
