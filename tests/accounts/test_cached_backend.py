"""The signed-in user comes from the cache (portal/accounts/backends.py), and a change to the user shows at once."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.accounts.backends import CACHED_FIELDS, _key
from portal.accounts.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def citizen() -> User:
    return User.objects.create_user(username="aigul", role=Role.CITIZEN, iin_hash="h" * 64)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="portal.accounts.backends.CachedModelBackend")
    return client


def my_decisions(client: Client) -> int:
    return client.get(reverse("explanations:my-decisions")).status_code


def test_the_second_request_reads_no_user_row_and_the_cache_holds_no_secret(
    django_assert_num_queries: object,
) -> None:
    user = citizen()
    user.set_password("a long enough password 1")
    user.save()
    client = signed_in(user)
    assert my_decisions(client) == 200
    values, session_hash = cache.get(_key(user.pk))
    assert session_hash == User.objects.get(pk=user.pk).get_session_auth_hash()
    assert len(values) == len(CACHED_FIELDS) and "password" not in CACHED_FIELDS
    assert user.password not in repr(values)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert my_decisions(client) == 200
    assert not any('FROM "accounts_user"' in q["sql"] for q in queries.captured_queries)


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


def test_a_cached_user_that_sets_a_password_reports_the_new_session_hash() -> None:
    user = citizen()
    client = signed_in(user)
    assert my_decisions(client) == 200
    from portal.accounts.backends import CachedModelBackend

    cached = CachedModelBackend().get_user(user.pk)
    assert cached is not None
    before = cached.get_session_auth_hash()
    cached.set_password("another password 789")
    assert cached.get_session_auth_hash() != before
