"""The explanation page's cache (explanations/page_cache.py): whose page it is, when it is fresh, and that a
cached body costs no database query.

Every test first puts the page in the cache by opening it as its subject, then checks what a second request
sees, because the cached path is the one that no longer goes through the database.
"""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from explanations.models import Decision
from explanations.page_cache import CachedPage, cached_page, page_keys, page_store, pages_changed
from explanations.permissions import LOOKUP_GRANTS_SESSION_KEY
from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.identifiers import format_reference

from . import builders


def url(reference: str, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse("explanations:decision", kwargs={"reference": reference})


def cached_by_its_subject(person: tuple[User, str]) -> Decision:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    owner = Client()
    owner.force_login(user)
    assert owner.get(url(decision.reference)).status_code == 200
    day = timezone.localdate()
    assert cache.get(page_keys(reference=decision.reference, language="en", day=day).entry) is not None
    return decision


def test_a_cached_page_is_404_for_another_citizen(client: Client, person: tuple[User, str]) -> None:
    decision = cached_by_its_subject(person)
    other, _ = builders.citizen()
    client.force_login(other)

    assert client.get(url(decision.reference)).status_code == 404


def test_a_cached_page_is_404_for_staff_and_anonymous_visitors(
    client: Client, person: tuple[User, str]
) -> None:
    decision = cached_by_its_subject(person)
    org = Organisation.objects.create(code="review-body", kind=OrganisationKind.REVIEW_BODY, name={"en": "R"})

    assert client.get(url(decision.reference)).status_code == 404
    client.force_login(User.objects.create(username="reviewer", role=Role.REVIEWER, organisation=org))
    assert client.get(url(decision.reference)).status_code == 404


def test_a_cached_page_is_shown_to_a_look_up_grant_for_exactly_that_decision(
    client: Client, person: tuple[User, str]
) -> None:
    decision = cached_by_its_subject(person)
    _, iin = person
    other_decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    session = client.session
    session[LOOKUP_GRANTS_SESSION_KEY] = [other_decision.reference]
    session.save()
    assert client.get(url(decision.reference)).status_code == 404

    session[LOOKUP_GRANTS_SESSION_KEY] = [decision.reference]
    session.save()
    response = client.get(url(decision.reference))

    assert response.status_code == 200
    assert format_reference(decision.reference) in response.content.decode()


def test_a_cached_page_is_404_after_the_password_changes_elsewhere(
    client: Client, person: tuple[User, str]
) -> None:
    """The user comes from the same round trip as the page, but the session hash is still verified."""
    decision = cached_by_its_subject(person)
    user, _ = person
    client.force_login(user)
    assert client.get(url(decision.reference)).status_code == 200

    user.set_password("a new password 123")
    user.save()

    assert client.get(url(decision.reference)).status_code == 404


def test_the_page_each_language_is_cached_separately(client: Client, person: tuple[User, str]) -> None:
    decision = cached_by_its_subject(person)
    client.force_login(person[0])

    kk = client.get(url(decision.reference, "kk")).content.decode()
    en = client.get(url(decision.reference, "en")).content.decode()

    assert 'lang="kk"' in kk and "Main reasons for the result" not in kk
    assert "Main reasons for the result" in en


def test_a_page_stored_under_an_epoch_that_has_since_changed_is_not_used(db: None) -> None:
    """The race the epoch closes: a reader read the epoch, then the database; a writer committed and changed the
    epoch; the reader's late store must not be served."""
    keys = page_keys(reference="A1B2C3D4E5F6G", language="en", day=dt.date(2026, 1, 5))
    read_before = cache.get(keys.epoch)
    pages_changed(["A1B2C3D4E5F6G"])  # the writer, after its commit
    page_store(
        keys,
        epoch=read_before,
        page=CachedPage(reference="A1B2C3D4E5F6G", subject_iin_hash="h", title="t", body="b"),
    )  # type: ignore[arg-type]

    assert cached_page(cache.get_many([keys.entry, keys.epoch]), keys) is None
    page_store(
        keys,
        epoch=cache.get(keys.epoch),
        page=CachedPage(reference="A1B2C3D4E5F6G", subject_iin_hash="h", title="t", body="b"),
    )  # type: ignore[arg-type]
    assert cached_page(cache.get_many([keys.entry, keys.epoch]), keys) is not None


def test_the_epoch_changes_again_when_the_writer_commits(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    keys = page_keys(reference="A1B2C3D4E5F6G", language="en", day=dt.date(2026, 1, 5))
    with django_capture_on_commit_callbacks(execute=True):
        pages_changed(["A1B2C3D4E5F6G"])
        during = cache.get(keys.epoch)
    assert during is not None
    assert cache.get(keys.epoch) not in (None, during)


def test_a_cached_page_body_costs_no_database_query(client: Client, person: tuple[User, str]) -> None:
    """Only the signed-in user is read from the database (Django's ModelBackend); the session comes from the
    cache (cached_db) and the page's body from the page cache."""
    decision = cached_by_its_subject(person)
    client.force_login(person[0])
    client.get(url(decision.reference))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(decision.reference))

    assert response.status_code == 200
    assert format_reference(decision.reference) in response.content.decode()
    not_session_or_user = [
        q["sql"]
        for q in queries.captured_queries
        if '"accounts_user"' not in q["sql"] and '"django_session"' not in q["sql"]
    ]
    assert not_session_or_user == []


def test_a_cached_page_for_a_look_up_grant_makes_no_query_at_all(
    client: Client, person: tuple[User, str], django_assert_num_queries: Any
) -> None:
    decision = cached_by_its_subject(person)
    session = client.session
    session[LOOKUP_GRANTS_SESSION_KEY] = [decision.reference]
    session.save()
    assert client.get(url(decision.reference)).status_code == 200

    with django_assert_num_queries(0):
        response = client.get(url(decision.reference))

    assert response.status_code == 200
    assert format_reference(decision.reference) in response.content.decode()


def test_a_cached_page_is_served_without_loading_the_decision(
    client: Client, person: tuple[User, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    decision = cached_by_its_subject(person)
    client.force_login(person[0])

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the decision was loaded for a cached page")

    monkeypatch.setattr("explanations.views.citizen.decision_by_reference", refuse)
    response = client.get(url(decision.reference))

    assert response.status_code == 200
    assert format_reference(decision.reference) in response.content.decode()


def test_the_explanation_page_is_never_cached_by_browsers_or_proxies(
    client: Client, person: tuple[User, str]
) -> None:
    decision = cached_by_its_subject(person)
    client.force_login(person[0])

    for _ in range(2):  # rendered, then from the page cache
        response = client.get(url(decision.reference))
        assert response.status_code == 200
        assert {d.strip() for d in response["Cache-Control"].split(",")} >= {
            "no-store",
            "no-cache",
            "private",
        }
        assert "Expires" in response


def test_a_page_is_kept_under_an_epoch_made_before_the_database_was_read(person: tuple[User, str]) -> None:
    """Never under "no epoch": if the epoch were evicted later, such a page would match again."""
    decision = cached_by_its_subject(person)
    keys = page_keys(reference=decision.reference, language="en", day=timezone.localdate())

    entry = cache.get(keys.entry)

    assert entry[0] is not None and entry[0] == cache.get(keys.epoch)
    cache.delete(keys.epoch)  # evicted
    assert cached_page(cache.get_many([keys.entry, keys.epoch]), keys) is None


def test_a_cache_outage_does_not_undo_or_fail_the_flag(
    client: Client,
    person: tuple[User, str],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    decision = cached_by_its_subject(person)
    client.force_login(person[0])

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set_many", down)
    flag = reverse(
        "explanations:flag-data", kwargs={"reference": decision.reference, "feature": "income_per_person"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(flag, {"correct_value": "1"})

    assert response.status_code == 302
    assert decision.data_flags.count() == 1


def test_an_idle_session_is_ended_on_the_cached_explanation_page(
    client: Client, person: tuple[User, str]
) -> None:
    """The session timeout runs on every request, before the view: a cached page is no way around it."""
    decision = cached_by_its_subject(person)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(person[0])
        assert client.get(url(decision.reference)).status_code == 200  # starts the session's clocks
        clock.shift(dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS + 1))

        response = client.get(url(decision.reference))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert "_auth_user_id" not in client.session


def test_a_staff_session_without_its_second_factor_is_ended_on_the_explanation_page(
    client: Client, person: tuple[User, str], settings: Any
) -> None:
    decision = cached_by_its_subject(person)
    settings.STAFF_REQUIRE_TOTP = True
    org = Organisation.objects.create(code="review-body", kind=OrganisationKind.REVIEW_BODY, name={"en": "R"})
    client.force_login(User.objects.create(username="reviewer", role=Role.REVIEWER, organisation=org))

    response = client.get(url(decision.reference))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:staff-login"))
    assert "_auth_user_id" not in client.session
