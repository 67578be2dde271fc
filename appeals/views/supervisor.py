"""Supervisors of a review body: countersigning adverse decisions on high-impact systems, and assigning a waiting
appeal to one of their reviewers. Same shape as the reviewer's views: load, check, one call, render."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.accounts.models import Role

from .. import permissions, queues
from ..exceptions import AppealError
from ..forms_review import AssignForm, CountersignForm, add_service_errors
from ..models import Appeal
from ..services import core
from ..states import State
from .review import load_case, render_case, review_staff_page, staff, supervises


def may_countersign(user: Any, appeal: Appeal) -> bool:
    """A supervisor of the body that decided, on an appeal waiting for a countersignature."""
    return (
        supervises(user, appeal)
        and appeal.state == State.COUNTERSIGN_PENDING
        and appeal.review_body_id == user.organisation_id
    )


def may_assign(user: Any, appeal: Appeal) -> bool:
    return supervises(user, appeal) and appeal.state == State.ADMISSIBILITY


def _supervisor_only(request: HttpRequest) -> None:
    if staff(request).role != Role.SUPERVISOR:
        raise Http404


@review_staff_page("GET")
def countersign_list(request: HttpRequest) -> HttpResponse:
    """Decisions of my body waiting for a countersignature, most urgent first."""
    _supervisor_only(request)
    filters = queues.QueueFilters(state=State.COUNTERSIGN_PENDING)
    page = queues.team_queue(
        supervisor=staff(request), filters=filters, after=queues.parse_cursor(request.GET.get("after"))
    )
    next_url = f"?after={page.next_cursor}" if page.next_cursor else None
    return render(
        request,
        "appeals/review/countersign_list.html",
        {"page": page, "next_url": next_url, "first_url": "?"},
    )


@review_staff_page("GET", "POST")
def countersign(request: HttpRequest, reference: str) -> HttpResponse:
    """Agree with an adverse decision, or return it to the reviewer with a note."""
    appeal = load_case(request, reference, may_countersign)
    form = CountersignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            core.appeal_countersign(
                appeal_id=appeal.pk,
                signer=staff(request),
                agrees=form.cleaned_data["agrees"],
                note=form.cleaned_data["note"],
            )
        except AppealError as exc:
            add_service_errors(form, exc, {"reason": "note"})
        else:
            if form.cleaned_data["agrees"]:
                messages.success(request, _("You countersigned the decision. It can now be issued."))
            else:
                messages.success(request, _("You returned the decision to the reviewer."))
            return redirect("review:countersign-list")
    revealed = (
        queues.revealed_case(appeal=appeal, viewer=staff(request))
        if permissions.can_see_ai_explanation(staff(request), appeal)
        else None
    )
    case = revealed.case if revealed else queues.blind_case(appeal=appeal, viewer=staff(request))
    return render_case(
        request,
        appeal,
        "appeals/review/countersign.html",
        {
            "case": case,
            "ai": revealed.ai if revealed else None,
            "form": form,
        },
    )


@review_staff_page("GET", "POST")
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    """Give a waiting appeal to a reviewer of my body who is independent of it."""
    appeal = load_case(request, reference, may_assign)
    reviewers = queues.eligible_reviewers(appeal=appeal, supervisor=staff(request))
    form = AssignForm(request.POST if request.method == "POST" else None, reviewers=reviewers)
    if request.method == "POST" and form.is_valid():
        try:
            core.appeal_assign(appeal_id=appeal.pk, reviewer=form.chosen(), supervisor=staff(request))
        except AppealError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The appeal is assigned to %(name)s.")
                % {"name": form.chosen().full_name or form.chosen().username},
            )
            return redirect("review:team")
    case = queues.blind_case(appeal=appeal, viewer=staff(request))
    return render_case(
        request, appeal, "appeals/review/assign.html", {"case": case, "form": form, "reviewers": reviewers}
    )
