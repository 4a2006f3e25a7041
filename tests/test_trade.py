"""Tests for geo.trade: the yearly tables, their checks and the summary."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from geo.errors import RouteDataError
from geo.trade import BASE_YEAR, MAX_VALUE, TRADE_COLUMNS, format_trade, load_energy, load_trade, trade_summary
from make_maps import ENERGY_PATH, TRADE_PATH

HEADER = "year,total_usd_bn,cn_exports_to_ru_usd_bn,cn_imports_from_ru_usd_bn,confidence,confidence_note,source\n"


def test_summary__reproduces_the_headline_statements():
    summary = trade_summary(load_trade(TRADE_PATH))
    # "bilateral trade increasing to $244 billion" (2024, GACC $244.81 bn)
    assert summary["year"] == 2024 and int(summary["total_usd_bn"]) == 244
    # "Russia's exports to China ... increased by 63% to $129.3 billion" (2024 vs 2021)
    assert round(summary["ru_to_cn_usd_bn"], 1) == 129.3
    assert round(summary["ru_to_cn_change_vs_2021_pct"]) == 63
    assert summary["ru_to_cn_change_vs_2021_pct"] == pytest.approx(100 * (129.32 / 79.3 - 1), abs=0.05)


def test_load_trade__every_row_has_source_and_confidence():
    rows = load_trade(TRADE_PATH)
    assert [r["year"] for r in rows] == list(range(2013, 2026))
    assert all(r["source"] and r["confidence"] in ("high", "medium", "low") for r in rows)


def test_load_energy__blanks_are_unknown():
    rows = {r["year"]: r for r in load_energy(ENERGY_PATH)}
    assert rows[2024]["pos1_gas_bcm"] == 31.12 and rows[2024]["lng_mt"] is None
    assert rows[2013]["pos1_gas_bcm"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (",89.21,49.6,39.6,high,,S\n", r"line 2: year: missing year"),
        ("2013,89.21,49.6,39.6,high,,S\n2013,89.21,49.6,39.6,high,,S\n", r"line 3: year: duplicate year 2013, also on line 2"),
        ("2013,89.21,-49.6,39.6,high,,S\n", r"line 2: cn_exports_to_ru_usd_bn: '-49.6' must be a number from 0 to 100,000"),
        ("2013,89.21,49.6,abc,high,,S\n", r"line 2: cn_imports_from_ru_usd_bn: 'abc' is not a number"),
        ("2013,89.21,49.6,,high,,S\n", r"line 2: cn_imports_from_ru_usd_bn: missing value"),
        ("2013,95.21,49.6,39.6,high,,S\n", r"line 2: total_usd_bn: total 95.21 differs from 49.6 \+ 39.6 = 89.2 by 6.01"),
        ("2013,89.21,49.6,39.6,sure,,S\n", r"line 2: confidence: confidence 'sure' must be one of"),
        ("2013,89.21,49.6,39.6,high,,\n", r"line 2: source: missing source"),
        ("2013,nan,49.6,39.6,high,,S\n", r"line 2: total_usd_bn: 'nan' is not a number; write plain decimals such as 129.32"),
    ],
)
def test_load_trade__bad_rows_name_file_line_column(write, body, message):
    path = write("trade.csv", HEADER + body)
    with pytest.raises(RouteDataError, match=message) as info:
        load_trade(path)
    assert str(info.value).startswith(str(path))


def test_load_trade__rounding_is_allowed():
    # 2015: 34.8 + 33.3 = 68.1 against a total of 68.0, within the rounding of three 1-decimal figures
    assert next(r for r in load_trade(TRADE_PATH) if r["year"] == 2015)["total_usd_bn"] == 68.0


def test_load_trade__missing_column(write):
    with pytest.raises(RouteDataError, match=r"line 1: total_usd_bn: missing column\(s\) total_usd_bn"):
        load_trade(write("t.csv", "year,cn_exports_to_ru_usd_bn\n2013,1\n"))


def test_format_trade__table_and_csv():
    rows = load_trade(TRADE_PATH)
    summary = trade_summary(rows)
    table = format_trade(rows, summary, "table")
    assert "2024: bilateral trade $244.81 bn" in table and "+63.1 % on 2021" in table
    assert format_trade(rows, summary, "csv").splitlines()[0] == HEADER.strip()


def test_summary__other_year_and_unknown_year():
    rows = load_trade(TRADE_PATH)
    assert trade_summary(rows, year=2021)["ru_to_cn_change_vs_2021_pct"] == 0.0
    with pytest.raises(RouteDataError, match="no trade figures for 1999"):
        trade_summary(rows, year=1999)


# --- issue 14: tests that catch wrong numbers (mutation testing of geo/trade.py) ---
#
# Every expected value below is worked out by hand from rows written in the test (or
# follows from a rule in geo.trade's docstrings); none is copied from the program.

ENERGY_HEADER = "year,pos1_gas_bcm,lng_mt,crude_mt,confidence,confidence_note,source\n"


def trade_error(write, body: str, *, header: str = HEADER, loader=load_trade) -> RouteDataError:
    path = write("table.csv", header + body)
    with pytest.raises(RouteDataError) as info:
        loader(path)
    assert info.value.path == str(path)
    assert str(info.value).startswith(str(path))
    return info.value


# The allowance for rounding: each figure is exact to half a unit of its last written
# decimal ("5.1" is 5.05..5.15, "10.300" is 10.2995..10.3005, "5" is 4.5..5.5), so a
# total may differ from exports + imports by the sum of the three half-units. Worked
# out by hand: total, exports, imports  # allowance; |exports + imports - total|.
WITHIN_ROUNDING = [
    ("10.300", "5.1", "5.1"),  # 0.0005 + 0.05 + 0.05 = 0.1005; 0.100 (just under)
    ("10.100", "5.1", "5.1"),  # 0.1005; 0.100, total below the sum
    ("2", "1.3", "1.3"),  # 0.5 + 0.05 + 0.05 = 0.6; 0.6 (on the limit: not "more than")
    ("11", "5", "5"),  # 0.5 * 3 = 1.5; 1
    ("100", "50.2", "50.0"),  # 0.5 + 0.05 + 0.05 = 0.6 (needs the total's 0.5); 0.2
    ("100.0", "50", "50.4"),  # 0.05 + 0.5 + 0.05 = 0.6 (needs the exports' 0.5); 0.4
    ("100.0", "50.4", "50"),  # 0.05 + 0.05 + 0.5 = 0.6 (needs the imports' 0.5); 0.4
    ("9.", "4.5", "4.5"),  # "9." has no decimals: 0.5 + 0.05 + 0.05; 0
    # 5e-10 + 5e-10 + 0.5 = 0.500000001; 0.500000002: the allowance plus the 1e-9 the
    # check adds against representation noise, exactly on the limit -> still loads
    ("2", "1.250000001", "1.250000001"),
]
BEYOND_ROUNDING = [
    # total, exports, imports, exports + imports, |difference|, allowance (all by hand).
    # Just over: a check ten times looser (allowance 1.005) would let the first two pass.
    ("10.301", "5.1", "5.1", "10.2", "0.101", "0.1005"),
    ("10.099", "5.1", "5.1", "10.2", "0.101", "0.1005"),
    ("10.35", "5.1", "5.15", "10.25", "0.10", "0.060"),  # 0.005 + 0.05 + 0.005
    ("12", "5", "5", "10", "2", "1.5"),
    ("100.1", "50.2", "50.3", "100.5", "0.4", "0.15"),
    ("2", "1.35", "1.3", "2.65", "0.65", "0.555"),  # 0.5 + 0.005 + 0.05
    ("2", "1.250000001", "1.250000002", "2.500000003", "0.500000003", "0.5000000010"),
]


@pytest.mark.parametrize(("total", "exports", "imports"), WITHIN_ROUNDING)
def test_load_trade__total_within_rounding_loads(write, total, exports, imports):
    """Oracle: the allowance worked out by hand in WITHIN_ROUNDING."""
    (row,) = load_trade(write("t.csv", HEADER + f"2013,{total},{exports},{imports},high,,S\n"))
    figures = (row["total_usd_bn"], row["cn_exports_to_ru_usd_bn"], row["cn_imports_from_ru_usd_bn"])
    assert figures == (float(total), float(exports), float(imports))


@pytest.mark.parametrize(("total", "exports", "imports", "sum_", "difference", "allowance"), BEYOND_ROUNDING)
def test_load_trade__total_beyond_rounding_refused(write, total, exports, imports, sum_, difference, allowance):
    """Oracle: sum, difference and allowance worked out by hand in BEYOND_ROUNDING."""
    error = trade_error(write, f"2013,{total},{exports},{imports},high,,S\n")
    assert (error.line, error.field) == (2, "total_usd_bn")
    assert error.problem == (
        f"total {total} differs from {exports} + {imports} = {sum_} by {difference}, "
        f"more than rounding allows ({allowance}); check the three figures"
    )


def test_load_trade__rows_as_public_floats_sorted_by_year(write):
    """Oracle: the rows written here, in year order; private fields (line, text) dropped."""
    body = (
        "2015,68.0,34.8,33.3,medium,back-calculated,Sputnik 2017\n"
        "2013,89.21,49.6,39.6,low,,ТАСС\n"
        "\n"  # a blank line is skipped, the next line is still numbered as in a spreadsheet
        "2014,95.28,53.68,41.61,high,,ITAR-TASS\n"
    )
    rows = load_trade(write("t.csv", HEADER + body))
    assert rows == [
        {"year": 2013, "total_usd_bn": 89.21, "cn_exports_to_ru_usd_bn": 49.6, "cn_imports_from_ru_usd_bn": 39.6,
         "confidence": "low", "confidence_note": "", "source": "ТАСС"},
        {"year": 2014, "total_usd_bn": 95.28, "cn_exports_to_ru_usd_bn": 53.68, "cn_imports_from_ru_usd_bn": 41.61,
         "confidence": "high", "confidence_note": "", "source": "ITAR-TASS"},
        {"year": 2015, "total_usd_bn": 68.0, "cn_exports_to_ru_usd_bn": 34.8, "cn_imports_from_ru_usd_bn": 33.3,
         "confidence": "medium", "confidence_note": "back-calculated", "source": "Sputnik 2017"},
    ]  # fmt: skip
    assert all(type(r["year"]) is int and type(r["total_usd_bn"]) is float for r in rows)
    # line numbers: the fourth data row is line 6 (header 1, rows 2, 3, blank 4, row 5);
    # 1 + 1 against 4 is 2 off, beyond 0.5 * 3
    error = trade_error(write, body + "2016,4,1,1,high,,S\n")
    assert (error.line, error.field) == (6, "total_usd_bn")


@pytest.mark.parametrize(
    ("body", "line", "field", "problem"),
    [
        (",1.0,0.5,0.5,high,,S\n", 2, "year", "missing year; every row needs a year such as 2024"),
        ("13,1.0,0.5,0.5,high,,S\n", 2, "year", "year '13' is not a four-digit year"),
        ("20x4,1.0,0.5,0.5,high,,S\n", 2, "year", "year '20x4' is not a four-digit year"),
        ("20245,1.0,0.5,0.5,high,,S\n", 2, "year", "year '20245' is not a four-digit year"),
        ("١٩٩٩,1.0,0.5,0.5,high,,S\n", 2, "year", "year '١٩٩٩' is not a four-digit year"),  # not ASCII digits
        ("1899,1.0,0.5,0.5,high,,S\n", 2, "year", "year '1899' is not a four-digit year"),
        ("2101,1.0,0.5,0.5,high,,S\n", 2, "year", "year '2101' is not a four-digit year"),
        ("2013,1.0,0.5,0.5,high,,S\n2014,1.0,0.5,0.5,high,,S\n2013,1.0,0.5,0.5,high,,S\n", 4, "year",
         "duplicate year 2013, also on line 2; keep one row per year"),
        ("2013,,0.5,0.5,high,,S\n", 2, "total_usd_bn", "missing value; give a number (US$ bn)"),
        ("2013,1.0,,0.5,high,,S\n", 2, "cn_exports_to_ru_usd_bn", "missing value; give a number (US$ bn)"),
        ("2013,100000.5,100000.5,0,high,,S\n", 2, "total_usd_bn",
         "'100000.5' must be a number from 0 to 100,000 (US$ bn, bcm or Mt)"),
        ("2013,1.0,-0.5,1.5,high,,S\n", 2, "cn_exports_to_ru_usd_bn",
         "'-0.5' must be a number from 0 to 100,000 (US$ bn, bcm or Mt)"),
        ("2013,1.0,0.5,0.5,High,,S\n", 2, "confidence", "confidence 'High' must be one of high, medium, low"),
        ("2013,1.0,0.5,0.5,,,S\n", 2, "confidence", "confidence '' must be one of high, medium, low"),
        ("2013,1.0,0.5,0.5,high,note,\n", 2, "source", "missing source; say where the figures come from"),
        ("2013,0,0,0,high,,S\n", 2, "total_usd_bn",
         "total 0: the change to the next year divides by it; leave out a year without trade"),
        ("2013,0.00,0.0,0.0,high,,S\n", 2, "total_usd_bn",
         "total 0: the change to the next year divides by it; leave out a year without trade"),
        ("2020,5,5,0,high,,S\n2021,5.0,5.0,0.0,high,,S\n", 3, "cn_imports_from_ru_usd_bn",
         "0 in 2021, the base year of the summary's change (it divides by it); give the figure"),
    ],
)
def test_load_trade__refused_rows_exact_message(write, body, line, field, problem):
    """Oracle: the rule each row breaks (docstring of load_trade), the line counted by hand."""
    error = trade_error(write, body)
    assert (error.line, error.field, error.problem) == (line, field, problem)
    assert str(error) == f"{error.path}: line {line}: {field}: {problem}"


def test_load_trade__limits_themselves_are_allowed(write):
    """Oracle: the documented ranges are inclusive (years 1900-2100, values 0 to MAX_VALUE);
    a zero import figure is refused only in the base year, a total of 1 is not a total of 0."""
    body = (
        "1900,100000,50000,50000,high,,S\n"
        "2100,1,1,0,high,,S\n"  # imports 0 outside the base year: allowed
        f"{BASE_YEAR},1,0,1,high,,S\n"  # exports 0 in the base year: allowed
        f"{BASE_YEAR + 1},2,1,1,low,,S\n"
    )
    rows = load_trade(write("t.csv", HEADER + body))
    assert [r["year"] for r in rows] == [1900, BASE_YEAR, BASE_YEAR + 1, 2100]
    assert rows[0]["total_usd_bn"] == MAX_VALUE == 100_000
    assert rows[3]["cn_imports_from_ru_usd_bn"] == 0.0 and rows[1]["cn_exports_to_ru_usd_bn"] == 0.0


def test_load_trade__no_rows(write):
    error = trade_error(write, "\n\n")
    assert (error.line, error.field) == (None, None)
    assert error.problem == "no rows under the header; add one row per year"


def test_load_energy__values_blanks_and_checks(write):
    """Oracle: the rows written here; blanks are None (no column required), values checked as in trade."""
    body = "2020,1.5,,30,high,n,S1\n2019,0,2.25,0.0,low,,S2\n"
    rows = load_energy(write("e.csv", ENERGY_HEADER + body))
    assert rows == [
        {"year": 2019, "pos1_gas_bcm": 0.0, "lng_mt": 2.25, "crude_mt": 0.0, "confidence": "low",
         "confidence_note": "", "source": "S2"},
        {"year": 2020, "pos1_gas_bcm": 1.5, "lng_mt": None, "crude_mt": 30.0, "confidence": "high",
         "confidence_note": "n", "source": "S1"},
    ]  # fmt: skip
    error = trade_error(write, "2020,100001,,,high,,S\n", header=ENERGY_HEADER, loader=load_energy)
    assert (error.line, error.field) == (2, "pos1_gas_bcm")
    assert error.problem == "'100001' must be a number from 0 to 100,000 (US$ bn, bcm or Mt)"


# Three years written by hand; each total is exports + imports exactly.
SUMMARY_BODY = (
    "2021,100.0,70.0,30.0,high,,S2021\n"
    "2022,130.0,80.0,50.0,medium,,S2022\n"
    "2023,123.10,81.87,41.23,low,note,S2023\n"
)


@pytest.fixture
def summary_rows(write):
    return load_trade(write("t.csv", HEADER + SUMMARY_BODY))


def test_summary__changes_against_the_right_years(summary_rows):
    """Oracle, by hand: 2023 against 2022 (the previous year) 100 * (123.1 / 130 - 1) = -5.308 -> -5.3
    (against 2021 it would be +23.1); Russia's exports 2023 against 2021:
    100 * (41.23 / 30 - 1) = 37.433 -> 37.4 (against 2022: -17.5). One decimal, as floats."""
    assert trade_summary(summary_rows, year=2023) == {
        "year": 2023,
        "total_usd_bn": 123.1,
        "ru_to_cn_usd_bn": 41.23,
        "cn_to_ru_usd_bn": 81.87,
        "ru_to_cn_change_vs_2021_pct": 37.4,
        "total_change_vs_previous_year_pct": -5.3,
        "confidence": "low",
        "source": "S2023",
    }
    summary = trade_summary(summary_rows, year=2023)
    assert type(summary["total_change_vs_previous_year_pct"]) is float
    assert type(summary["ru_to_cn_change_vs_2021_pct"]) is float
    # 2022: 100 * (130 / 100 - 1) = 30.0; 100 * (50 / 30 - 1) = 66.67 -> 66.7
    summary = trade_summary(summary_rows, year=2022)
    assert summary["total_change_vs_previous_year_pct"] == 30.0
    assert summary["ru_to_cn_change_vs_2021_pct"] == 66.7
    assert (summary["cn_to_ru_usd_bn"], summary["ru_to_cn_usd_bn"]) == (80.0, 50.0)


def test_summary__first_year_and_no_base_year(write, summary_rows):
    """Oracle: no previous year, no change (None); no 2021 row, no change against 2021."""
    first = trade_summary(summary_rows, year=2021)
    assert first["total_change_vs_previous_year_pct"] is None
    assert first["ru_to_cn_change_vs_2021_pct"] == 0.0
    rows = load_trade(write("t2.csv", HEADER + "2022,130.0,80.0,50.0,high,,S\n2024,10.5,5.25,5.25,high,,S\n"))
    summary = trade_summary(rows, year=2024)
    assert summary["ru_to_cn_change_vs_2021_pct"] is None
    assert summary["total_change_vs_previous_year_pct"] is None  # 2023 is missing, not 2022
    # 2022 against 2021 would divide by a missing row: None, not an error
    assert trade_summary(rows, year=2022)["total_change_vs_previous_year_pct"] is None


@pytest.mark.parametrize(
    ("confidences", "year"),
    [
        (("high", "high", "medium"), 2022),  # the latest of the high years, not the first
        (("high", "low", "medium"), 2021),
        (("low", "medium", "low"), 2023),  # no high year: the latest year
        (("medium", "medium", "high"), 2023),
    ],
)
def test_summary__default_year_is_latest_high_confidence(write, confidences, year):
    """Oracle: the docstring rule, applied by hand to the three confidences."""
    figures = [(2021, 100.0, 70.0, 30.0), (2022, 130.0, 80.0, 50.0), (2023, 123.10, 81.87, 41.23)]
    body = "".join(f"{y},{t},{e},{i},{c},,S\n" for (y, t, e, i), c in zip(figures, confidences, strict=True))
    assert trade_summary(load_trade(write("t.csv", HEADER + body)))["year"] == year


def test_summary__unknown_year_message(summary_rows):
    with pytest.raises(RouteDataError) as info:
        trade_summary(summary_rows, year=2020)
    assert (info.value.field, info.value.path, info.value.line) == ("year", None, None)
    assert info.value.problem == "no trade figures for 2020; the table covers 2021-2023"


TABLE_2023 = (
    "China-Russia goods trade, China customs (GACC), US$ bn\n"
    "year   total  CN->RU  RU->CN  confidence\n"
    "2021  100.00   70.00   30.00        high\n"
    "2022  130.00   80.00   50.00      medium\n"
    "2023  123.10   81.87   41.23         low\n"
    "\n"
    "2023: bilateral trade $123.10 bn; Russia's exports to China (China's imports from Russia) $41.23 bn,"
    " +37.4 % on 2021; China's exports to Russia $81.87 bn.\n"
)
"""Written by hand from format_trade's rules: two decimals, columns right-aligned to their
widest cell (4, 6, 6, 6, 10) and two spaces apart; the summary of 2023 as worked out in
test_summary__changes_against_the_right_years."""


def test_format_trade__table_exact(summary_rows):
    summary = trade_summary(summary_rows, year=2023)
    assert format_trade(summary_rows, summary, "table") == TABLE_2023
    assert format_trade(summary_rows, summary) == TABLE_2023  # the default format


def test_format_trade__table_summary_without_and_with_negative_change(write, summary_rows):
    """Oracle: a summary with no 2021 row says nothing about 2021; a fall prints its minus sign."""
    summary = dict(trade_summary(summary_rows, year=2023), ru_to_cn_change_vs_2021_pct=None)
    last = format_trade(summary_rows, summary, "table").splitlines()[-1]
    assert last == (
        "2023: bilateral trade $123.10 bn; Russia's exports to China (China's imports from Russia) "
        "$41.23 bn; China's exports to Russia $81.87 bn."
    )
    summary["ru_to_cn_change_vs_2021_pct"] = -12.25
    assert ", -12.2 % on 2021;" in format_trade(summary_rows, summary, "table")  # 12.25 rounds to even


def test_format_trade__csv_every_cell(summary_rows):
    """Oracle: the rows themselves, read back with the csv module; None is an empty cell."""
    rows = [dict(r) for r in summary_rows]
    rows[0]["confidence_note"] = None
    text = format_trade(rows, trade_summary(summary_rows, year=2023), "csv")
    assert "\r" not in text and text.endswith("\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == TRADE_COLUMNS
    read = list(reader)
    assert read == [{k: "" if r[k] is None else str(r[k]) for k in TRADE_COLUMNS} for r in rows]
    assert read[2] == {"year": "2023", "total_usd_bn": "123.1", "cn_exports_to_ru_usd_bn": "81.87",
                       "cn_imports_from_ru_usd_bn": "41.23", "confidence": "low", "confidence_note": "note",
                       "source": "S2023"}  # fmt: skip


def test_format_trade__json(summary_rows):
    """Oracle: the rows and summary themselves; strict JSON (RFC 8259), text kept unescaped."""
    rows = [dict(r) for r in summary_rows]
    rows[1]["source"] = "ТАСС"
    summary = trade_summary(rows, year=2023)
    text = format_trade(rows, summary, "json")
    assert json.loads(text) == {"summary": summary, "years": rows}
    assert text.startswith('{\n  "summary": {\n    "year": 2023,') and text.endswith("}\n")
    assert '"ТАСС"' in text
    with pytest.raises(ValueError, match="JSON compliant"):
        format_trade(rows, dict(summary, total_change_vs_previous_year_pct=math.nan), "json")


def test_format_trade__unknown_format(summary_rows):
    with pytest.raises(ValueError) as info:
        format_trade(summary_rows, trade_summary(summary_rows), "xml")  # type: ignore[arg-type]
    assert str(info.value) == "unknown format 'xml'; use one of table, csv, json"
