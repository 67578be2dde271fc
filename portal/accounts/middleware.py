"""Session lifetimes: an idle timeout (SESSION_IDLE_SECONDS) and an absolute one (SESSION_COOKIE_AGE); and the
staff second factor, required of every staff session (StaffSecondFactorMiddleware).

The absolute deadline is fixed at sign-in: the middleware checks the sign-in time, and the session's own
expiry is set to that moment plus a short grace (a datetime, so saving the session never pushes it back).
The idle clock is a last-activity timestamp in the session, written at most once per TOUCH_SECONDS so that
ordinary page views do not write the session on every request (SESSION_SAVE_EVERY_REQUEST stays False); a
session may therefore end up to TOUCH_SECONDS before the idle limit, never after it.
"""

import datetime as dt
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import permissions, services

SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY_AT = "last_activity_at"
AUTH_METHOD = "auth_method"
TOUCH_SECONDS = 60
# The store keeps a session a little past the absolute limit, so that the middleware (not the store) ends it
# and can say why; after that the session is gone from the store as well.
STORE_GRACE_SECONDS = 300


def start_session_clock(session: Any, *, now: float) -> None:
    """Start both clocks for a session that has just been signed in (after `login`, which gave it a new key)."""
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVITY_AT] = now
    deadline = now + settings.SESSION_COOKIE_AGE + STORE_GRACE_SECONDS
    session.set_expiry(dt.datetime.fromtimestamp(deadline, tz=dt.UTC))


def _touch_interval() -> float:
    return min(TOUCH_SECONDS, settings.SESSION_IDLE_SECONDS / 10)


def session_expired(session: Any, *, now: float) -> str | None:
    """ "absolute" or "idle" when the session has outlived a limit, else None (and the idle clock is kept)."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last = session.get(LAST_ACTIVITY_AT)
    if not isinstance(signed_in_at, int | float) or not isinstance(last, int | float):
        # Signed in by a view that does not start the clocks (e.g. the admin site's sign-in): start them now.
        start_session_clock(session, now=now)
        return None
    if now - signed_in_at >= settings.SESSION_COOKIE_AGE:
        return "absolute"
    if now - last >= settings.SESSION_IDLE_SECONDS:
        return "idle"
    if now - last >= _touch_interval():
        session[LAST_ACTIVITY_AT] = now
    return None


class SessionTimeoutMiddleware(MiddlewareMixin):
    """Signs out a session past either limit and sends the person to the sign-in page with a message.

    Placed after MessageMiddleware (it adds a message) and AuthenticationMiddleware. The check runs on every
    request, before the URL is resolved (process_request): every page, including a 404, is checked.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_expired(request.session, now=time.time())
            if reason is not None:
                return self._expire(request, user, reason)
        return None

    def _expire(self, request: HttpRequest, user: Any, reason: str) -> HttpResponse:
        services.session_expiry_record(user=user, reason=reason, now=timezone.now())
        logout(request)  # flushes the session: the old key is deleted server-side
        if reason == "idle":
            minutes = max(1, settings.SESSION_IDLE_SECONDS // 60)
            text = ngettext(
                "You were signed out because you were inactive for %(minutes)d minute.",
                "You were signed out because you were inactive for %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        else:
            text = _("You were signed out because your session reached its maximum length.")
        messages.warning(request, text + " " + _("Sign in again to continue."))
        url = resolve_url(settings.LOGIN_URL)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)


class StaffSecondFactorMiddleware(MiddlewareMixin):
    """Ends any session of someone who needs the second factor (permissions.needs_second_factor) that was not
    signed in with both a password and a time-based code (session["auth_method"] == "password+totp"), e.g. one
    opened through the admin site's own sign-in page, and sends the person to the staff sign-in.

    On while settings.STAFF_REQUIRE_TOTP is True (the default; the test settings turn it off so that other
    tests can use force_login). Placed after SessionTimeoutMiddleware.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        """Checked on every request, like SessionTimeoutMiddleware."""
        if getattr(settings, "STAFF_REQUIRE_TOTP", True):
            user = getattr(request, "user", None)
            if (
                user is not None
                and user.is_authenticated
                and permissions.needs_second_factor(user)
                and request.session.get(AUTH_METHOD) != services.METHOD_PASSWORD_TOTP
            ):
                return self._refuse(request, user)
        return None

    def _refuse(self, request: HttpRequest, user: Any) -> HttpResponse:
        services.second_factor_missing_record(user=user, now=timezone.now())
        logout(request)  # flushes the session: the old key is deleted server-side
        messages.warning(
            request,
            _("Staff sign in with a password and a code from an authenticator app.")
            + " "
            + _("Sign in again to continue."),
        )
        url = reverse("accounts:staff-login")
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)
