"""The ombudsman's dashboard: /<language>/oversight/...

Read-only: every page here is GET (HEAD) only, and none calls a service. Thin views: check the person, read
the filters, one selector call, render. Who may: oversight/permissions.py (the ombudsman's office
only). Anonymous browsers go to the staff sign-in; an agency's API token never signs anyone in to a page and
gets a 404; any other signed-in person gets a 404 too, as if the pages did not exist.

Pages: the dashboard (every Table with its chart, CSV and JSON links, drill-down links), the CSV and JSON of
one table, the anonymised sample of cases behind one row, and the monthly report as a PDF.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.utils import timezone, translation

from appeals.models import GroundKind
from appeals.states import Outcome, State
from explanations.models import Reproducibility
from portal.web.staff import View, staff_page

from . import charts, exports, permissions, selectors
from .forms import DashboardFilterForm, ReportMonthForm
from .selectors import Filters, Period

SAMPLE_SIZE = 20

# Panels other parts of the oversight work put on the dashboard: (template tag library, its tags, the
# partial that loads and calls them). A panel whose library is not installed is left out, rather than the
# whole page failing to compile.
PANELS = (
    ("inquiries_dashboard", ("open_alerts_panel",), "oversight/_panel_inquiries.html"),
    ("access_dashboard", ("audit_chain_panel", "propagation_panel"), "oversight/_panel_access.html"),
)


def ombudsman_page(predicate: Callable[[Any], bool]) -> Callable[[View], View]:
    """Sign-in, then the predicate (404 when it refuses), then GET or HEAD only (portal/web/staff.py)."""
    return staff_page("GET", "HEAD", allow=predicate)


def _language() -> str:
    return (translation.get_language() or "kk").split("-")[0]


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    return DashboardFilterForm(request.GET or None, choices=selectors.filter_choices())


def _panels() -> list[str]:
    """The panel partials whose template tags are installed."""
    libraries = engines["django"].engine.template_libraries  # type: ignore[attr-defined]
    out = []
    for library, tags, partial in PANELS:
        if library in libraries and all(tag in libraries[library].tags for tag in tags):
            out.append(partial)
    return out


def _filters_summary(form: DashboardFilterForm, filters: Filters) -> dict[str, Any]:
    """What the numbers on the page are for, in words (shown above the tables and in the report)."""
    systems = dict(form.choices.systems)
    versions = {pk: f"{code} · {version}" for pk, code, version in form.choices.versions}
    return {
        "period": filters.period,
        "system": systems.get(filters.system_code) if filters.system_code else None,
        "version": versions.get(filters.model_version) if filters.model_version else None,
        "region": filters.region,
    }


@ombudsman_page(permissions.can_view_dashboard)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.filters()
    if not form.is_bound:  # show the period the figures are for in the month boxes
        form = DashboardFilterForm(initial=form.query(filters), choices=form.choices)
    query = urlencode(form.query(filters))
    tables = [
        charts.present(t, drilldown=True) for t in selectors.dashboard_tables(filters, now=timezone.now())
    ]
    report_form = ReportMonthForm(initial={"month": filters.period.to_month.strftime("%Y-%m")})
    context = {
        "form": form,
        "filters": filters,
        "summary": _filters_summary(form, filters),
        "query": query,
        "report_hidden": {k: v for k, v in form.query(filters).items() if not k.startswith("period_")},
        "report_form": report_form,
        "tables": tables,
        "panels": _panels(),
    }
    return render(request, "oversight/dashboard.html", context)


def _table_or_404(filters: Filters, table_id: str) -> Any:
    table = selectors.table(filters, table_id, now=timezone.now())
    if table is None:
        raise Http404
    return table


def _export_name(table_id: str, filters: Filters, extension: str) -> str:
    period = filters.period
    return f"oversight-{table_id}-{period.from_month:%Y-%m}-{period.to_month:%Y-%m}.{extension}"


@ombudsman_page(permissions.can_export_tables)
def export_csv(request: HttpRequest, table_id: str) -> HttpResponse:
    """The table as CSV, for the same filters as the dashboard that linked here."""
    filters = _filter_form(request).filters()
    table = _table_or_404(filters, table_id)
    return HttpResponse(
        exports.table_csv(table),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(table_id, filters, "csv")}"'},
    )


@ombudsman_page(permissions.can_export_tables)
def export_json(request: HttpRequest, table_id: str) -> HttpResponse:
    form = _filter_form(request)
    filters = form.filters()
    table = _table_or_404(filters, table_id)
    body = exports.table_json(table, filters=form.query(filters), generated_at=timezone.now())
    return HttpResponse(
        body,
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(table_id, filters, "json")}"'},
    )


@ombudsman_page(permissions.can_drill_down)
def drilldown(request: HttpRequest, table_id: str) -> HttpResponse:
    """An anonymised sample of the cases behind one row (`?row=<key>`): no IIN, no name, no reference.

    404 unless the key is one of the table's rows for these filters (the links on the dashboard always are):
    a malformed key (a NUL character, text where an id belongs) never reaches a query."""
    form = _filter_form(request)
    filters = form.filters()
    row_key = request.GET.get("row", "")
    table = _table_or_404(filters, table_id)
    row_label = next((r.label for r in charts.present_rows(table) if r.key == row_key), None)
    if row_label is None:
        raise Http404
    cases = selectors.drilldown_sample(filters, table_id, row_key, n=SAMPLE_SIZE)
    if cases is None:
        raise Http404
    context = {
        "table": table,
        "row_label": row_label,
        "cases": [_case(c) for c in cases],
        "sample_size": SAMPLE_SIZE,
        "summary": _filters_summary(form, filters),
        "query": urlencode(form.query(filters)),
    }
    return render(request, "oversight/drilldown.html", context)


def _label(choices: Any, code: str) -> str:
    return str(choices(code).label) if code in choices.values else code


def _case(case: selectors.CaseRow) -> dict[str, Any]:
    """A sampled case with its codes in words (it carries no IIN, name or reference to begin with)."""
    return {
        "case": case.case,
        "system_code": case.system_code,
        "version": case.version,
        "month": case.month,
        "region": case.region,
        "outcome": case.outcome,
        "notified": case.notified,
        "reproducibility": _label(Reproducibility, case.reproducibility),
        "appeal_state": _label(State, case.appeal_state) if case.appeal_state else "",
        "appeal_outcome": _label(Outcome, case.appeal_outcome) if case.appeal_outcome else "",
        "grounds": [_label(GroundKind, g) for g in case.grounds],
        "days_to_outcome": case.days_to_outcome,
    }


@ombudsman_page(permissions.can_download_monthly_report)
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The monthly report (PDF) for `?month=YYYY-MM`, with the dashboard's other filters; a bad month gets
    this page back with the error (200), never a PDF of something else."""
    report_form = ReportMonthForm(request.GET or None)
    filter_form = _filter_form(request)
    month = report_form.chosen_month()
    filter_errors = [
        (f"id_{name}", error)
        for name, errors in (filter_form.errors if filter_form.is_bound else {}).items()
        for error in errors
    ]
    if month is None or filter_errors:
        return render(
            request,
            "oversight/monthly_report.html",
            {
                "report_form": report_form,
                "report_hidden": _hidden_filters(filter_form),
                "filter_errors": filter_errors,
            },
        )
    filters = dataclasses.replace(filter_form.filters(), period=Period(month, month))
    language = _language()
    context = {
        "language": language,
        "month": month,
        "summary": _filters_summary(filter_form, filters),
        "tables": [charts.present(t) for t in selectors.dashboard_tables(filters, now=timezone.now())],
        # The day, not the instant: an unchanged report printed twice in a day comes from the cache.
        "generated_on": timezone.localdate(),
    }
    pdf = exports.monthly_report_pdf(context=context, language=language)
    name = f"oversight-report-{month:%Y-%m}-{language}.pdf"
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _hidden_filters(form: DashboardFilterForm) -> dict[str, str]:
    return {k: v for k, v in form.query(form.filters()).items() if not k.startswith("period_")}
