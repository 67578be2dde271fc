"""Staff pages of an appeal's deliveries: the notifications sent about it (state, attempts, when sent), its
decision letters and the outcome pushed to the agency; and the decision letter's PDF for staff.

Review-body staff only: the assigned reviewer, and supervisors of the body the appeal is with (or of any
independent body while it waits in the shared pool). Everyone else gets a 404, including the appellant (whose
own letter link is on the citizen pages) and the operating agency's staff.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.accounts.models import Role
from portal.web.staff import View, staff_page

from .. import permissions
from ..exceptions import IllegalTransition
from ..models import Appeal, Letter, Notification, OutcomeDelivery
from ..services.letters import LANGUAGES, letter_get_or_render
from ..signals import show_case
from ..states import State


def can_view_delivery_status(user: Any, appeal: Appeal) -> bool:
    """The appeal's assigned reviewer, or a supervisor of its review body (any review body's supervisor
    while no body has it yet); never staff of the agency that operates the system."""
    if not permissions.is_review_staff(user) or not permissions.can_view_appeal(user, appeal):
        return False
    if user.organisation_id == appeal.decision.system.operator_id:
        return False
    if user.role == Role.REVIEWER:
        return appeal.reviewer_id == user.pk
    return appeal.review_body_id in (None, user.organisation_id)


def can_download_letter(user: Any, appeal: Appeal) -> bool:
    return can_view_delivery_status(user, appeal) and appeal.decided_at is not None


def _staff_page(view: View) -> View:
    """Staff sign-in for anonymous browsers, 404 for an API token or anyone who is not review-body staff; GET only
    (a POST is 405 before anything else, as before the gate was shared: portal/web/staff.py)."""
    return require_GET(staff_page("GET", "HEAD", allow=permissions.is_review_staff, ask_reason=True)(view))


def _appeal(request: HttpRequest, reference: str, predicate: Callable[[Any, Appeal], bool]) -> Appeal:
    appeal = (
        Appeal.objects.select_related(
            "decision__system__operator", "decision__model_version", "review_body", "appellant", "reviewer"
        )
        .filter(reference=reference)
        .exclude(state=State.DRAFT)
        .first()
    )
    if appeal is None or not predicate(request.user, appeal):
        raise Http404
    show_case(request, appeal, delivery=True)
    return appeal


@_staff_page
def appeal_notifications(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(request, reference, can_view_delivery_status)
    notifications = list(Notification.objects.filter(appeal=appeal).order_by("id"))
    letters = list(Letter.objects.filter(appeal=appeal).order_by("language"))
    outcome = OutcomeDelivery.objects.filter(appeal=appeal).first()
    return render(
        request,
        "appeals/staff/notifications.html",
        {
            "appeal": appeal,
            "notifications": notifications,
            "letters": letters,
            "outcome": outcome,
            "may_download": appeal.decided_at is not None,
            "languages": LANGUAGES,
        },
    )


@_staff_page
def letter_download(request: HttpRequest, reference: str, language: str) -> HttpResponse:
    if language not in LANGUAGES:
        raise Http404
    appeal = _appeal(request, reference, can_download_letter)
    try:
        pdf = letter_get_or_render(appeal=appeal, language=language)
    except IllegalTransition as exc:
        raise Http404 from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="appeal-{appeal.reference}-{language}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
