"""The review desk for reviewers of an independent review body: queues, "take next", and the blind-first
workspace (conflict declaration, start, hold, inadmissible, recusal, assessment, reveal, decision).

Every view loads, checks a predicate, makes one service or selector call and renders. A refusal of a service
(an AppealError) is shown to the reviewer and changes nothing; an appeal the person may not see is a 404. No
view here runs the AI's model: the only explanation read is the stored one, on the decision page, after the
reveal (`queues.revealed_case`).
"""

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.accounts.models import Role, User
from portal.web.staff import View, staff_page

from .. import permissions, queues, review_actions
from ..exceptions import AppealError
from ..forms_review import (
    AssessmentForm,
    ConflictForm,
    DecideForm,
    QueueFilterForm,
    ReasonForm,
    add_service_errors,
    service_error_message,
)
from ..models import Appeal
from ..services import core
from ..signals import show_case
from ..states import State


def review_staff_page(*methods: str) -> Callable[[View], View]:
    """Sign-in, review-body staff only, allowed methods (portal/web/staff.py); a case outside the viewer's
    assigned work asks for a stated reason first."""
    return staff_page(*methods, allow=permissions.is_review_staff, ask_reason=True)


def staff(request: HttpRequest) -> User:
    """The signed-in member of a review body (review_staff_page has checked)."""
    return cast(User, request.user)


# --- predicates of this desk (composed of appeals.permissions) ------------------------------------------------


def is_assigned_reviewer(user: Any, appeal: Appeal) -> bool:
    return (
        user.role == Role.REVIEWER
        and appeal.reviewer_id == user.pk
        and permissions.can_view_appeal(user, appeal)
    )


def supervises(user: Any, appeal: Appeal) -> bool:
    """A supervisor of a review body sees the shared pool and the appeals of their own body."""
    return (
        user.role == Role.SUPERVISOR
        and permissions.can_view_appeal(user, appeal)
        and (appeal.state in queues.POOL_STATES or appeal.review_body_id == user.organisation_id)
    )


def may_open_case(user: Any, appeal: Appeal) -> bool:
    return is_assigned_reviewer(user, appeal) or supervises(user, appeal)


def load_case(request: HttpRequest, reference: str, predicate: Callable[[Any, Appeal], bool]) -> Appeal:
    """The appeal, if the predicate allows; a GET is logged in the access log with its purpose (a case outside
    the viewer's assigned work raises ReasonRequired until they have stated why they open it). A POST is logged
    only if it is answered with the case (`render_case`): one answered with a redirect shows nothing."""
    appeal = queues.case_for_review(reference)
    if appeal is None or not predicate(staff(request), appeal):
        raise Http404
    if request.method in ("GET", "HEAD"):
        show_case(request, appeal)
    return appeal


def render_case(
    request: HttpRequest, appeal: Appeal, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A page that shows the case. A POST answered with it (a form shown again with its errors) shows the
    person's data as much as a GET does, so it is logged too (a GET was logged by load_case)."""
    if request.method not in ("GET", "HEAD"):
        show_case(request, appeal)
    return render(request, template, context, status=status)


def _workspace(appeal: Appeal) -> HttpResponse:
    return redirect("review:workspace", reference=appeal.reference)


def _refused(request: HttpRequest, appeal: Appeal, exc: AppealError) -> HttpResponse:
    messages.error(request, service_error_message(exc))
    return _workspace(appeal)


# --- queues ---------------------------------------------------------------------------------------------------


@review_staff_page("GET")
def home(request: HttpRequest) -> HttpResponse:
    return redirect("review:mine" if staff(request).role == Role.REVIEWER else "review:team")


def _filter_form(request: HttpRequest, *, team: bool) -> QueueFilterForm:
    keys = set(QueueFilterForm.base_fields) & set(request.GET)
    return QueueFilterForm(request.GET if keys else None, systems=queues.systems_for_filter(), team=team)


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["after"] = cursor
    return f"?{query.urlencode()}"


def _first_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return f"?{query.urlencode()}" if query else "?"


@review_staff_page("GET")
def mine(request: HttpRequest) -> HttpResponse:
    """The open appeals assigned to me."""
    if staff(request).role != Role.REVIEWER:
        raise Http404
    form = _filter_form(request, team=False)
    page = queues.personal_queue(
        reviewer=staff(request), filters=form.filters(), after=queues.parse_cursor(request.GET.get("after"))
    )
    return render(
        request,
        "appeals/review/mine.html",
        {
            "form": form,
            "page": page,
            "next_url": _next_url(request, page.next_cursor),
            "first_url": _first_url(request),
        },
    )


@review_staff_page("GET")
def team(request: HttpRequest) -> HttpResponse:
    """Supervisors: the body's open appeals and the waiting pool. Reviewers: how many they may take."""
    if staff(request).role == Role.REVIEWER:
        count, more = queues.waiting_count(reviewer=staff(request))
        return render(request, "appeals/review/pool.html", {"waiting": count, "more": more})
    form = _filter_form(request, team=True)
    page = queues.team_queue(
        supervisor=staff(request), filters=form.filters(), after=queues.parse_cursor(request.GET.get("after"))
    )
    return render(
        request,
        "appeals/review/team.html",
        {
            "form": form,
            "page": page,
            "next_url": _next_url(request, page.next_cursor),
            "first_url": _first_url(request),
        },
    )


@review_staff_page("POST")
def take_next(request: HttpRequest) -> HttpResponse:
    """Take the most urgent appeal I may take; the service never gives one appeal to two reviewers."""
    if staff(request).role != Role.REVIEWER:
        raise Http404
    try:
        appeal = core.appeal_take_next(reviewer=staff(request))
    except AppealError as exc:
        messages.info(request, service_error_message(exc))
        return redirect("review:team")
    return _workspace(appeal)


# --- the workspace ---------------------------------------------------------------------------------------------


def _render_workspace(
    request: HttpRequest, appeal: Appeal, *, conflict_form: ConflictForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = staff(request)
    case = queues.blind_case(appeal=appeal, viewer=viewer)
    assigned = is_assigned_reviewer(viewer, appeal)
    step = review_actions.next_step(
        appeal=appeal,
        assigned=assigned,
        supervisor=supervises(viewer, appeal),
        same_body=appeal.review_body_id is not None and appeal.review_body_id == viewer.organisation_id,
        declared_no_conflict=bool(case.declaration and not case.declaration.has_conflict),
        revealed=bool(case.revealed),
        can_see_ai=permissions.can_see_ai_explanation(viewer, appeal),
    )
    return render_case(
        request,
        appeal,
        "appeals/review/workspace.html",
        {
            "case": case,
            "assigned": assigned,
            "conflict_form": conflict_form or ConflictForm(),
            "next_step": step,
        },
        status=status,
    )


@review_staff_page("GET")
def workspace(request: HttpRequest, reference: str) -> HttpResponse:
    """The case, blind: everything but the AI's result, until the reviewer has recorded an assessment."""
    return _render_workspace(request, load_case(request, reference, may_open_case))


@review_staff_page("POST")
def conflict(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = load_case(request, reference, is_assigned_reviewer)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            after = core.conflict_declare(
                appeal_id=appeal.pk,
                reviewer=staff(request),
                has_conflict=form.cleaned_data["has_conflict"],
                note=form.cleaned_data["note"],
            )
        except AppealError as exc:
            add_service_errors(form, exc)
        else:
            if after.reviewer_id != staff(request).pk:
                messages.success(
                    request, _("You declared a conflict of interest and no longer have this appeal.")
                )
                return redirect("review:mine")
            messages.success(request, _("You declared that you have no conflict of interest."))
            return _workspace(appeal)
    return _render_workspace(request, appeal, conflict_form=form)


@review_staff_page("POST")
def start(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = load_case(request, reference, is_assigned_reviewer)
    try:
        core.appeal_start_review(appeal_id=appeal.pk, reviewer=staff(request))
    except AppealError as exc:
        return _refused(request, appeal, exc)
    messages.success(request, _("Review started."))
    return _workspace(appeal)


@review_staff_page("POST")
def resume(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = load_case(request, reference, is_assigned_reviewer)
    try:
        core.appeal_resume(appeal_id=appeal.pk, user=staff(request))
    except AppealError as exc:
        return _refused(request, appeal, exc)
    messages.success(request, _("Review resumed."))
    return _workspace(appeal)


REASON_SERVICES: dict[str, Callable[..., Appeal]] = {
    "hold": core.appeal_put_on_hold,
    "inadmissible": core.appeal_declare_inadmissible,
    "recuse": core.appeal_recuse,
}


def _reason_page(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    appeal = load_case(request, reference, is_assigned_reviewer)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            REASON_SERVICES[kind](
                appeal_id=appeal.pk, reviewer=staff(request), reason=form.cleaned_data["reason"]
            )
        except AppealError as exc:
            add_service_errors(form, exc)
        else:
            done = {
                "hold": _("The appeal is on hold. The appellant has been asked for what you need."),
                "inadmissible": _(
                    "The appeal has been declared inadmissible. The appellant will be told why."
                ),
                "recuse": _("You stood down from this appeal. It is back in the waiting pool."),
            }[kind]
            messages.success(request, done)
            return redirect("review:mine") if kind == "recuse" else _workspace(appeal)
    case = queues.blind_case(appeal=appeal, viewer=staff(request))
    return render_case(request, appeal, f"appeals/review/{kind}.html", {"case": case, "form": form})


@review_staff_page("GET", "POST")
def hold(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask the appellant for something; the review clock stops until the review resumes."""
    return _reason_page(request, reference, "hold")


@review_staff_page("GET", "POST")
def inadmissible(request: HttpRequest, reference: str) -> HttpResponse:
    return _reason_page(request, reference, "inadmissible")


@review_staff_page("GET", "POST")
def recuse(request: HttpRequest, reference: str) -> HttpResponse:
    return _reason_page(request, reference, "recuse")


@review_staff_page("GET", "POST")
def assess(request: HttpRequest, reference: str) -> HttpResponse:
    """The independent assessment, recorded before the AI's result is shown."""
    appeal = load_case(request, reference, is_assigned_reviewer)
    case = queues.blind_case(appeal=appeal, viewer=staff(request))
    if case.assessment is not None:
        return _workspace(appeal)
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        grounds=case.grounds,
        outcomes=[(o.code, o.label) for o in case.criteria.outcomes],
    )
    if request.method == "POST" and form.is_valid():
        try:
            core.assessment_record(
                appeal_id=appeal.pk,
                reviewer=staff(request),
                outcome=form.cleaned_data["outcome"],
                new_outcome=form.cleaned_data["new_outcome"],
                reasons=form.cleaned_data["reasons"],
                ground_findings=form.findings(),
            )
        except AppealError as exc:
            add_service_errors(form, exc, form.service_field_map())
        else:
            messages.success(
                request, _("Your independent assessment is recorded. You can now see the AI's result.")
            )
            return _workspace(appeal)
    return render_case(request, appeal, "appeals/review/assess.html", {"case": case, "form": form})


@review_staff_page("POST")
def reveal(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = load_case(request, reference, is_assigned_reviewer)
    try:
        core.explanation_reveal(appeal_id=appeal.pk, reviewer=staff(request))
    except AppealError as exc:
        return _refused(request, appeal, exc)
    return redirect("review:decide", reference=appeal.reference)


@review_staff_page("GET", "POST")
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    """The AI's explanation beside the reviewer's own assessment, and the decision."""
    appeal = load_case(request, reference, is_assigned_reviewer)
    if not permissions.can_see_ai_explanation(staff(request), appeal):
        return _workspace(appeal)
    can_decide = appeal.state == State.ASSESSMENT_RECORDED
    outcomes = queues.outcome_choices(appeal)
    form = DecideForm(request.POST if request.method == "POST" else None, outcomes=outcomes)
    if request.method == "POST" and can_decide and form.is_valid():
        try:
            decided = core.appeal_decide(
                appeal_id=appeal.pk,
                reviewer=staff(request),
                outcome=form.cleaned_data["outcome"],
                new_outcome=form.cleaned_data["new_outcome"],
                justification=form.cleaned_data["justification"],
            )
        except AppealError as exc:
            add_service_errors(form, exc)
        else:
            if decided.state == State.COUNTERSIGN_PENDING:
                messages.success(request, _("Your decision is recorded. A supervisor must countersign it."))
            else:
                messages.success(request, _("Your decision is recorded."))
            return _workspace(appeal)
    elif request.method == "POST" and not can_decide:
        form.add_error(None, _("This cannot be done while the appeal is in its current state."))
    revealed = queues.revealed_case(appeal=appeal, viewer=staff(request))
    if not form.is_bound and revealed.case.assessment is not None:
        a = revealed.case.assessment.assessment
        form.initial = {
            "outcome": a.final_outcome or a.outcome,
            "new_outcome": a.final_new_outcome or a.new_outcome,
        }
    return render_case(
        request,
        appeal,
        "appeals/review/decide.html",
        {
            "case": revealed.case,
            "ai": revealed.ai,
            "form": form,
            "can_decide": can_decide,
        },
    )
