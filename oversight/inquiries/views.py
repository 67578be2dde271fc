"""Alerts, alert rules and inquiries for the ombudsman's office: /<language>/oversight/alerts/, rules/, inquiries/.

Thin views: load, check a predicate, one service or selector call, render. Only the ombudsman's office gets in;
anyone else signed in gets a 404, an anonymous browser the staff sign-in, an agency's API token a 404. A refusal
of a service is shown on the form and changes nothing.
"""

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.web.staff import View, staff_page

from . import permissions, selectors, services
from .exceptions import InquiriesError
from .forms import AlertStatusForm, InquiryForm, InquiryStatusForm, NoteForm, RuleForm, add_service_errors
from .models import AlertStatus, InquiryStatus


def ombudsman_page(*methods: str) -> Callable[[View], View]:
    """Sign-in, the ombudsman's office only, allowed methods; in that order (portal/web/staff.py)."""
    return staff_page(*methods, allow=permissions.can_view_alerts)


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- alerts -----------------------------------------------------------------------------------------------------


@ombudsman_page("GET")
def alert_list(request: HttpRequest) -> HttpResponse:
    status = selectors.alert_status_filter(request.GET.get("status"))
    page = selectors.alert_page(status=status, page=request.GET.get("page"))
    return render(
        request,
        "inquiries/alert_list.html",
        {
            "page": page,
            "rows": [selectors.alert_row(a) for a in page.object_list],
            "status": status,
            "filters": [
                ("active", _("Not closed")),
                (AlertStatus.OPEN, AlertStatus.OPEN.label),
                (AlertStatus.ACKNOWLEDGED, AlertStatus.ACKNOWLEDGED.label),
                (AlertStatus.CLOSED, AlertStatus.CLOSED.label),
                ("all", _("All")),
            ],
        },
    )


@ombudsman_page("GET", "POST")
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_detail(alert_id)
    if alert is None:
        raise Http404
    form = None
    if permissions.can_change_alert(_me(request), alert):
        form = AlertStatusForm(request.POST if request.method == "POST" else None, current=alert.status)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This alert is closed, so it cannot be changed."))
            return redirect("inquiries:alert", alert_id=alert.pk)
        if form.is_valid():
            try:
                services.alert_status_set(
                    alert_id=alert.pk,
                    actor=_me(request),
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except InquiriesError as exc:
                add_service_errors(form, exc)
            else:
                done = form.cleaned_data["status"] == AlertStatus.CLOSED
                messages.success(
                    request, _("You closed the alert.") if done else _("You acknowledged the alert.")
                )
                return redirect("inquiries:alert", alert_id=alert.pk)
    return render(
        request,
        "inquiries/alert_detail.html",
        {
            "row": selectors.alert_row(alert),
            "alert": alert,
            "events": selectors.alert_events(alert),
            "inquiries": alert.inquiries.order_by("-opened_at", "-id"),
            "form": form,
        },
    )


# --- rules ------------------------------------------------------------------------------------------------------


@ombudsman_page("GET")
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "inquiries/rule_list.html", {"rows": selectors.rule_rows()})


@ombudsman_page("GET", "POST")
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.rule_detail(rule_id)
    if rule is None:
        raise Http404
    form = RuleForm(request.POST if request.method == "POST" else None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(rule_id=rule.pk, actor=_me(request), values=form.values())
        except InquiriesError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The rule is saved. The next check uses it."))
            return redirect("inquiries:rules")
    return render(
        request,
        "inquiries/rule_edit.html",
        {"rule": rule, "form": form},
    )


# --- inquiries --------------------------------------------------------------------------------------------------


@ombudsman_page("GET")
def inquiry_list(request: HttpRequest) -> HttpResponse:
    status = selectors.inquiry_status_filter(request.GET.get("status"))
    page = selectors.inquiry_page(status=status, page=request.GET.get("page"))
    return render(
        request,
        "inquiries/inquiry_list.html",
        {
            "page": page,
            "status": status,
            "filters": [("all", _("All")), *InquiryStatus.choices],
        },
    )


def _alert_from_query(request: HttpRequest) -> Any:
    raw = request.POST.get("alert") if request.method == "POST" else request.GET.get("alert")
    if not raw:
        return None
    if not str(raw).isdigit():
        raise Http404
    alert = selectors.alert_detail(int(raw))
    if alert is None:
        raise Http404
    return alert


@ombudsman_page("GET", "POST")
def inquiry_new(request: HttpRequest) -> HttpResponse:
    alert = _alert_from_query(request)
    systems = selectors.systems_for_choice()
    initial = {"system": alert.system_id} if alert else None
    form = InquiryForm(request.POST if request.method == "POST" else None, systems=systems, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.inquiry_open(
                actor=_me(request),
                system_id=form.cleaned_data["system"],
                title=form.cleaned_data["title"],
                scope=form.cleaned_data["scope"],
                language=translation.get_language() or "kk",
                alert_id=alert.pk if alert else None,
            )
        except InquiriesError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The inquiry is open. Its title and status are now on the register."))
            return redirect("inquiries:inquiry", inquiry_id=inquiry.pk)
    return render(
        request,
        "inquiries/inquiry_new.html",
        {"form": form, "alert": alert, "alert_row": selectors.alert_row(alert) if alert else None},
    )


def _load_inquiry(inquiry_id: int) -> Any:
    inquiry = selectors.inquiry_detail(inquiry_id)
    if inquiry is None:
        raise Http404
    return inquiry


def _inquiry_page(request: HttpRequest, inquiry: Any, note_form: NoteForm | None = None) -> HttpResponse:
    can_change = permissions.can_change_inquiry(_me(request), inquiry)
    return render(
        request,
        "inquiries/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "notes": selectors.inquiry_notes(inquiry),
            "can_change": can_change,
            "note_form": (note_form or NoteForm()) if can_change else None,
        },
    )


@ombudsman_page("GET")
def inquiry_detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    return _inquiry_page(request, _load_inquiry(inquiry_id))


@ombudsman_page("GET", "POST")
def inquiry_note(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    """The note form lives on the inquiry's page; a GET here goes back there."""
    inquiry = _load_inquiry(inquiry_id)
    if request.method == "GET":
        return redirect("inquiries:inquiry", inquiry_id=inquiry.pk)
    if not permissions.can_change_inquiry(_me(request), inquiry):
        messages.error(request, _("This inquiry is closed, so it cannot be changed."))
        return redirect("inquiries:inquiry", inquiry_id=inquiry.pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_note_add(
                inquiry_id=inquiry.pk, actor=_me(request), text=form.cleaned_data["text"]
            )
        except InquiriesError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your note is added."))
            return redirect("inquiries:inquiry", inquiry_id=inquiry.pk)
    return _inquiry_page(request, inquiry, note_form=form)


@ombudsman_page("GET", "POST")
def inquiry_status(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = _load_inquiry(inquiry_id)
    if not permissions.can_change_inquiry(_me(request), inquiry):
        messages.error(request, _("This inquiry is closed, so it cannot be changed."))
        return redirect("inquiries:inquiry", inquiry_id=inquiry.pk)
    form = InquiryStatusForm(request.POST if request.method == "POST" else None, current=inquiry.status)
    if request.method == "POST" and form.is_valid():
        try:
            services.inquiry_status_set(
                inquiry_id=inquiry.pk,
                actor=_me(request),
                status=form.cleaned_data["status"],
                findings=form.cleaned_data["findings"],
            )
        except InquiriesError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The status of the inquiry is changed."))
            return redirect("inquiries:inquiry", inquiry_id=inquiry.pk)
    return render(
        request,
        "inquiries/inquiry_status.html",
        {"inquiry": inquiry, "form": form},
    )
