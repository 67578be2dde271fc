"""Access transparency pages: who viewed my data (citizens); the reason form for opening a case outside one's
assignment and the ombudsman's read-only case page (staff); the audit chain's verification (ombudsman).

Thin views: load, check a predicate (404 for anything the person may not see), one service or selector call,
render. Staff pages send an anonymous browser to the staff sign-in and answer an API token with 404.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from appeals import permissions as appeal_permissions
from appeals import queues
from appeals.models import Appeal
from portal.identifiers import format_reference
from portal.web.staff import View
from portal.web.staff import staff_page as web_staff_page

from . import permissions, selectors
from .exceptions import AccessError
from .forms import StatedReasonForm
from .gate import log_case_view
from .models import ChainVerification
from .services import (
    REASON_MAX,
    REASON_MISSING,
    REASON_TOO_LONG,
    access_state_reason,
    chain_verification_request,
)


def reason_error_message(code: str) -> str | None:
    """What the reason page says when access_state_reason refuses the reason: one message per rule
    (AccessError.code), the same words as the form's own check. None for any other refusal (the case is not one
    this person may open, or no longer): the page answers 404 then, like a case that does not exist."""
    if code == REASON_MISSING:
        return _("Say why you need to open this case")
    if code == REASON_TOO_LONG:
        return _("Use %(limit_value)s characters or fewer") % {"limit_value": REASON_MAX}
    return None


def staff_page(*methods: str) -> Callable[[View], View]:
    """Signed-in staff only (anonymous: the staff sign-in; an API token: 404), allowed methods, and a stated
    reason asked for when the view raises ReasonRequired (portal/web/staff.py)."""
    return web_staff_page(*methods, ask_reason=True)


# --- citizens ---------------------------------------------------------------------------------------------------


@never_cache
@require_GET
def my_access_log(request: HttpRequest) -> HttpResponse:
    """Who viewed your data: the signed-in citizen's own access records, newest first."""
    if not permissions.is_citizen_with_identity(request.user):
        raise Http404
    page = selectors.access_log_page(citizen=request.user, page_number=request.GET.get("page"))
    return render(request, "access/my_log.html", {"page": page})


# --- staff: a case outside one's assignment ---------------------------------------------------------------------


def _appeal(reference: str) -> Appeal:
    appeal = queues.case_for_review(reference)
    if appeal is None:
        raise Http404
    return appeal


def _default_next(user: Any, appeal: Appeal) -> str:
    if permissions.is_ombudsman(user):
        return reverse("access:case", args=[appeal.reference])
    return reverse("review:workspace", args=[appeal.reference])


@staff_page("GET", "POST")
def state_reason(request: HttpRequest, reference: str) -> HttpResponse:
    """Say why you open a case that is not part of your assigned work; the reason is stored and shown to the
    person whose data it is."""
    appeal = _appeal(reference)
    if not permissions.may_state_reason(request.user, appeal):
        raise Http404
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}) and wanted.startswith(
        "/"
    )
    next_url = wanted if safe else _default_next(request.user, appeal)
    form = StatedReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            access_state_reason(
                viewer=request.user,
                appeal=appeal,
                reason=form.cleaned_data["reason"],
            )
        except AccessError as exc:
            message = reason_error_message(exc.code)
            if message is None:
                raise Http404 from exc
            form.add_error("reason", message)
        else:
            return redirect(next_url)
    return render(
        request,
        "access/state_reason.html",
        {
            "appeal": appeal,
            "form": form,
            "next_url": next_url,
            "reference_display": format_reference(appeal.reference),
        },
        status=200,
    )


@staff_page("GET")
def case(request: HttpRequest, reference: str) -> HttpResponse:
    """The ombudsman's read-only view of a case, after a stated reason: the appeal, its data and its timeline;
    the AI's result once the appeal is decided. No action can be taken here."""
    appeal = _appeal(reference)
    if not permissions.can_open_case_as_ombudsman(request.user, appeal):
        raise Http404
    log_case_view(request, appeal)
    can_see_ai = appeal_permissions.can_see_ai_explanation(request.user, appeal)
    if can_see_ai:
        revealed = queues.revealed_case(appeal=appeal, viewer=request.user)  # type: ignore[arg-type]
        view_case, ai = revealed.case, revealed.ai
    else:
        view_case, ai = queues.blind_case(appeal=appeal, viewer=request.user), None  # type: ignore[arg-type]
    reason = selectors.stated_reason(viewer=request.user, appeal=appeal)
    return render(request, "access/case.html", {"case": view_case, "ai": ai, "reason": reason})


# --- the ombudsman: verification of the audit chain -------------------------------------------------------------


@staff_page("POST")
def verify_chain(request: HttpRequest) -> HttpResponse:
    if not permissions.can_verify_chain(request.user):
        raise Http404
    verification = chain_verification_request(user=request.user)
    messages.success(request, _("The verification of the audit chain has started."))
    return redirect("access:verification", pk=verification.pk)


@staff_page("GET")
def verification(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_verify_chain(request.user):
        raise Http404
    found = ChainVerification.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return render(
        request,
        "access/verification.html",
        {"verification": found, "panel": selectors.chain_panel(), "Status": ChainVerification.Status},
    )
