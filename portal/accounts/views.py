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
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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
OIDC_FLOW = "oidc_flow"
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
    request.session.pop(OIDC_FLOW, None)
    login(request, user, backend="portal.accounts.backends.CachedModelBackend")  # a new session key
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
    cfg = oidc.config()
    context = {
        "form": form,
        "next": next_url,
        "oidc_provider": cfg.provider_name if cfg else "",
    }
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


@login_not_required
@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    cfg = oidc.config()
    if cfg is None:
        raise Http404
    redirect_uri = cfg.redirect_uri or request.build_absolute_uri(reverse("accounts:oidc-callback"))
    try:
        auth = oidc.authorization_request(
            cfg=cfg,
            redirect_uri=redirect_uri,
            language=get_language() or "kk",
            next_url=_safe_next(request, request.GET.get("next")),
            now=timezone.now(),
        )
    except oidc.OIDCError as exc:
        return _oidc_failed(request, exc.reason)
    request.session[OIDC_FLOW] = auth.pending
    return HttpResponseRedirect(auth.url)


@login_not_required
@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    cfg = oidc.config()
    if cfg is None:
        raise Http404
    pending = request.session.pop(OIDC_FLOW, None)  # single use, whatever happens next
    if _limited(request, OIDC_FAILURES_PER_IP):
        return _too_many(request, OIDC_FAILURES_PER_IP.window_seconds)
    now = timezone.now()
    try:
        identity = oidc.complete(cfg=cfg, pending=pending, params=request.GET, now=now)
        user = services.citizen_sign_in_with_identity(
            iin=identity.iin, full_name=identity.full_name, issuer=identity.issuer, now=now
        )
    except oidc.OIDCError as exc:
        return _oidc_failed(request, exc.reason)
    except services.SignInRefused:
        return _oidc_failed(request, "not_a_citizen_account", audited=True)
    _sign_in(request, user, services.METHOD_OIDC)
    return redirect(_after_sign_in(request, str(pending.get("next") or "") if pending else ""))


def _oidc_failed(request: HttpRequest, reason: str, *, audited: bool = False) -> HttpResponse:
    _count(request, OIDC_FAILURES_PER_IP)
    if not audited:
        services.sign_in_failure_record(method=services.METHOD_OIDC, reason=reason, now=timezone.now())
    cfg = oidc.config()
    context = {
        "provider": cfg.provider_name if cfg else "",
        "refused": reason == "not_a_citizen_account",
    }
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
