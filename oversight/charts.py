"""Tables as people read them: each cell formatted for the current language, and a bar chart drawn over the
same rows as server-side SVG (no JavaScript).

The chart is decoration over the table, never instead of it: it is `aria-hidden`, and the accessible govuk
table with the same numbers sits next to it (architecture.md, "Charts enhance an accessible table that is
always present"). The same SVG goes into the monthly PDF, which WeasyPrint draws natively.

A proportion reads "12.3% (9.8–15.1%)": the rate, then its Wilson 95% interval, in the language's notation
(kk and ru write "12,3% (9,8–15,1%)"). A group too small to compare is shown and flagged, never hidden.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .tables import Column, Interval, Table

DASH = "—"
EN_DASH = "–"
NUMERIC_KINDS = frozenset({"count", "rate", "interval", "ratio", "days", "seconds"})
# The value a chart draws, in order of preference: the overturn rate where a table has one (what the oversight
# is most about), else a proportion with its interval, which says the most.
CHART_VALUE_KEYS = ("overturn_rate", "error_rate", "agreement_after")
CHART_VALUE_KINDS = ("interval", "rate", "ratio", "count")
MAX_CHART_ROWS = 40
SMALL_GROUP_KEYS = ("small", "small_group", "too_small", "flagged")


# --- cells -----------------------------------------------------------------------------------------------------


def _number(value: float, places: int) -> str:
    """Rounded half up on the decimal digits people see (16.55 -> 16.6), in the language's notation."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, places, force_grouping=True)


def percent(value: float | None) -> str:
    """0.1234 -> "12.3%" in the current language; a dash when there is no rate (nothing to divide by)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return f"{_number(value * 100, 1)}%"


def interval_text(value: Interval | None) -> str:
    """ "12.3% (9.8–15.1%)"; a dash when the denominator is 0."""
    if value is None or value.rate is None:
        return DASH
    if value.low is None or value.high is None:
        return percent(value.rate)
    return f"{percent(value.rate)} ({_number(value.low * 100, 1)}{EN_DASH}{percent(value.high)})"


def ratio_text(value: Any) -> str:
    """A disparity ratio, "1.25", or with its interval "1.25 (0.98–1.60)"."""
    if isinstance(value, Interval):
        if value.rate is None:
            return DASH
        if value.low is None or value.high is None:
            return _number(value.rate, 2)
        return f"{_number(value.rate, 2)} ({_number(value.low, 2)}{EN_DASH}{_number(value.high, 2)})"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return _number(float(value), 2)


def cell_text(column: Column, value: Any) -> str:
    """The text of one cell, as shown on the page and in the PDF (the exports keep the raw values)."""
    kind = column.kind
    if value is None:
        return DASH
    if kind == "interval":
        return interval_text(value) if isinstance(value, Interval) else percent(value)
    if kind == "rate":
        return percent(value.rate if isinstance(value, Interval) else value)
    if kind == "ratio":
        return ratio_text(value)
    if kind == "count":
        return formats.number_format(value, force_grouping=True)
    if kind in ("days", "seconds"):
        if isinstance(value, int):
            return formats.number_format(value, force_grouping=True)
        return _number(float(value), 1)
    if kind == "date":
        if isinstance(value, dt.datetime | dt.date):
            return str(formats.date_format(value, "DATE_FORMAT"))
        return str(value)
    if kind == "flag":
        return str(_("Yes") if value else _("No"))
    return str(value)


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool
    flag: bool | None  # for flag columns: the value; None otherwise
    flag_label: str = ""  # for flag columns: what a set flag says (the column's label)
    nowrap: bool = False  # "12.3% (9.8–15.1%)" reads as one value: keep it on one line


@dataclass(frozen=True)
class PresentedRow:
    cells: tuple[Cell, ...]
    small: bool  # a group too small to compare: flagged on the row
    label: str  # the text that names the row (its first text column), for link texts
    key: str | None  # the row key a drill-down takes (selectors put it in every row as "key")


def is_small_row(table: Table, row: dict[str, Any]) -> bool:
    """A row that a flag column marks as too small to compare (selectors name that column one of
    SMALL_GROUP_KEYS)."""
    return any(c.kind == "flag" and c.key in SMALL_GROUP_KEYS and bool(row.get(c.key)) for c in table.columns)


def present_rows(table: Table) -> list[PresentedRow]:
    out = []
    for row in table.rows:
        cells = tuple(
            Cell(
                text=cell_text(c, row.get(c.key)),
                numeric=c.kind in NUMERIC_KINDS,
                flag=bool(row.get(c.key)) if c.kind == "flag" else None,
                flag_label=str(c.label) if c.kind == "flag" else "",
                nowrap=c.kind in ("interval", "ratio"),
            )
            for c in table.columns
        )
        key = row.get("key")
        out.append(
            PresentedRow(
                cells=cells,
                small=is_small_row(table, row),
                label=row_label(table, row),
                key=None if key is None else str(key),
            )
        )
    return out


# --- charts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None
    high: float | None
    text: str
    small: bool


def _value_of(column: Column, value: Any) -> tuple[float | None, float | None, float | None]:
    if isinstance(value, Interval):
        return value.rate, value.low, value.high
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, None, None
    if not math.isfinite(float(value)):
        return None, None, None
    return float(value), None, None


def row_label(table: Table, row: dict[str, Any]) -> str:
    """What names a row: its text columns joined ("Family card · 2.0"), or a dash."""
    parts = [str(row.get(c.key) or "") for c in table.columns if c.kind == "text"]
    return " · ".join(p for p in parts if p) or DASH


def chart_column(table: Table) -> Column | None:
    """The column a chart of this table would draw, or None when no chart helps (no label, no number, a
    single row, or too many rows to read as bars)."""
    if not any(c.kind == "text" for c in table.columns) or not 2 <= len(table.rows) <= MAX_CHART_ROWS:
        return None
    for key in CHART_VALUE_KEYS:
        for column in table.columns:
            if column.key == key and column.kind in CHART_VALUE_KINDS:
                return column
    for kind in CHART_VALUE_KINDS:
        for column in table.columns:
            if column.kind == kind:
                return column
    return None


def bars(table: Table) -> tuple[Column, list[Bar]] | None:
    value_column = chart_column(table)
    if value_column is None:
        return None
    out = []
    for row in table.rows:
        value, low, high = _value_of(value_column, row.get(value_column.key))
        label = row_label(table, row)
        text = cell_text(value_column, row.get(value_column.key))
        out.append(
            Bar(
                label=label,
                value=value or 0.0,
                low=low,
                high=high,
                text=text if value is not None else DASH,
                small=is_small_row(table, row),
            )
        )
    if not any(b.value or b.high for b in out):
        return None
    return value_column, out


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least `value` (the axis' end)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return float(step * power)
    return float(10 * power)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Geometry (user units; the SVG scales to its container's width).
WIDTH = 720
LABEL_WIDTH = 220
VALUE_WIDTH = 150
ROW_HEIGHT = 26
TOP = 8
AXIS_HEIGHT = 24
BAR_COLOUR = "#00466b"  # the portal's brand colour (9.9:1 on white)
SMALL_COLOUR = "#b1b4b6"
INK = "#0b0c0c"
GRID = "#e5e6e7"
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"


def chart_svg(table: Table) -> SafeString | None:
    """A horizontal bar chart of the table's rows (with interval whiskers where there are intervals), or None
    where a chart would not help. Hidden from assistive technology: the table next to it is the accessible
    version, with the same numbers."""
    drawn = bars(table)
    if drawn is None:
        return None
    value_column, rows = drawn
    is_share = value_column.kind in ("interval", "rate")
    top_value = max(max(b.value, b.high or 0.0) for b in rows)
    axis_max = min(1.0, nice_ceiling(top_value)) if is_share and top_value <= 1 else nice_ceiling(top_value)
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + ROW_HEIGHT * len(rows) + AXIS_HEIGHT

    def x(value: float) -> float:
        return plot_left + plot_width * max(0.0, min(value, axis_max)) / axis_max

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false" '
        f'font-family="{FONT}" font-size="13">'
    ]
    bottom = TOP + ROW_HEIGHT * len(rows)
    for i in range(5):
        tick = axis_max * i / 4
        tx = x(tick)
        label = percent(tick) if is_share else formats.number_format(round(tick, 2), force_grouping=True)
        parts.append(f'<line x1="{tx:.1f}" y1="{TOP}" x2="{tx:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{INK}">{escape(label)}</text>'
        )
    for index, bar in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        mid = y + ROW_HEIGHT / 2
        colour = SMALL_COLOUR if bar.small else BAR_COLOUR
        label = _truncate(bar.label, 30) + (" *" if bar.small else "")
        parts.append(
            f'<text x="{plot_left - 8}" y="{mid + 4:.1f}" text-anchor="end" fill="{INK}">{escape(label)}</text>'
        )
        width = max(0.0, x(bar.value) - plot_left)
        parts.append(
            f'<rect x="{plot_left}" y="{y + 5}" width="{width:.1f}" height="{ROW_HEIGHT - 10}" fill="{colour}"/>'
        )
        if bar.low is not None and bar.high is not None:
            lx, hx = x(bar.low), x(bar.high)
            parts.append(
                f'<line x1="{lx:.1f}" y1="{mid:.1f}" x2="{hx:.1f}" y2="{mid:.1f}" stroke="{INK}" stroke-width="1.5"/>'
            )
            for cap in (lx, hx):
                parts.append(
                    f'<line x1="{cap:.1f}" y1="{mid - 5:.1f}" x2="{cap:.1f}" y2="{mid + 5:.1f}" '
                    f'stroke="{INK}" stroke-width="1.5"/>'
                )
        parts.append(
            f'<text x="{plot_left + plot_width + 8}" y="{mid + 4:.1f}" fill="{INK}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above; the rest are numbers


# --- a whole table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PresentedColumn:
    label: str
    numeric: bool


@dataclass(frozen=True)
class PresentedTable:
    table: Table
    columns: tuple[PresentedColumn, ...]
    rows: list[PresentedRow]
    chart: SafeString | None
    chart_of: str  # the label of the column the chart draws ("" without a chart)
    has_small: bool  # some row is a group too small to compare
    drilldown: bool  # its rows link to samples of their cases


def present(table: Table, *, drilldown: bool = False) -> PresentedTable:
    """A table ready for a template: formatted cells, each row's name and key, and its chart (or None)."""
    rows = present_rows(table)
    chart = chart_svg(table)
    column = chart_column(table)
    return PresentedTable(
        table=table,
        columns=tuple(PresentedColumn(str(c.label), c.kind in NUMERIC_KINDS) for c in table.columns),
        rows=rows,
        chart=chart,
        chart_of=str(column.label) if chart is not None and column is not None else "",
        has_small=any(r.small for r in rows),
        drilldown=drilldown and any(r.key is not None for r in rows),
    )
