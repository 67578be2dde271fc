"""CSV and JSON of a dashboard Table: parsed back, they give exactly the Table's rows and values."""

import csv
import datetime as dt
import io
import json

from oversight import exports
from oversight.tables import Column, Interval, Table

RATE = Interval(successes=37, total=300, rate=37 / 300, low=0.09071234567, high=0.16551234567)
EMPTY = Interval(successes=0, total=0, rate=None, low=None, high=None)
RATIO = Interval(successes=0, total=0, rate=1.2345678, low=0.98, high=1.61)
COLUMNS = (
    Column("region", "Өңір", "text"),
    Column("decisions", "Decisions", "count"),
    Column("silent", "Silent share", "rate"),
    Column("overturn", "Overturn rate", "interval"),
    Column("ratio", "Disparity", "ratio"),
    Column("median_days", "Median days", "days"),
    Column("month", "Month", "date"),
    Column("small", "Small group", "flag"),
)
ROWS = (
    {
        "key": "r1",
        "region": "Түркістан облысы",
        "decisions": 1234,
        "silent": 0.25,
        "overturn": RATE,
        "ratio": RATIO,
        "median_days": 12.5,
        "month": dt.date(2026, 3, 1),
        "small": False,
    },
    {
        "key": "r2",
        "region": '=HYPERLINK("http://x")',
        "decisions": 0,
        "silent": None,
        "overturn": EMPTY,
        "ratio": None,
        "median_days": None,
        "month": None,
        "small": True,
    },
    {
        "key": "r3",
        "region": '-Astana, "centre"\nline',
        "decisions": 7,
        "silent": 1.0,
        "overturn": RATE,
        "ratio": 0.5,
        "median_days": 3,
        "month": dt.date(2026, 4, 1),
        "small": True,
    },
)
TABLE = Table(
    id="regions", title="Regions", columns=COLUMNS, rows=ROWS, caption="Decisions in 2026", notes=("n",)
)


def parse_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read Kazakh letters right
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def optional_float(text: str) -> float | None:
    return None if text == "" else float(text)


def test_the_csv_header_is_the_column_keys_with_intervals_in_five_columns():
    header = next(csv.reader(io.StringIO(exports.table_csv(TABLE).decode("utf-8-sig"))))
    assert header == [
        "region",
        "decisions",
        "silent",
        "overturn",
        "overturn_low",
        "overturn_high",
        "overturn_successes",
        "overturn_total",
        "ratio",
        "ratio_low",
        "ratio_high",
        "ratio_successes",
        "ratio_total",
        "median_days",
        "month",
        "small",
    ]


def test_the_csv_gives_back_every_value_of_every_row_exactly():
    lines = parse_csv(exports.table_csv(TABLE))
    assert len(lines) == len(ROWS)
    for line, row in zip(lines, ROWS, strict=True):
        text = row["region"]
        assert line["region"] == (f"'{text}" if text[0] in "=+-@" else text)
        assert int(line["decisions"]) == row["decisions"]
        assert optional_float(line["silent"]) == row["silent"]
        for part in ("rate", "low", "high"):
            key = "overturn" if part == "rate" else f"overturn_{part}"
            assert optional_float(line[key]) == getattr(row["overturn"], part)
        assert int(line["overturn_successes"]) == row["overturn"].successes
        assert int(line["overturn_total"]) == row["overturn"].total
        ratio = row["ratio"]
        if isinstance(ratio, Interval):
            assert (float(line["ratio"]), float(line["ratio_low"]), float(line["ratio_high"])) == (
                ratio.rate,
                ratio.low,
                ratio.high,
            )
        else:
            assert optional_float(line["ratio"]) == ratio
            assert line["ratio_low"] == line["ratio_high"] == ""
        assert optional_float(line["median_days"]) == row["median_days"]
        assert line["month"] == (row["month"].isoformat() if row["month"] else "")
        assert line["small"] == ("true" if row["small"] else "false")


def test_a_text_a_spreadsheet_would_run_as_a_formula_is_defused():
    lines = parse_csv(exports.table_csv(TABLE))
    assert lines[1]["region"].startswith("'=")
    assert lines[2]["region"] == '\'-Astana, "centre"\nline'


def test_the_json_gives_back_the_table_with_its_columns_and_every_value():
    generated = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    document = json.loads(
        exports.table_json(TABLE, filters={"period_from": "2026-01"}, generated_at=generated)
    )
    assert document["id"] == "regions"
    assert document["title"] == "Regions" and document["caption"] == "Decisions in 2026"
    assert document["notes"] == ["n"]
    assert document["filters"] == {"period_from": "2026-01"}
    assert document["generated_at"] == "2026-04-01T09:00:00+00:00"
    assert document["columns"] == [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in COLUMNS]
    assert len(document["rows"]) == len(ROWS)
    for got, row in zip(document["rows"], ROWS, strict=True):
        for column in COLUMNS:
            value = row[column.key]
            if isinstance(value, Interval):
                assert got[column.key] == {
                    "successes": value.successes,
                    "total": value.total,
                    "rate": value.rate,
                    "low": value.low,
                    "high": value.high,
                }
            elif isinstance(value, dt.date):
                assert got[column.key] == value.isoformat()
            else:
                assert got[column.key] == value  # text unchanged: JSON runs no formulas
    assert "Түркістан облысы" in exports.table_json(TABLE, filters={}, generated_at=generated).decode()


def test_an_empty_table_exports_its_header_and_no_rows():
    empty = Table(id="e", title="E", columns=COLUMNS, rows=())
    assert parse_csv(exports.table_csv(empty)) == []
    document = json.loads(
        exports.table_json(empty, filters={}, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    )
    assert document["rows"] == []
