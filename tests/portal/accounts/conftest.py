"""Fixtures for sign-in tests: citizens, a clean cache (throttle counters), delivery captured in memory."""

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal import sms
from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.crypto import encrypt, lookup_hash
from tests.factories import iin as make_iin

_seq = itertools.count(1)
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@pytest.fixture(autouse=True)
def _isolated(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    cache.clear()
    settings.SMS_GATEWAY = "portal.sms.LocmemSMSGateway"
    settings.OIDC_ISSUER = ""
    settings.OIDC_RP_CLIENT_ID = ""
    sms.LocmemSMSGateway.outbox.clear()
    # Codes are sent by the outbox's Celery task, eager in tests: after commit, in the committing thread.
    yield
    cache.clear()


def fresh_iin() -> str:
    return make_iin(1000 + next(_seq))


def make_citizen(
    iin: str | None = None, *, email: str = "citizen@example.kz", phone: str = "+77011234567", **extra: Any
) -> User:
    iin = iin or fresh_iin()
    user = User.objects.create(
        username=f"citizen-test-{next(_seq)}",
        role=Role.CITIZEN,
        iin_hash=lookup_hash(iin),
        iin_encrypted=encrypt(iin),
        email=email,
        phone=phone,
        preferred_language="en",
        **extra,
    )
    user.plain_iin = iin  # type: ignore[attr-defined]  # for the test only
    return user


def make_staff(iin: str) -> User:
    org = Organisation.objects.create(
        code=f"agency-{next(_seq)}", kind=OrganisationKind.AGENCY, name={"en": "A"}
    )
    return User.objects.create(
        username=f"staff-{next(_seq)}", role=Role.REVIEWER, organisation=org, iin_hash=lookup_hash(iin)
    )


@pytest.fixture
def citizen(db: None) -> User:
    return make_citizen()


def last_code(to: str | None = None) -> str:
    """The code in the newest e-mail (to `to`, if given)."""
    messages = [m for m in mail.outbox if to is None or to in m.to]
    assert messages, "no e-mail was sent"
    found = CODE.search(str(messages[-1].body))
    assert found, messages[-1].body
    return found.group(1)


def url(name: str, lang: str = "en") -> str:
    from django.utils import translation

    with translation.override(lang):
        return reverse(name)


@pytest.fixture
def post_with_commit(
    django_capture_on_commit_callbacks: Any,
) -> Callable[..., Any]:
    """client.post that also runs the on-commit callbacks (the test's transaction never commits)."""

    def post(client: Client, path: str, data: dict[str, Any], **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return post


@pytest.fixture
def signed_in(citizen: User, post_with_commit: Callable[..., Any]) -> Callable[[Client], Any]:
    """Sign `client` in as `citizen` through the pages; returns the final response."""

    def run(client: Client, user: User | None = None) -> Any:
        who = user or citizen
        response = post_with_commit(client, url("accounts:sign-in"), {"iin": who.plain_iin})  # type: ignore[attr-defined]
        assert response.status_code == 302, response.content
        response = client.post(url("accounts:sign-in-code"), {"code": last_code(who.email)})
        assert response.status_code == 302, response.content
        return response

    return run
