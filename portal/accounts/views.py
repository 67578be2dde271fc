"""Citizen sign-in pages: IIN then one-time code, or the identity provider; sign-out. Thin: each view validates,
applies the per-client-address limits, makes one domain call and renders or redirects."""

import base64
import binascii
import datetime as dt
import math
import time

from cryptography.exceptions import InvalidTag
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from portal.crypto import decrypt, encrypt, lookup_hash

from . import devices, oidc, services, throttle
from .forms import CodeForm, IINForm
from .middleware import AUTH_METHOD, start_session_clock
from .models import User
from .services import Limit, OtpResult

# Per client address (throttle.client_ip). The one-time code limits themselves are in services.py: per IIN and
# per address for unknown devices, per IIN and device for a browser that signed in with the IIN before.
OIDC_FAILURES_PER_IP = Limit("oidc-fail-ip", 30, 900)

PENDING = "citizen_sign_in"
_SEAL = b"citizen-sign-in-session"

CODE_ERRORS = {
    OtpResult.WRONG: _("The code is not correct. Check it and try again"),
    OtpResult.EXPIRED: _("The code has expired. Request a new code"),
    OtpResult.MISSING: _("This code can no longer be used. Request a new code"),
    OtpResult.TOO_MANY_ATTEMPTS: _("You entered a wrong code too many times. Request a new code"),
}


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _after_sign_in(request: HttpRequest, next_url: str) -> str:
    safe = _safe_next(request, next_url)
    if safe:
        return safe
    try:
        return reverse("explanations:my-decisions")
    except NoReverseMatch:
        return "/"


def _seal(iin: str) -> str:
    # The IIN waits in the session between the two pages; the session store never holds it in clear.
    return base64.b64encode(encrypt(iin, associated=_SEAL)).decode()


def _unseal(value: object) -> str | None:
    try:
        return decrypt(base64.b64decode(str(value), validate=True), associated=_SEAL)
    except (InvalidTag, ValueError, binascii.Error):
        return None


def _pending(request: HttpRequest) -> tuple[str, str] | None:
    """The IIN and `next` address given on the first page, or None (and the stale entry dropped)."""
    pending = request.session.get(PENDING)
    iin = _unseal(pending.get("iin")) if isinstance(pending, dict) else None
    if iin is None or not isinstance(pending, dict):
        request.session.pop(PENDING, None)
        return None
    return iin, str(pending.get("next") or "")


# Why a wait is running, by the limit's scope; the same words whether or not the IIN is registered.
_WAIT_REASONS = {
    "iin": _(
        "Many codes were asked for, or wrong codes entered, for this IIN recently, perhaps by someone else. "
        "To protect it, a device that has not signed in with this IIN before must wait between attempts, "
        "and each wait is twice as long as the one before (1, 2, 4, 8 minutes, at most 16). A device you "
        "have signed in on before is not affected."
    ),
    "ip": _(
        "Many attempts came from your internet connection recently. Each wait is twice as long as the one "
        "before (1, 2, 4, 8 minutes, at most 16)."
    ),
    "device": _(
        "Many attempts for this IIN were made from this device recently. Each wait is twice as long as the "
        "one before (1, 2, 4, 8 minutes, at most 16)."
    ),
}


def _too_many(request: HttpRequest, retry_after: int, scope: str = "") -> HttpResponse:
    """The 429 page: when the next attempt is possible (local time and minutes) and, where known, why."""
    response = render(
        request,
        "accounts/citizen/too_many_requests.html",
        {
            "minutes": max(1, math.ceil(retry_after / 60)),
            "retry_at": timezone.localtime(timezone.now() + dt.timedelta(seconds=retry_after)),
            "reason": _WAIT_REASONS.get(scope.rsplit("-", 1)[-1], "") if scope.startswith("otp-") else "",
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _limited(request: HttpRequest, limit: Limit) -> bool:
    return throttle.is_limited(limit.scope, throttle.client_ip(request), limit.limit, limit.window_seconds)


def _count(request: HttpRequest, limit: Limit) -> bool:
    return throttle.hit(limit.scope, throttle.client_ip(request), limit.limit, limit.window_seconds)


def _sign_in(request: HttpRequest, user: User, method: str) -> None:
    request.session.pop(PENDING, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # a new session key
    request.session[AUTH_METHOD] = method
    start_session_clock(request.session, now=time.time())


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = IINForm(request.POST if request.method == "POST" else None)
    requester = devices.requester(request)
    if request.method == "POST" and form.is_valid():
        iin = form.cleaned_data["iin"]
        try:
            services.otp_issue(
                iin=iin, purpose=services.PURPOSE_SIGN_IN, now=timezone.now(), requester=requester
            )
        except throttle.RateLimited as exc:
            return devices.finish(request, _too_many(request, exc.retry_after, exc.scope))
        request.session[PENDING] = {"iin": _seal(iin), "next": next_url}
        return devices.finish(request, redirect("accounts:sign-in-code"))
    context = {"form": form, "next": next_url, "oidc_provider": oidc.provider_name()}
    return devices.finish(request, render(request, "accounts/citizen/sign_in.html", context))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("accounts:sign-in")
    iin, next_url = pending
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.citizen_authenticate_with_code(
                iin=iin,
                code=form.cleaned_data["code"],
                now=timezone.now(),
                requester=devices.requester(request),
            )
        except throttle.RateLimited as exc:
            return devices.finish(request, _too_many(request, exc.retry_after, exc.scope))
        if outcome.user is not None:
            _sign_in(request, outcome.user, services.METHOD_CODE)
            devices.remember(request, iin_hash=lookup_hash(iin))
            return devices.finish(request, redirect(_after_sign_in(request, next_url)))
        form.add_error("code", CODE_ERRORS[outcome.result])
    context = {"form": form, "resent": request.method == "GET" and request.GET.get("resent") == "1"}
    return devices.finish(request, render(request, "accounts/citizen/sign_in_code.html", context))


@login_not_required
@require_POST
def sign_in_code_resend(request: HttpRequest) -> HttpResponse:
    """Send a new code to the IIN given on the first page (this device's earlier code stops working)."""
    pending = _pending(request)
    if pending is None:
        return redirect("accounts:sign-in")
    iin, _next = pending
    try:
        services.otp_issue(
            iin=iin,
            purpose=services.PURPOSE_SIGN_IN,
            now=timezone.now(),
            requester=devices.requester(request),
        )
    except throttle.RateLimited as exc:
        return devices.finish(request, _too_many(request, exc.retry_after, exc.scope))
    return devices.finish(request, redirect(reverse("accounts:sign-in-code") + "?resent=1"))


class ProviderSignInStart(OIDCAuthenticationRequestView):
    """mozilla-django-oidc's start of the flow (state, nonce, PKCE S256 kept in the session; `next` checked),
    sent to the authorization endpoint of the discovery document, in the page's language."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.is_configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.provider_metadata().authorization_endpoint
        except oidc.OIDCError as exc:
            return _oidc_failed(request, exc.reason)
        response: HttpResponse = super().get(request)
        return response

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        return {"ui_locales": get_language() or "kk"}


class ProviderSignInCallback(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback, with our limits, audit reasons, error page and session flags.

    The flow is checked first (oidc.flow_refusal) so every refusal has its reason; then the library takes the
    state's nonce and verifier out of the session (single use) and authenticates through
    oidc.CitizenOIDCBackend; whatever the outcome, no flow is left in the session."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.is_configured():
            raise Http404
        if _limited(request, OIDC_FAILURES_PER_IP):
            oidc.forget_flows(request)
            return _too_many(request, OIDC_FAILURES_PER_IP.window_seconds)
        refusal = oidc.flow_refusal(request)
        if refusal is not None:
            oidc.forget_flows(request)
            return _oidc_failed(request, refusal)
        try:
            response: HttpResponse = super().get(request)
        except oidc.OIDCError as exc:
            oidc.forget_flows(request)
            return _oidc_failed(request, exc.reason, audited=exc.audited)
        return response

    def login_success(self) -> HttpResponse:
        next_url = str(self.request.session.get(oidc.NEXT) or "")
        oidc.forget_flows(self.request)
        _sign_in(self.request, self.user, services.METHOD_OIDC)
        return redirect(_after_sign_in(self.request, next_url))

    def login_failure(self) -> HttpResponse:
        # Reached only when the backend gave no user without an OIDCError (e.g. an inactive account).
        oidc.forget_flows(self.request)
        return _oidc_failed(self.request, "sign_in_failed")


oidc_start = login_not_required(never_cache(ProviderSignInStart.as_view()))
oidc_callback = login_not_required(never_cache(ProviderSignInCallback.as_view()))


def _oidc_failed(request: HttpRequest, reason: str, *, audited: bool = False) -> HttpResponse:
    _count(request, OIDC_FAILURES_PER_IP)
    if not audited:
        services.sign_in_failure_record(method=services.METHOD_OIDC, reason=reason, now=timezone.now())
    context = {"provider": oidc.provider_name(), "refused": reason == "not_a_citizen_account"}
    return render(
        request, "accounts/citizen/oidc_error.html", context, status=403 if context["refused"] else 400
    )


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.sign_out_record(user=request.user, now=timezone.now())
    logout(request)  # flushes the session: its key is deleted from the store
    return redirect("accounts:signed-out")


@login_not_required
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/citizen/signed_out.html")
