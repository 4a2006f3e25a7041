"""China-Russia trade and energy flows: loading, checking and summarising.

Trade figures are China's customs (GACC) statistics in US$ bn, one row per
year: the total, China's exports to Russia (``cn_exports_to_ru_usd_bn``) and
China's imports from Russia (``cn_imports_from_ru_usd_bn``, usually reported
as Russia's exports to China). Energy flows are Russia-to-China volumes per
year. Every row carries a confidence (high, medium, low), a note and a source.

Errors name the file, the line (as a spreadsheet shows it, header = 1) and
the column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from geo.errors import RouteDataError, quote
from geo.readers.common import csv_rows, decimal_cell

TRADE_COLUMNS = (
    "year",
    "total_usd_bn",
    "cn_exports_to_ru_usd_bn",
    "cn_imports_from_ru_usd_bn",
    "confidence",
    "confidence_note",
    "source",
)
ENERGY_COLUMNS = ("year", "pos1_gas_bcm", "lng_mt", "crude_mt", "confidence", "confidence_note", "source")
_TRADE_VALUES = TRADE_COLUMNS[1:4]
_ENERGY_VALUES = ENERGY_COLUMNS[1:4]
CONFIDENCES = ("high", "medium", "low")
BASE_YEAR = 2021
"""The last full year before the war: the base of the change in the summary."""
MAX_VALUE = 100_000
"""No yearly figure reaches this (world trade is about 25,000 US$ bn, world gas
about 4,000 bcm): larger values are typing errors, and sums of values near
1e308 would overflow to infinity."""
YEAR = re.compile(r"[0-9]{4}")

Format = Literal["table", "csv", "json"]
FORMATS: tuple[str, ...] = ("table", "csv", "json")


def load_trade(path: Path | str) -> list[dict[str, Any]]:
    """Read and check the yearly trade table.

    Parameters
    ----------
    path
        CSV with the columns of :data:`TRADE_COLUMNS`.

    Returns
    -------
    rows
        One dict per year, sorted by year; values as floats (US$ bn).

    Raises
    ------
    RouteDataError
        Missing or repeated column, missing or duplicate year, a value that
        is not a plain decimal from 0 to :data:`MAX_VALUE`, a total of 0 or a
        base-year (:data:`BASE_YEAR`) import figure of 0 (the summary divides
        by them), or a total that differs from the sum of both directions by
        more than the rounding of the three figures allows.
    """
    rows = _read(path, TRADE_COLUMNS, _TRADE_VALUES, required=_TRADE_VALUES)
    for row in rows:
        total, exports, imports = (row["_text"][c] for c in _TRADE_VALUES)
        # Each figure is rounded to its last written decimal; their sum may
        # be off by the half-units of all three.
        slack = sum(_half_unit(t) for t in (total, exports, imports))
        difference = Decimal(exports) + Decimal(imports) - Decimal(total)
        if abs(difference) > slack + Decimal("1e-9"):
            msg = (
                f"total {total} differs from {exports} + {imports} = {Decimal(exports) + Decimal(imports)} by "
                f"{abs(difference)}, more than rounding allows ({slack}); check the three figures"
            )
            raise RouteDataError(msg, path=path, line=row["_line"], field="total_usd_bn")
        # the summary's changes divide by a year's total and by the base year's imports
        if row["total_usd_bn"] == 0:
            msg = "total 0: the change to the next year divides by it; leave out a year without trade"
            raise RouteDataError(msg, path=path, line=row["_line"], field="total_usd_bn")
        if row["year"] == BASE_YEAR and row["cn_imports_from_ru_usd_bn"] == 0:
            msg = f"0 in {BASE_YEAR}, the base year of the summary's change (it divides by it); give the figure"
            raise RouteDataError(msg, path=path, line=row["_line"], field="cn_imports_from_ru_usd_bn")
    return [_public(row) for row in rows]


def load_energy(path: Path | str) -> list[dict[str, Any]]:
    """Read and check the yearly energy flows (blank cells are unknown values).

    Parameters
    ----------
    path
        CSV with the columns of :data:`ENERGY_COLUMNS`: Power of Siberia 1
        pipeline gas in bcm, LNG and crude oil in Mt.

    Returns
    -------
    rows
        One dict per year, sorted by year; unknown values are None.
    """
    return [_public(row) for row in _read(path, ENERGY_COLUMNS, _ENERGY_VALUES, required=())]


def trade_summary(rows: Sequence[dict[str, Any]], *, year: int | None = None) -> dict[str, Any]:
    """Compute the headline figures for one year from the trade table.

    Parameters
    ----------
    rows
        Output of :func:`load_trade`.
    year
        The year to summarise; by default the latest year whose figures
        have high confidence.

    Returns
    -------
    summary
        ``year``, ``total_usd_bn``, ``ru_to_cn_usd_bn`` (China's imports from
        Russia), ``cn_to_ru_usd_bn``, ``ru_to_cn_change_vs_2021_pct`` and
        ``total_change_vs_previous_year_pct``, ``confidence`` and ``source``.
    """
    by_year = {row["year"]: row for row in rows}
    if year is None:
        confident = [y for y, row in by_year.items() if row["confidence"] == "high"]
        year = max(confident or by_year)
    if year not in by_year:
        msg = f"no trade figures for {year}; the table covers {min(by_year)}-{max(by_year)}"
        raise RouteDataError(msg, field="year")
    row = by_year[year]
    base = by_year.get(BASE_YEAR)
    previous = by_year.get(year - 1)
    return {
        "year": year,
        "total_usd_bn": row["total_usd_bn"],
        "ru_to_cn_usd_bn": row["cn_imports_from_ru_usd_bn"],
        "cn_to_ru_usd_bn": row["cn_exports_to_ru_usd_bn"],
        "ru_to_cn_change_vs_2021_pct": None
        if base is None
        else round(100 * (row["cn_imports_from_ru_usd_bn"] / base["cn_imports_from_ru_usd_bn"] - 1), 1),
        "total_change_vs_previous_year_pct": None
        if previous is None
        else round(100 * (row["total_usd_bn"] / previous["total_usd_bn"] - 1), 1),
        "confidence": row["confidence"],
        "source": row["source"],
    }


def format_trade(rows: Sequence[dict[str, Any]], summary: dict[str, Any], fmt: Format = "table") -> str:
    """Render the yearly table and the summary.

    Parameters
    ----------
    rows
        Output of :func:`load_trade`.
    summary
        Output of :func:`trade_summary`.
    fmt
        ``"table"`` (aligned text with the summary in words), ``"csv"`` (the
        table only) or ``"json"`` (``{"summary": {...}, "years": [...]}``).

    Returns
    -------
    text
        The rendering, ending with a newline.
    """
    if fmt == "json":
        return json.dumps({"summary": summary, "years": list(rows)}, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=TRADE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        return out.getvalue()
    if fmt != "table":
        msg = f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        raise ValueError(msg)
    header = ("year", "total", "CN->RU", "RU->CN", "confidence")
    body = [
        (str(r["year"]), f"{r['total_usd_bn']:.2f}", f"{r['cn_exports_to_ru_usd_bn']:.2f}",
         f"{r['cn_imports_from_ru_usd_bn']:.2f}", r["confidence"])
        for r in rows
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
    lines = ["China-Russia goods trade, China customs (GACC), US$ bn"]
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in (header, *body)]
    change = summary["ru_to_cn_change_vs_2021_pct"]
    lines += [
        "",
        f"{summary['year']}: bilateral trade ${summary['total_usd_bn']:.2f} bn; Russia's exports to China "
        f"(China's imports from Russia) ${summary['ru_to_cn_usd_bn']:.2f} bn"
        + ("" if change is None else f", {change:+.1f} % on {BASE_YEAR}")
        + f"; China's exports to Russia ${summary['cn_to_ru_usd_bn']:.2f} bn.",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------


def _read(
    path: Path | str, columns: Sequence[str], numeric: Sequence[str], *, required: Sequence[str]
) -> list[dict[str, Any]]:
    path = Path(path)
    rows: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for line, row in csv_rows(path, columns):
        where = {"path": path, "line": line}
        year_text = row["year"]
        if not year_text:
            msg = "missing year; every row needs a year such as 2024"
            raise RouteDataError(msg, field="year", **where)
        if not YEAR.fullmatch(year_text) or not 1900 <= int(year_text) <= 2100:
            msg = f"year {quote(year_text)} is not a four-digit year"
            raise RouteDataError(msg, field="year", **where)
        year = int(year_text)
        if year in seen:
            msg = f"duplicate year {year}, also on line {seen[year]}; keep one row per year"
            raise RouteDataError(msg, field="year", **where)
        seen[year] = line
        parsed: dict[str, Any] = {"year": year, "_line": line, "_text": {}}
        for column in numeric:
            cell = row[column]
            parsed["_text"][column] = cell
            if not cell:
                if column in required:
                    msg = "missing value; give a number (US$ bn)"
                    raise RouteDataError(msg, field=column, **where)
                parsed[column] = None
                continue
            value = decimal_cell(cell, field=column, example="129.32", **where)
            if not 0 <= value <= MAX_VALUE:
                msg = f"{quote(cell)} must be a number from 0 to {MAX_VALUE:,} (US$ bn, bcm or Mt)"
                raise RouteDataError(msg, field=column, **where)
            parsed[column] = value
        confidence = row["confidence"]
        if confidence not in CONFIDENCES:
            msg = f"confidence {quote(confidence)} must be one of {', '.join(CONFIDENCES)}"
            raise RouteDataError(msg, field="confidence", **where)
        if not row["source"]:
            msg = "missing source; say where the figures come from"
            raise RouteDataError(msg, field="source", **where)
        parsed.update(confidence=confidence, confidence_note=row["confidence_note"], source=row["source"])
        rows.append(parsed)
    if not rows:
        msg = "no rows under the header; add one row per year"
        raise RouteDataError(msg, path=path)
    return sorted(rows, key=lambda r: r["year"])


def _half_unit(text: str) -> Decimal:
    decimals = len(text.split(".")[1]) if "." in text else 0
    return Decimal(5) * Decimal(10) ** -(decimals + 1)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}
