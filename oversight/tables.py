"""The one shape every dashboard number travels in: a titled table of typed columns.

Selectors return `Table`s; the dashboard renders them (with a chart drawn over the same rows), and the CSV,
JSON and monthly PDF exports serialise exactly the same objects, so what is exported is what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ColumnKind = Literal["text", "count", "rate", "interval", "ratio", "days", "seconds", "date", "flag"]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Interval:
    """A proportion with its Wilson 95% interval (all None when the denominator is 0)."""

    successes: int
    total: int
    rate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Table:
    id: str  # stable, used in URLs and export file names
    title: Any  # a lazy translation
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    caption: Any = ""  # what the numbers are, and the period
    notes: tuple[Any, ...] = field(default=())  # e.g. "groups under 10 are flagged, not compared"
