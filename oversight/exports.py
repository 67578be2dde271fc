"""Exports of the dashboard: CSV and JSON of any Table, and the monthly report as a PDF.

What is exported is what is shown: each export serialises the very Table the dashboard renders for the same
filters (oversight/tables.py), with the raw values rather than the formatted text.

CSV: UTF-8 with a byte-order mark (so that spreadsheet programs read Kazakh letters right), one header row of
stable column keys, independent of the language. A proportion with its interval (kind "interval", and a ratio
that carries an interval) becomes five columns: `<key>` (the rate), `<key>_low`, `<key>_high` (the Wilson 95%
interval), `<key>_successes` and `<key>_total`. Rates are fractions (0.123, not 12.3%); a missing value is an
empty cell. A text cell that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return) gets a leading apostrophe: region names come from agencies (OWASP "CSV injection").

JSON: the table's id, title, caption and notes in the reader's language, the filters, its columns (key, label,
kind) and its rows, an interval as {"successes", "total", "rate", "low", "high"}.

PDF: templates/pdf/oversight_monthly.html, printed by WeasyPrint through explanations.services.pdf (fonts
that cover every Kazakh letter, tagged PDF/UA-1) and cached on disk under a digest of the printed HTML, so a
changed number can never be served from a stale file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from explanations.services.pdf import html_to_pdf
from portal import pdf_cache

from .tables import Column, Interval, Table

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
INTERVAL_PARTS = ("low", "high", "successes", "total")
PDF_TEMPLATE = "pdf/oversight_monthly.html"
# Bump when templates/pdf/oversight_monthly.html changes the printed document in a way the HTML digest misses.
PDF_TEMPLATE_VERSION = "1"


def _expands(table: Table, column: Column) -> bool:
    """An interval column always becomes five; a ratio column does when any of its values is an Interval."""
    if column.kind == "interval":
        return True
    return column.kind == "ratio" and any(isinstance(r.get(column.key), Interval) for r in table.rows)


def csv_header(table: Table) -> list[str]:
    header: list[str] = []
    for column in table.columns:
        header.append(column.key)
        if _expands(table, column):
            header.extend(f"{column.key}_{part}" for part in INTERVAL_PARTS)
    return header


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_row(table: Table, row: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for column in table.columns:
        value = row.get(column.key)
        if _expands(table, column):
            interval = value if isinstance(value, Interval) else None
            if interval is None and value is not None and column.kind == "ratio":
                out.extend([_scalar(value), "", "", "", ""])
                continue
            out.append(_scalar(interval.rate if interval else None))
            out.extend(_scalar(getattr(interval, part) if interval else None) for part in INTERVAL_PARTS)
        else:
            out.append(_scalar(value))
    return out


def table_csv(table: Table) -> bytes:
    """The table as CSV (UTF-8 with BOM): a header of column keys, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_header(table))
    for row in table.rows:
        writer.writerow(csv_row(table, row))
    return buffer.getvalue().encode("utf-8-sig")


def _json_value(value: Any) -> Any:
    if isinstance(value, Interval):
        return {k: _json_value(v) for k, v in asdict(value).items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def table_document(table: Table, *, filters: dict[str, Any], generated_at: dt.datetime) -> dict[str, Any]:
    """The table as a JSON-ready dict (texts in the active language)."""
    return {
        "id": table.id,
        "title": str(table.title),
        "caption": str(table.caption),
        "notes": [str(n) for n in table.notes],
        "filters": filters,
        "generated_at": generated_at.isoformat(),
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": [{c.key: _json_value(row.get(c.key)) for c in table.columns} for row in table.rows],
    }


def table_json(table: Table, *, filters: dict[str, Any], generated_at: dt.datetime) -> bytes:
    document = table_document(table, filters=filters, generated_at=generated_at)
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


# --- the monthly report ----------------------------------------------------------------------------------------


def monthly_report_html(context: dict[str, Any]) -> str:
    """The print HTML of the monthly report (in the active language)."""
    return render_to_string(PDF_TEMPLATE, context)


def monthly_report_pdf(*, context: dict[str, Any], language: str, use_cache: bool = True) -> bytes:
    """The monthly report as a PDF: from the disk cache when the printed HTML is unchanged, else printed.

    The caller has checked that the person may see the dashboard. Concurrent first requests may both print;
    each writes a temporary file and renames it into place, so a reader never sees a partial file.
    """

    html = monthly_report_html(context)
    key = f"monthly-{language}-t{PDF_TEMPLATE_VERSION}-{pdf_cache.html_digest(html)}"
    return pdf_cache.cached_pdf(
        area="oversight", key=key, render=lambda: html_to_pdf(html), use_cache=use_cache
    )
