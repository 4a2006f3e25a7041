"""Tests for geo.trade: the yearly tables, their checks and the summary."""

from __future__ import annotations

import pytest

from geo.errors import RouteDataError
from geo.trade import format_trade, load_energy, load_trade, trade_summary
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
