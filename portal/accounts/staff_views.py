"""Staff sign-in pages: username and password, then a code from an authenticator app (RFC 6238), or setting one
up on the first sign-in. Thin like views.py: each view validates, applies the per-client-address limits, makes
one domain call and renders or redirects.

Between the password and the code nobody is signed in: the session holds a pending marker (the account's id,
a deadline PENDING_SECONDS ahead, and a fingerprint of the password hash so that a password change ends it),
under a new session key. Only a right code signs the person in (django.contrib.auth.login, another new key) with
session["auth_method"] = "password+totp", which StaffSecondFactorMiddleware requires of every staff session.
"""

import base64
import binascii
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.crypto import decrypt, encrypt

from . import selectors, services, throttle, totp
from .forms import CodeForm, StaffPasswordForm
from .middleware import AUTH_METHOD, start_session_clock
from .models import Role, User
from .services import Limit, TotpResult
from .views import _count, _limited, _safe_next, _too_many

# Per client address; the per-username and per-account limits in services.py are the tight ones.
STAFF_PASSWORD_FAILURES_PER_IP = Limit("staff-password-fail-ip", 30, 900)
STAFF_CODE_FAILURES_PER_IP = Limit("staff-code-fail-ip", 30, 900)

PENDING = "staff_sign_in"
# A secret being set up, kept apart from the marker so that someone whose time ran out gets the same secret
# again (the one already added to their app) after the password.
ENROLMENT = "staff_totp_enrolment"
PENDING_SECONDS = 5 * 60
# Wrong codes allowed after one password; then the password is asked again.
MAX_CODE_ATTEMPTS = 5
_DEFAULT_BACKEND = "django.contrib.auth.backends.ModelBackend"

BAD_CREDENTIALS = _("Enter a correct username and password. Both are case-sensitive.")
CODE_ERRORS = {
    TotpResult.WRONG: _("The code is not correct. Enter the code your authenticator app shows now"),
    TotpResult.REUSED: _(
        "This code has already been used. Wait for your authenticator app to show a new code"
    ),
    TotpResult.UNAVAILABLE: _(
        "Your authenticator cannot be checked. Ask an administrator to reset it, then sign in again"
    ),
}


def _staff_home(user: User) -> str:
    if user.role in (Role.REVIEWER, Role.SUPERVISOR):
        name = "review:home"
    elif user.role == Role.OMBUDSMAN:
        name = "oversight:dashboard"
    else:
        name = "admin:index" if user.is_staff else "explanations:home"
    try:
        return reverse(name)
    except NoReverseMatch:
        return "/"


def _seal_enrolment(secret: str, user_id: int) -> str:
    # A secret being set up waits in the session, sealed and bound to the account it was made for.
    return base64.b64encode(encrypt(secret, associated=f"staff-totp-enrolment:{user_id}".encode())).decode()


def _unseal_enrolment(value: object, user_id: int) -> str | None:
    try:
        secret = decrypt(
            base64.b64decode(str(value), validate=True), associated=f"staff-totp-enrolment:{user_id}".encode()
        )
    except (InvalidTag, ValueError, binascii.Error):
        return None
    return secret if totp.is_valid_secret(secret) else None


def _restart(request: HttpRequest, text: Any = None) -> HttpResponse:
    request.session.pop(PENDING, None)
    if text:
        messages.warning(request, text)
    return redirect("accounts:staff-login")


def _pending(request: HttpRequest) -> tuple[dict[str, Any], User] | HttpResponse:
    """The pending marker and its account, or the redirect back to the password page (the marker dropped)."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return _restart(request)
    user_id, expires_at = pending.get("user_id"), pending.get("expires_at")
    if not isinstance(user_id, int) or not isinstance(expires_at, int | float) or time.time() >= expires_at:
        return _restart(request, gettext("The time to enter a code ran out. Sign in again."))
    user = selectors.staff_for_sign_in(user_id=user_id)
    if user is None or not constant_time_compare(str(pending.get("auth_hash")), user.get_session_auth_hash()):
        return _restart(request, gettext("Sign in again."))
    return pending, user


def _sign_in(request: HttpRequest, user: User, pending: dict[str, Any]) -> HttpResponse:
    request.session.pop(PENDING, None)
    request.session.pop(ENROLMENT, None)
    backend = str(pending.get("backend") or "")
    if backend not in settings.AUTHENTICATION_BACKENDS:
        backend = _DEFAULT_BACKEND
    login(request, user, backend=backend)  # a new session key
    request.session[AUTH_METHOD] = services.METHOD_PASSWORD_TOTP
    start_session_clock(request.session, now=time.time())
    return redirect(_safe_next(request, str(pending.get("next") or "")) or _staff_home(user))


def _code_failed(
    request: HttpRequest, pending: dict[str, Any], form: CodeForm, result: TotpResult
) -> HttpResponse | None:
    """Count a wrong code: None to show the form again with the error, or the redirect back to the password."""
    _count(request, STAFF_CODE_FAILURES_PER_IP)
    pending["attempts"] = int(pending.get("attempts") or 0) + 1
    if pending["attempts"] >= MAX_CODE_ATTEMPTS:
        return _restart(request, gettext("You entered a wrong code too many times. Sign in again."))
    request.session[PENDING] = pending
    form.add_error("code", CODE_ERRORS.get(result, CODE_ERRORS[TotpResult.WRONG]))
    return None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def staff_sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = StaffPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request, STAFF_PASSWORD_FAILURES_PER_IP):
            return _too_many(request, STAFF_PASSWORD_FAILURES_PER_IP.window_seconds)
        if form.is_valid():
            try:
                user = services.staff_password_check(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    now=timezone.now(),
                )
            except throttle.RateLimited as exc:
                return _too_many(request, exc.retry_after)
            if user is None:
                _count(request, STAFF_PASSWORD_FAILURES_PER_IP)
                form.add_error(None, BAD_CREDENTIALS)
            else:
                if request.user.is_authenticated:
                    logout(request)  # whoever was signed in here is not any more (and the key changes)
                else:
                    request.session.cycle_key()  # a key fixed by someone else must not carry the marker
                request.session[PENDING] = {
                    "user_id": user.pk,
                    "expires_at": time.time() + PENDING_SECONDS,
                    "auth_hash": user.get_session_auth_hash(),
                    "backend": getattr(user, "backend", _DEFAULT_BACKEND),
                    "next": next_url,
                    "attempts": 0,
                }
                return redirect("accounts:staff-totp" if user.totp_secret else "accounts:staff-totp-enrol")
    return render(request, "accounts/staff_login.html", {"form": form, "next": next_url})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def staff_totp(request: HttpRequest) -> HttpResponse:
    state = _pending(request)
    if isinstance(state, HttpResponse):
        return state
    pending, user = state
    if not user.totp_secret:
        return redirect("accounts:staff-totp-enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request, STAFF_CODE_FAILURES_PER_IP):
            return _too_many(request, STAFF_CODE_FAILURES_PER_IP.window_seconds)
        if form.is_valid():
            try:
                outcome = services.staff_totp_sign_in(
                    user_id=user.pk, code=form.cleaned_data["code"], now=timezone.now()
                )
            except throttle.RateLimited as exc:
                return _too_many(request, exc.retry_after)
            if outcome.user is not None:
                return _sign_in(request, outcome.user, pending)
            if outcome.result is TotpResult.NOT_ENROLLED:
                return redirect("accounts:staff-totp-enrol")
            if outcome.result is TotpResult.REFUSED:
                return _restart(request, gettext("Sign in again."))
            if outcome.result is TotpResult.UNAVAILABLE:
                form.add_error("code", CODE_ERRORS[TotpResult.UNAVAILABLE])
            else:
                failed = _code_failed(request, pending, form, outcome.result)
                if failed is not None:
                    return failed
    return render(request, "accounts/staff/code.html", {"form": form, "minutes": PENDING_SECONDS // 60})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def staff_totp_enrol(request: HttpRequest) -> HttpResponse:
    state = _pending(request)
    if isinstance(state, HttpResponse):
        return state
    pending, user = state
    if user.totp_secret:
        return redirect("accounts:staff-totp")
    secret = _unseal_enrolment(request.session.get(ENROLMENT), user.pk)
    if secret is None:
        secret = totp.new_secret()
        request.session[ENROLMENT] = _seal_enrolment(secret, user.pk)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request, STAFF_CODE_FAILURES_PER_IP):
            return _too_many(request, STAFF_CODE_FAILURES_PER_IP.window_seconds)
        if form.is_valid():
            try:
                outcome = services.staff_totp_enrol(
                    user_id=user.pk, secret=secret, code=form.cleaned_data["code"], now=timezone.now()
                )
            except throttle.RateLimited as exc:
                return _too_many(request, exc.retry_after)
            if outcome.user is not None:
                return _sign_in(request, outcome.user, pending)
            if outcome.result is TotpResult.ALREADY_ENROLLED:
                return redirect("accounts:staff-totp")
            if outcome.result is TotpResult.REFUSED:
                return _restart(request, gettext("Sign in again."))
            failed = _code_failed(request, pending, form, outcome.result)
            if failed is not None:
                return failed
    context = {
        "form": form,
        "secret": totp.grouped(secret),
        "otpauth_uri": totp.provisioning_uri(secret=secret, account_name=user.username),
        "issuer": totp.TOTP_ISSUER,
        "account_name": user.username,
        "minutes": PENDING_SECONDS // 60,
    }
    return render(request, "accounts/staff/enrol.html", context)
