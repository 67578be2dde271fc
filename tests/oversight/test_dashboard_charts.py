"""How the dashboard shows a Table: each cell in the reader's notation, intervals as "12.3% (9.8–15.1%)", small
groups flagged, and a bar chart over the same rows that hides itself from assistive technology."""

import re

import pytest
from django.utils import translation

from oversight import charts
from oversight.tables import Column, Interval, Table

RATE = Interval(successes=37, total=300, rate=37 / 300, low=0.0907, high=0.1655)
EMPTY = Interval(successes=0, total=0, rate=None, low=None, high=None)


def table(rows: list[dict], **extra) -> Table:
    return Table(
        id="t",
        title="Overturn rate",
        columns=(
            Column("name", "Group", "text"),
            Column("decisions", "Decisions", "count"),
            Column("overturn", "Overturn rate", "interval"),
            Column("ratio", "Ratio", "ratio"),
            Column("small", "Small group", "flag"),
        ),
        rows=tuple(rows),
        **extra,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "12.3% (9.1–16.6%)"), ("ru", "12,3% (9,1–16,6%)"), ("kk", "12,3% (9,1–16,6%)")],
)
def test_an_interval_reads_as_the_rate_then_its_wilson_interval_in_the_languages_notation(lang, expected):
    with translation.override(lang):
        assert charts.interval_text(RATE) == expected


def test_an_interval_without_a_denominator_is_a_dash_not_zero():
    assert charts.interval_text(EMPTY) == "—"
    assert charts.cell_text(Column("x", "x", "interval"), EMPTY) == "—"
    assert charts.cell_text(Column("x", "x", "rate"), None) == "—"


def test_a_ratio_with_its_interval_and_counts_with_grouping():
    with translation.override("en"):
        ratio = Interval(successes=0, total=0, rate=1.25, low=0.98, high=1.6)
        assert charts.cell_text(Column("r", "r", "ratio"), ratio) == "1.25 (0.98–1.60)"
        assert charts.cell_text(Column("r", "r", "ratio"), 0.5) == "0.50"
        assert charts.cell_text(Column("c", "c", "count"), 1234567) == "1,234,567"
    with translation.override("ru"):
        assert charts.cell_text(Column("c", "c", "count"), 1234567) == "1\xa0234\xa0567"


def test_rows_flagged_small_are_marked_and_their_flag_cell_says_so():
    t = table(
        [
            {"key": "a", "name": "Astana", "decisions": 300, "overturn": RATE, "ratio": 1.0, "small": False},
            {"key": "b", "name": "Abai", "decisions": 7, "overturn": RATE, "ratio": None, "small": True},
        ]
    )
    presented = charts.present(t, drilldown=True)
    assert [r.small for r in presented.rows] == [False, True]
    assert [r.key for r in presented.rows] == ["a", "b"]
    assert [r.label for r in presented.rows] == ["Astana", "Abai"]
    assert presented.has_small and presented.drilldown
    flag_cells = [r.cells[4] for r in presented.rows]
    assert [(c.flag, c.flag_label) for c in flag_cells] == [(False, "Small group"), (True, "Small group")]


def test_the_chart_draws_one_bar_and_one_whisker_per_row_and_is_hidden_from_screen_readers():
    rows = [
        {
            "key": str(i),
            "name": f"Region {i}",
            "decisions": 100,
            "overturn": RATE,
            "ratio": 1.0,
            "small": i == 2,
        }
        for i in range(3)
    ]
    svg = str(charts.chart_svg(table(rows)))
    assert svg.startswith("<svg") and 'aria-hidden="true"' in svg and 'focusable="false"' in svg
    assert svg.count("<rect") == 3
    # a whisker is a line and two caps: three lines per row, besides the five grid lines
    assert svg.count("<line") == 5 + 3 * 3
    assert svg.count(charts.SMALL_COLOUR) == 1
    assert "Region 2 *" in svg
    with translation.override("en"):
        assert charts.interval_text(RATE) in str(charts.chart_svg(table(rows)))


def test_bar_lengths_are_proportional_to_the_values():
    rows = [
        {"key": "a", "name": "A", "decisions": 10, "overturn": None, "ratio": None, "small": False},
        {"key": "b", "name": "B", "decisions": 40, "overturn": None, "ratio": None, "small": False},
    ]
    t = Table(
        id="t",
        title="t",
        columns=(Column("name", "n", "text"), Column("decisions", "d", "count")),
        rows=tuple(rows),
    )
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', str(charts.chart_svg(t)))]
    assert widths[1] == pytest.approx(4 * widths[0], rel=0.01)


def test_agency_supplied_text_is_escaped_in_the_chart():
    rows = [
        {
            "key": "a",
            "name": "<script>alert(1)</script>",
            "decisions": 1,
            "overturn": RATE,
            "ratio": 1,
            "small": False,
        },
        {"key": "b", "name": "B & C", "decisions": 2, "overturn": RATE, "ratio": 1, "small": False},
    ]
    svg = str(charts.chart_svg(table(rows)))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "B &amp; C" in svg


def test_no_chart_where_it_would_not_help():
    one = [{"key": "a", "name": "A", "decisions": 1, "overturn": RATE, "ratio": 1, "small": False}]
    assert charts.chart_svg(table(one)) is None  # a single bar compares nothing
    many = [dict(one[0], key=str(i)) for i in range(charts.MAX_CHART_ROWS + 1)]
    assert charts.chart_svg(table(many)) is None
    zeros = [dict(one[0], key=str(i), decisions=0, overturn=EMPTY) for i in range(3)]
    assert charts.chart_svg(table(zeros)) is None
    numbers_only = Table(id="n", title="n", columns=(Column("d", "d", "count"),), rows=({"d": 1}, {"d": 2}))
    assert charts.chart_svg(numbers_only) is None


@pytest.mark.parametrize(
    ("top", "expected"), [(0.0, 1.0), (0.07, 0.1), (0.13, 0.2), (0.22, 0.25), (0.4, 0.5), (730, 1000)]
)
def test_the_axis_ends_on_a_round_number(top, expected):
    assert charts.nice_ceiling(top) == pytest.approx(expected)
