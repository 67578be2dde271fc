"""The signed-in user is Django's ModelBackend user, read for each request: a change to the user shows on the
next request, and the cached_db session engine keeps the session in the cache and the database."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def citizen() -> User:
    return User.objects.create_user(username="aigul", role=Role.CITIZEN, iin_hash="h" * 64)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def my_decisions(client: Client) -> int:
    return client.get(reverse("explanations:my-decisions")).status_code


def test_django_s_own_backend_and_session_engine_are_used() -> None:
    assert settings.AUTHENTICATION_BACKENDS[0] == "django.contrib.auth.backends.ModelBackend"
    assert "django.contrib.auth.backends.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


def test_the_session_is_kept_in_the_cache_and_the_database() -> None:
    client = signed_in(citizen())
    assert my_decisions(client) == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert Session.objects.filter(session_key=key).exists()
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None


def test_a_role_change_applies_on_the_next_request() -> None:
    user = citizen()
    client = signed_in(user)
    assert my_decisions(client) == 200
    agency = factories.organisation()
    user.role, user.organisation = Role.AGENCY_STAFF, agency
    user.save()
    assert my_decisions(client) == 404  # no longer a citizen: the page is not theirs


def test_deactivation_signs_the_person_out_at_once() -> None:
    user = citizen()
    client = signed_in(user)
    assert my_decisions(client) == 200
    user.is_active = False
    user.save()
    response = client.get(reverse("explanations:my-decisions"))
    assert response.status_code == 302 and reverse("accounts:sign-in") in response["Location"]


def test_a_password_change_ends_other_sessions() -> None:
    user = citizen()
    user.set_password("first password 123")
    user.save()
    client = signed_in(user)
    assert my_decisions(client) == 200
    fresh = User.objects.get(pk=user.pk)
    fresh.set_password("second password 456")
    fresh.save()
    response = client.get(reverse("explanations:my-decisions"))
    assert response.status_code == 302
