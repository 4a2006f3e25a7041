"""The route comparison: one record per route, and its text formats.

:func:`comparison_records` joins the route attributes with the measurements
of :func:`geo.measure.measure_routes` into plain, JSON-ready dicts (km,
rounded to the metre). :func:`format_comparison` renders them as a text
table, CSV, JSON or Markdown. Published segment lengths are compared with
the measured length of the same segment: between two named waypoints, or
the route's km inside one country (the Mongolian section of Soyuz Vostok is
the km in ``MNG``). ``published_ratio`` is published / measured, the detour
factor between the waypoint line and the real pipeline.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import geopandas as gpd

from geo.countries import NO_COUNTRY, NOT_A_COUNTRY, OUTSIDE
from geo.errors import RouteDataError

Format = Literal["table", "csv", "json", "markdown"]
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")
ESTIMATE_CSV_COLUMNS = (
    "as_built_km", "as_built_low_km", "as_built_high_km", "basis_as_built_km", "basis_as_built_low_km",
    "basis_as_built_high_km",
)  # fmt: skip
BASIS_CSV_COLUMNS = (
    "basis_from", "basis_to", "basis_from_name", "basis_to_name", "basis_km", "basis_new_build_km", "basis_existing_km", "basis_transit_km",
    "basis_border_crossings", "basis_note",
)  # fmt: skip
_KM_DECIMALS = 3  # one metre
_LONLAT_DECIMALS = 5  # about one metre
ELEVATION_KEYS = (
    "max_elevation_m", "max_elevation_lonlat", "min_elevation_m", "min_elevation_lonlat", "ascent_m", "descent_m",
)  # fmt: skip


def comparison_records(
    routes: gpd.GeoDataFrame,
    measured: gpd.GeoDataFrame,
    *,
    profiles: Sequence[Mapping[str, Any]] | None = None,
    bases: Sequence[Mapping[str, Any] | str] | None = None,
    estimates: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Return one JSON-ready comparison record per route.

    Parameters
    ----------
    routes
        Routes as read by :func:`geo.catalog.read_routes`.
    measured
        The result of :func:`geo.measure.measure_routes` on ``routes``.
    profiles
        :func:`geo.elevation.route_profile` of each route, or None; gives
        ``max_elevation_m``, ``min_elevation_m`` (with ``..._lonlat``),
        ``ascent_m`` and ``descent_m`` (None without profiles).
    bases
        :func:`geo.network.basis_records` of each route, or None: gives
        ``basis`` (the route's path on the supply-to-market basis) and
        ``basis_note`` (why it has none; then ``basis`` is None).
    estimates
        :func:`geo.estimates.estimate_records` of each route, or None: gives
        ``as_built_km`` (``{"estimate", "low", "high", "coverage"}``) to the
        route, to each of its ``segments`` (with ``published_in_band``: is
        the published figure inside the band) and to its ``basis``.

    Returns
    -------
    records
        Dicts with ``id``, ``name``, ``kind``, ``option`` (the id of the
        route a suggestion offers a line for, or None), ``status``, ``start``, ``end``,
        ``length_km``, ``planar_length_km``, ``planar_deviation_pct``,
        ``chord_km``, ``detour_ratio``, ``countries`` (ISO3 -> km; ``"none"``
        for km in no country, ``"outside"`` for km beyond the boundary
        extract), ``border_crossings`` (``from``, ``to``,
        ``lon``, ``lat``, ``km``), ``published_length_km``,
        ``published_segment``, ``measured_segment_km``, ``published_ratio``,
        ``segments`` (every published segment), ``capacity_bcm``,
        ``diameter_mm``, ``confidence``, ``sources``, ``basis`` and
        ``basis_note``.
    """
    records = []
    for position, (key, route) in enumerate(routes.iterrows()):
        m = measured.loc[key]
        estimate = None if estimates is None else estimates[position]
        segments = [_segment(seg, route, m, field=f"segments[{i}]") for i, seg in enumerate(route["segments"])]
        if estimate is not None:
            for segment, band in zip(segments, estimate["segments"], strict=True):
                segment["as_built_km"] = band
                segment["published_in_band"] = band["low"] <= segment["published_km"] <= band["high"]
        primary = next((s for s in segments if s["primary"]), None)
        countries = {
            iso: _km(metres)
            for iso, metres in sorted(m["country_m"].items(), key=lambda kv: (kv[0] in NOT_A_COUNTRY, kv[0] == OUTSIDE, -kv[1]))
        }
        records.append(
            {
                "id": route["id"],
                "name": route["name"],
                "kind": route["kind"],
                "option": route.get("option"),  # the route a suggestion offers a line for, or None
                "status": route["status"],
                "start": route["waypoints"][0]["name"],
                "end": route["waypoints"][-1]["name"],
                "length_km": _km(m["length_m"]),
                "planar_length_km": _km(m["planar_length_m"]),
                "planar_deviation_pct": round(100 * (m["planar_length_m"] / m["length_m"] - 1), 3) if m["length_m"] else None,
                "chord_km": _km(m["chord_m"]),
                # None for a loop (both ends at one place: no chord to compare with)
                "detour_ratio": _optional(round(float(m["detour_ratio"]), 4)),
                "countries": countries,
                "border_crossings": [
                    {
                        "from": c["from"],
                        "to": c["to"],
                        "lon": round(c["lon"], _LONLAT_DECIMALS),
                        "lat": round(c["lat"], _LONLAT_DECIMALS),
                        "km": _km(c["m"]),
                    }
                    for c in m["crossings"]
                ],
                "published_length_km": None if primary is None else primary["published_km"],
                "published_segment": None if primary is None else primary["name"],
                "measured_segment_km": None if primary is None else primary["measured_km"],
                "published_ratio": None if primary is None else primary["ratio"],
                "segments": segments,
                "capacity_bcm": _optional(route["capacity_bcm"]),
                "diameter_mm": _optional(route["diameter_mm"]),
                "confidence": route["confidence"],
                "sources": [dict(source) for source in route["sources"]],
                "cost_km": _optional(route.get("cost_km")),
                **_elevation(None if profiles is None else profiles[position]),
                **_basis(None if bases is None else bases[position]),
                "as_built_km": None if estimate is None else estimate["as_built_km"],
            }
        )
        if estimate is not None and records[-1]["basis"] is not None:
            records[-1]["basis"]["as_built_km"] = estimate["basis"]
    return records


def _basis(basis: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if basis is None or isinstance(basis, str):
        return {"basis": None, "basis_note": basis}
    return {"basis": dict(basis), "basis_note": None}


def _elevation(profile: Mapping[str, Any] | None) -> dict[str, Any]:
    if profile is None:
        return dict.fromkeys(ELEVATION_KEYS)
    return {
        "max_elevation_m": profile["max_m"],
        "max_elevation_lonlat": _lonlat(profile["max_lonlat"]),
        "min_elevation_m": profile["min_m"],
        "min_elevation_lonlat": _lonlat(profile["min_lonlat"]),
        "ascent_m": round(profile["ascent_m"]),
        "descent_m": round(profile["descent_m"]),
    }


def _lonlat(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [round(pair[0], _LONLAT_DECIMALS), round(pair[1], _LONLAT_DECIMALS)]


def _segment(segment: dict[str, Any], route: Any, measured: Any, *, field: str) -> dict[str, Any]:
    if "country" in segment:
        if segment["country"] not in measured["country_m"]:
            entered = ", ".join(sorted(k for k in measured["country_m"] if k not in NOT_A_COUNTRY)) or "no country"
            msg = f"the route never enters {segment['country']} (it runs through {entered}); check the code or the waypoints"
            raise RouteDataError(msg, path=route["source_file"], record=route["id"], field=f"{field}.country")
        measured_m = measured["country_m"].get(segment["country"], 0.0)
        extent = f"km in {segment['country']}"
    else:
        names = [w["name"] for w in route["waypoints"]]
        along = measured["waypoint_m"]
        measured_m = along[names.index(segment["to"])] - along[names.index(segment["from"])]
        extent = f"{segment['from']} to {segment['to']}"
    published = float(segment["length_km"])
    measured_km = _km(measured_m)
    return {
        "name": segment["name"],
        "extent": extent,
        "published_km": published,
        "measured_km": measured_km,
        "ratio": round(published / measured_km, 4) if measured_km else None,
        "source": segment["source"],
        "primary": bool(segment.get("primary", False)),
    }


def _km(metres: float) -> float:
    return round(float(metres) / 1000.0, _KM_DECIMALS)


def _optional(value: Any) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def format_comparison(records: Sequence[dict[str, Any]], fmt: Format = "table", *, basis_name: str | None = None) -> str:
    """Render comparison records as text.

    Parameters
    ----------
    records
        Output of :func:`comparison_records`.
    fmt
        ``"table"`` (aligned plain text), ``"csv"``, ``"json"`` (an array, one
        object per route, with every field) or ``"markdown"``.
    basis_name
        The name of the supply-to-market basis, written once above a table
        (with the names of its nodes) when the records have basis figures.

    Returns
    -------
    text
        The rendering, ending with a newline. A table or markdown lists
        below it why a route has no path on the basis.
    """
    if fmt == "json":
        return json.dumps(list(records), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "csv":
        return comparison_csv(records)
    if fmt not in FORMATS:
        msg = f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        raise ValueError(msg)
    with_basis = any(r.get("basis") is not None or r.get("basis_note") for r in records)
    with_estimate = any(r.get("as_built_km") is not None for r in records)
    header = [
        "id", "km", *(["as built km (90 %)"] if with_estimate else []),
        *(["basis km", "new-build km"] if with_basis else []),
        *(["basis as built km (90 %)"] if with_basis and with_estimate else []),
        "km by country", "crossings", "published km", "measured km", "ratio",
        *(["published in band"] if with_estimate else []), "bcm/yr",
    ]  # fmt: skip
    rows = []
    for r in records:
        basis = r.get("basis")
        primary = next((s for s in r.get("segments", ()) if s.get("primary")), None)
        rows.append([
            r["id"],
            f"{r['length_km']:,.1f}",
            *([_band_cell(r.get("as_built_km"))] if with_estimate else []),
            *(_basis_cells(basis) if with_basis else []),
            *([_band_cell(None if basis is None else basis.get("as_built_km"))] if with_basis and with_estimate else []),
            ", ".join(f"{iso} {km:,.1f}" for iso, km in r["countries"].items()),
            " ".join(f"{c['from']}>{c['to']}" for c in r["border_crossings"]) or "-",
            _blank(r["published_length_km"], "{:,.1f}"),
            _blank(r["measured_segment_km"], "{:,.1f}"),
            _blank(r["published_ratio"], "{:.2f}"),
            *([_in_band_cell(primary)] if with_estimate else []),
            _blank(r["capacity_bcm"], "{:g}"),
        ])  # fmt: skip
    above, below = _basis_lines(records, basis_name) if with_basis else ([], [])
    if fmt == "markdown":
        lines = [*(f"{line}  " for line in above), *([""] if above else [])]
        lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        lines += [""] * bool(below) + [f"* {line}" for line in below]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    numeric = {i for i, name in enumerate(header) if "km" in name and "country" not in name or name in ("ratio", "bcm/yr")}
    lines = [
        "  ".join(cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join([*above, *lines, *below]) + "\n"


def _band_cell(band: Mapping[str, Any] | None) -> str:
    if band is None:
        return "-"
    return f"{band['estimate']:,.0f} ({band['low']:,.0f}-{band['high']:,.0f})"


def _in_band_cell(segment: Mapping[str, Any] | None) -> str:
    if segment is None or "published_in_band" not in segment:
        return "-"
    return "yes" if segment["published_in_band"] else "no"


def basis_end_name(basis: Mapping[str, Any], end: Literal["from", "to"]) -> str:
    """The name of a basis node for readers: ``from_name`` or ``to_name``, else the node id.

    Parameters
    ----------
    basis
        A record's ``basis`` (:func:`geo.network.basis_summary`); one written
        before the names were added has only the ids.
    end
        ``"from"`` (the supply node) or ``"to"`` (the market node).

    Returns
    -------
    name
        E.g. ``"Nadym-Pur-Taz fields"`` for ``"nadym-pur-taz"``.
    """
    return str(basis.get(f"{end}_name") or basis[end])


def _basis_cells(basis: Mapping[str, Any] | None) -> list[str]:
    if basis is None:
        return ["-", "-"]
    return [f"{basis['km']:,.1f}", f"{basis['new_build_km']:,.1f}"]


def _basis_lines(records: Sequence[dict[str, Any]], basis_name: str | None) -> tuple[list[str], list[str]]:
    """The line naming the basis (above a table) and why routes have no path (below it)."""
    ends = next(((basis_end_name(b, "from"), basis_end_name(b, "to")) for r in records if (b := r.get("basis")) is not None), None)
    name = basis_name or "the supply-to-market basis"
    # the node names, unless the basis's name is just them ('FROM name to TO name', the name of a --basis)
    named = ends is not None and name != f"{ends[0]} to {ends[1]}"
    above = [f"basis: {name}" + (f", from {ends[0]} to {ends[1]}" if named else "") + "; basis km = the route's path from"
             " supply to market (its own line and the legs that join it), new-build km = the part not built today"]  # fmt: skip
    below = [f"{r['id']}: {r['basis_note']}" for r in records if r.get("basis") is None and r.get("basis_note")]
    return above, below


def comparison_csv(records: Sequence[dict[str, Any]]) -> str:
    """Render comparison records as CSV, one row per route.

    Country km get one column each (``km_RUS``, ..., ``km_none``, and
    ``km_outside`` when a route leaves the boundary extract); crossings are
    written as ``FROM>TO@km`` separated by ``;``; the basis figures are the
    ``basis_...`` columns (:data:`BASIS_CSV_COLUMNS`; blank when a route has
    no path on the basis, with ``basis_note`` saying why), the as-built
    bands are :data:`ESTIMATE_CSV_COLUMNS` (90 % by default) and
    ``published_in_band`` is that of the primary segment. Text that a spreadsheet
    would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return) is prefixed with ``'``.

    Parameters
    ----------
    records
        Output of :func:`comparison_records`.

    Returns
    -------
    text
        CSV with a header row and ``\\n`` line ends.
    """
    isos = sorted({iso for r in records for iso in r["countries"] if iso not in NOT_A_COUNTRY}) + [NO_COUNTRY]
    isos += [OUTSIDE] if any(OUTSIDE in r["countries"] for r in records) else []
    columns = [
        "id", "name", "kind", "start", "end", "length_km", *ESTIMATE_CSV_COLUMNS, *BASIS_CSV_COLUMNS, "planar_length_km", "planar_deviation_pct",
        "chord_km", "detour_ratio", *(f"km_{iso}" for iso in isos), "border_crossings",
        "published_segment", "published_length_km", "measured_segment_km", "published_ratio", "published_in_band",
        "capacity_bcm", "diameter_mm", "confidence", "max_elevation_m", "min_elevation_m", "ascent_m", "descent_m",
    ]  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for r in records:
        row = {k: ("" if v is None else _cell(v)) for k, v in r.items()}
        row.update({f"km_{iso}": r["countries"].get(iso, 0.0) for iso in isos})
        row.update(_basis_csv(r.get("basis"), r.get("basis_note")))
        row.update(_estimate_csv(r))
        row["border_crossings"] = ";".join(f"{c['from']}>{c['to']}@{c['km']}" for c in r["border_crossings"])
        writer.writerow(row)
    return out.getvalue()


def _estimate_csv(record: Mapping[str, Any]) -> dict[str, Any]:
    basis = record.get("basis") or {}
    primary = next((s for s in record["segments"] if s["primary"]), {})
    row: dict[str, Any] = {"published_in_band": primary.get("published_in_band", "")}
    for prefix, band in (("as_built", record.get("as_built_km")), ("basis_as_built", basis.get("as_built_km"))):
        band = band or {}
        row.update({f"{prefix}_km": band.get("estimate", ""), f"{prefix}_low_km": band.get("low", ""), f"{prefix}_high_km": band.get("high", "")})
    return row


def _basis_csv(basis: Mapping[str, Any] | None, note: str | None) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(BASIS_CSV_COLUMNS, "")
    if basis is not None:
        row.update({f"basis_{key}": basis[key] for key in ("from", "to", "km", "new_build_km", "existing_km", "transit_km", "border_crossings")})
        row.update({f"basis_{end}_name": _cell(basis_end_name(basis, end)) for end in ("from", "to")})
    row["basis_note"] = _cell(note or "")
    return row


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run.

    Text starting with = + - @ or a tab/CR gets a leading '. A carriage
    return becomes a line feed: the writer ends lines with "\n", so only
    cells holding "\n" are quoted, and a bare CR would start a new row (and a
    new, unguarded cell) in most readers.
    """
    if not isinstance(value, str):
        return value
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _blank(value: float | None, spec: str) -> str:
    return "-" if value is None else spec.format(value)
