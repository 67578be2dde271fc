"""The edge of access transparency, for the views that show a person's data to staff.

`log_case_view(request, appeal)` is called by such a view after its own permission check: a view that is part of
the viewer's assigned work is logged with its implicit purpose; any other view needs a reason stated first and
raises `ReasonRequired`, which the view's decorator (portal.web.staff.staff_page with ask_reason) turns into a
redirect to the reason form (`reason_redirect`).

What is logged is a response that shows the case, whatever the method: a GET of a case page, and equally a POST
answered with the case (a form shown again with its errors, which renders the person's data as the GET did). So
call it from every code path that renders the case, and not from a POST answered with a redirect (that shows
nothing; the state change it made is in the audit chain already). The review desk does this with
`appeals.views.review.load_case` (GET) and `render_case` (a POST answered with the case).
"""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from appeals.models import Appeal
from portal.web.staff import SendElsewhereFirst

from . import permissions
from .models import Purpose
from .selectors import stated_reason
from .services import access_log


class ReasonRequired(SendElsewhereFirst):
    """The case is outside the viewer's assignment and no valid reason has been stated for it."""

    def __init__(self, appeal: Appeal, next_url: str) -> None:
        super().__init__(appeal.reference)
        self.appeal = appeal
        self.next_url = next_url

    def response(self) -> HttpResponseRedirect:
        return reason_redirect(self)


def _page(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match else "") or request.path[:80]


def log_case_view(request: HttpRequest, appeal: Appeal, *, delivery: bool = False) -> None:
    """Log this view of the appeal's person, or raise ReasonRequired; call it before a response that shows the
    case, whatever the request's method. The appellant's own views are not logged.
    `delivery`: a page of the appeal's notifications and letters (see permissions.implicit_purpose)."""
    user: Any = request.user
    if not permissions.is_staff_viewer(user, appeal):
        return
    purpose = permissions.implicit_purpose(user, appeal, delivery=delivery)
    reason = ""
    if purpose is None:
        given = stated_reason(viewer=user, appeal=appeal)
        if given is None:
            raise ReasonRequired(appeal, request.get_full_path())
        purpose, reason = Purpose.STATED_REASON, given
    access_log(
        viewer=user,
        decision=appeal.decision,
        appeal=appeal,
        purpose=purpose,
        reason=reason,
        page=_page(request),
    )


def case_shown_receiver(*, request: HttpRequest, appeal: Appeal, delivery: bool, **kwargs: Any) -> None:
    """appeals.signals.case_shown, connected in AccessConfig.ready()."""
    log_case_view(request, appeal, delivery=delivery)


def reason_redirect(exc: ReasonRequired) -> HttpResponseRedirect:
    url = reverse("access:state-reason", args=[exc.appeal.reference])
    return HttpResponseRedirect(f"{url}?{urlencode({'next': exc.next_url})}")
