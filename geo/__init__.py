"""Load, validate, densify, project, measure and export pipeline routes.

Data flows one way: files under ``geo/data/`` (or the user's files) are read
by :mod:`geo.catalog`, measured along WGS84 geodesics by :mod:`geo.measure`
against the boundaries of :mod:`geo.countries`, and tabulated by
:mod:`geo.compare`. Nothing here imports folium or ``layers``.
"""

from __future__ import annotations

__version__ = "0.1.0"
