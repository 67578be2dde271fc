"""Sessions: a new key at sign-in, idle and absolute timeouts, sign-out that ends the session on the server."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from portal.accounts.middleware import STORE_GRACE_SECONDS
from portal.accounts.models import User
from portal.audit.models import AuditEvent

from .conftest import url

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def visit(client: Client) -> Any:
    # Any page runs the middleware; this one is public, so only the middleware can redirect it.
    return client.get(url("accounts:signed-out"))


def test_session_settings_do_not_refresh_the_absolute_lifetime() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_IDLE_SECONDS < settings.SESSION_COOKIE_AGE
    assert "portal.accounts.middleware.SessionTimeoutMiddleware" in settings.MIDDLEWARE


def test_sign_in_gives_a_new_session_key_and_records_the_method(
    client: Client, citizen: User, signed_in: Callable[[Client], Any]
) -> None:
    client.get(url("accounts:sign-in"))
    client.session.save()
    before = client.session.session_key

    signed_in(client)

    assert client.session.session_key != before
    assert client.session["auth_method"] == "otp"


def test_an_idle_session_is_ended_and_the_person_sent_to_sign_in(
    client: Client, citizen: User, signed_in: Callable[[Client], Any]
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        signed_in(client)
        key = client.session.session_key
        clock.shift(dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS + 1))

        response = visit(client)

    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:sign-in", response.wsgi_request.LANGUAGE_CODE))
    assert "next=" in response["Location"]
    assert signed_in_as(client) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action="accounts.session.expired", data__reason="idle").exists()
    page = client.get(response["Location"]).content.decode()
    assert "because you were inactive" in page


def test_activity_keeps_a_session_alive_past_the_idle_limit(
    client: Client, citizen: User, signed_in: Callable[[Client], Any]
) -> None:
    step = dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS * 0.6)
    with time_machine.travel(T0, tick=False) as clock:
        signed_in(client)
        for _ in range(3):
            clock.shift(step)
            assert visit(client).status_code == 200

        assert signed_in_as(client) == str(citizen.pk)


def test_the_absolute_limit_ends_even_an_active_session(
    client: Client, citizen: User, signed_in: Callable[[Client], Any]
) -> None:
    step = dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS / 2)
    with time_machine.travel(T0, tick=False) as clock:
        signed_in(client)
        elapsed = dt.timedelta(0)
        while elapsed + step < dt.timedelta(seconds=settings.SESSION_COOKIE_AGE):
            clock.shift(step)
            elapsed += step
            assert visit(client).status_code == 200, elapsed
        clock.shift(step)

        response = visit(client)

    assert response.status_code == 302
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="accounts.session.expired", data__reason="absolute").exists()
    page = client.get(response["Location"]).content.decode()
    assert "maximum length" in page


def test_the_stored_expiry_is_fixed_at_sign_in_and_not_pushed_back_by_activity(
    client: Client, citizen: User, signed_in: Callable[[Client], Any]
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        signed_in(client)
        key = client.session.session_key
        first = Session.objects.get(session_key=key).expire_date
        clock.shift(dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS / 2))
        visit(client)  # writes the last-activity time

        later = Session.objects.get(session_key=key).expire_date

    deadline = T0 + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + STORE_GRACE_SECONDS)
    assert first == later == deadline


def test_a_page_view_within_a_minute_does_not_write_the_session(
    client: Client, citizen: User, signed_in: Callable[[Client], Any], django_assert_max_num_queries: Any
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        signed_in(client)
        clock.shift(dt.timedelta(seconds=5))
        # Session read + user read only: no UPDATE of the session row.
        with django_assert_max_num_queries(2):
            visit(client)


def test_sign_out_ends_the_session_on_the_server(
    client: Client, citizen: User, signed_in: Callable[[Client], Any]
) -> None:
    signed_in(client)
    old_key = client.session.session_key
    stolen = Client()
    assert old_key is not None
    stolen.cookies[settings.SESSION_COOKIE_NAME] = old_key

    response = client.post(url("accounts:sign-out"))

    assert response.status_code == 302
    assert response["Location"] == url("accounts:signed-out")
    assert not Session.objects.filter(session_key=old_key).exists()
    assert signed_in_as(client) is None
    stolen.get(url("accounts:signed-out"))
    assert signed_in_as(stolen) is None
    assert AuditEvent.objects.filter(action="accounts.signed_out", actor=f"citizen:{citizen.pk}").exists()


def test_sign_out_needs_a_post(client: Client, citizen: User, signed_in: Callable[[Client], Any]) -> None:
    with time_machine.travel(T0, tick=False):
        signed_in(client)

        response = client.get(url("accounts:sign-out"))

        assert response.status_code == 405
        assert signed_in_as(client) == str(citizen.pk)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_signed_out_page_is_public(client: Client, db: None, lang: str) -> None:
    assert client.get(url("accounts:signed-out", lang)).status_code == 200
