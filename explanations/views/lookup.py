"""Look-up for a person holding a letter: reference + IIN, then a one-time code, then the decision page.

No sign-in is needed to start. The first step never says whether anything matched: a code is sent only when
the reference and the IIN belong together, and the second step answers every failure with the same message
(wrong code, expired code, unknown reference, someone else's reference, wrong IIN). Both steps are throttled
per client address and per reference; past a limit the answer is 429.

A successful look-up grants this browser session access to that one decision (a new session id is issued).
"""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal import crypto
from portal.accounts import devices, throttle
from portal.accounts.services import lookup_purpose, otp_issue, otp_verify
from portal.audit.services import audit_record
from portal.identifiers import iin_is_valid, normalise_reference

from ..permissions import LOOKUP_GRANTS_SESSION_KEY
from ..selectors import lookup_candidate

PENDING_SESSION_KEY = "explanations.lookup_pending"
PENDING_LIFETIME = dt.timedelta(minutes=15)
# Per client address: generous enough for a family sharing a connection, far too few to enumerate.
LIMIT_IP = (30, 3600)
# Per reference: a person mistyping a few times is fine; guessing the IIN for a known reference is not.
LIMIT_REFERENCE = (10, 3600)
MAX_GRANTS = 20

UNIFORM_ERROR = _(
    "The code is not right, or the reference number and IIN do not match a decision. Check the letter and "
    "try again."
)


class LookupStartForm(forms.Form):
    reference = forms.CharField(
        max_length=40,
        error_messages={"required": _("Enter the reference number from your letter")},
    )
    iin = forms.CharField(
        max_length=20,
        error_messages={"required": _("Enter your IIN")},
    )

    def clean_reference(self) -> str:
        reference = normalise_reference(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _(
                    "Enter the reference number exactly as it is printed on your letter: 13 letters and numbers"
                )
            )
        return reference

    def clean_iin(self) -> str:
        iin = "".join(ch for ch in self.cleaned_data["iin"] if not ch.isspace())
        if not iin_is_valid(iin):
            raise forms.ValidationError(_("Enter your IIN: 12 digits, as on your identity card"))
        return iin


class LookupCodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        error_messages={"required": _("Enter the code we sent you")},
    )

    def clean_code(self) -> str:
        return "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())


def _throttled(request: HttpRequest, reference: str | None) -> bool:
    """Count this attempt against the client address and the reference; True when either limit is passed."""
    allowed = throttle.hit("lookup-ip", throttle.client_ip(request), *LIMIT_IP)
    if reference is not None:
        allowed = throttle.hit("lookup-reference", reference, *LIMIT_REFERENCE) and allowed
    return not allowed


def _too_many(request: HttpRequest, retry_after: int = LIMIT_IP[1]) -> HttpResponse:
    response = render(request, "explanations/lookup/throttled.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def lookup_start(request: HttpRequest) -> HttpResponse:
    form = LookupStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference, iin = form.cleaned_data["reference"], form.cleaned_data["iin"]
        if _throttled(request, reference):
            return _too_many(request)
        now = timezone.now()
        matched = lookup_candidate(reference=reference, iin_hash=crypto.lookup_hash(iin)) is not None
        if matched:
            try:
                otp_issue(
                    iin=iin, purpose=lookup_purpose(reference), now=now, requester=devices.requester(request)
                )
            except throttle.RateLimited as exc:
                return _too_many(request, exc.retry_after)
        request.session[PENDING_SESSION_KEY] = {
            "reference": reference,
            "iin": crypto.encrypt(iin, associated=b"lookup").hex(),
            "matched": matched,
            "started_at": now.isoformat(),
        }
        # The code is bound to this browser's device id: make sure the browser keeps it.
        return devices.finish(request, redirect("explanations:lookup-code"))
    return render(request, "explanations/lookup/start.html", {"form": form})


def _pending(request: HttpRequest, now: dt.datetime) -> dict[str, Any] | None:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    started = dt.datetime.fromisoformat(pending["started_at"])
    if now - started > PENDING_LIFETIME:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return pending


@transaction.atomic
def _grant(request: HttpRequest, reference: str, now: dt.datetime) -> None:
    """Let this session see the decision; a new session id, and an audit event (no IIN, no code)."""
    grants = [g for g in request.session.get(LOOKUP_GRANTS_SESSION_KEY, []) if g != reference]
    request.session.cycle_key()
    request.session[LOOKUP_GRANTS_SESSION_KEY] = [*grants[-(MAX_GRANTS - 1) :], reference]
    request.session.pop(PENDING_SESSION_KEY, None)
    audit_record(
        action="decision.lookup.granted",
        actor="citizen:lookup",
        object_type="decision",
        object_id=reference,
        data={"channel": "letter"},
        now=now,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def lookup_code(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    pending = _pending(request, now)
    if pending is None:
        return redirect("explanations:lookup")
    form = LookupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = pending["reference"]
        if _throttled(request, reference):
            return _too_many(request)
        iin = crypto.decrypt(bytes.fromhex(pending["iin"]), associated=b"lookup")
        verified = False
        if pending["matched"]:
            try:
                verified = otp_verify(
                    iin=iin,
                    purpose=lookup_purpose(reference),
                    code=form.cleaned_data["code"],
                    now=now,
                    requester=devices.requester(request),
                )
            except throttle.RateLimited as exc:
                return _too_many(request, exc.retry_after)
        # Checked again at grant time: the code proves the IIN, the decision must still be that person's.
        if verified and lookup_candidate(reference=reference, iin_hash=crypto.lookup_hash(iin)) is not None:
            _grant(request, reference, now)
            return redirect("explanations:decision", reference=reference)
        form.add_error("code", UNIFORM_ERROR)
    return devices.finish(request, render(request, "explanations/lookup/code.html", {"form": form}))
