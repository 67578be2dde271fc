"""The explanation page's cache (explanations/page_cache.py): whose page it is, when it is fresh, one round trip.

Every test first puts the page in the cache by opening it as its subject, then checks what a second request
sees, because the cached path is the one that no longer goes through the database.
"""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from explanations.models import Decision
from explanations.page_cache import CachedPage, cached_page, page_keys, page_store, pages_changed
from explanations.permissions import LOOKUP_GRANTS_SESSION_KEY
from portal.accounts import backends
from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.accounts.sessions import SessionStore
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
        page=CachedPage(reference="A1B2C3D4E5F6G", subject_iin_hash="h", title="t", body=b"b"),
    )  # type: ignore[arg-type]

    assert cached_page(cache.get_many([keys.entry, keys.epoch]), keys) is None
    page_store(
        keys,
        epoch=cache.get(keys.epoch),
        page=CachedPage(reference="A1B2C3D4E5F6G", subject_iin_hash="h", title="t", body=b"b"),
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


def spy_on_cache_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """(method, key or keys) of each outermost cache read (the local-memory get_many calls get itself)."""
    calls: list[tuple[str, Any]] = []
    depth = [0]
    for name in ("get", "get_many"):
        real = getattr(cache, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            if not depth[0]:
                calls.append((_name, args[0]))
            depth[0] += 1
            try:
                return _real(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(cache, name, spy)
    return calls


def test_a_cached_page_costs_one_cache_round_trip_besides_the_session(
    client: Client, person: tuple[User, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    decision = cached_by_its_subject(person)
    client.force_login(person[0])
    client.get(url(decision.reference))
    calls = spy_on_cache_reads(monkeypatch)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(decision.reference))

    assert response.status_code == 200
    session_key = client.cookies["sessionid"].value
    assert [name for name, _ in calls] == ["get_many"], calls  # page, epoch, session and user together
    assert len(calls[0][1]) == 4, calls
    assert any(session_key in key for key in calls[0][1]), calls
    assert [q["sql"] for q in queries.captured_queries if "django_session" not in q["sql"]] == []


def test_get_many_with_user_resolves_the_user_from_the_same_answer(
    client: Client, person: tuple[User, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _ = person
    client.force_login(user)
    client.get(reverse("explanations:my-decisions"))  # the user's entry is now cached
    request = RequestFactory().get("/")
    request.session = SessionStore(client.cookies["sessionid"].value)
    AuthenticationMiddleware(lambda r: HttpResponse()).process_request(request)
    cache.set("probe", 42)
    assert request.session.keys()  # the session is read before, as by the middleware
    calls = spy_on_cache_reads(monkeypatch)

    found = backends.get_many_with_user(request, ["probe"])

    assert found == {"probe": 42}
    assert request.user.pk == user.pk
    assert [name for name, _ in calls] == ["get_many"], calls
    # Resolved once: the rest of the request reads the user itself, the same object the lazy wrapper held.
    assert type(request.user) is User and request.user is request._cached_user  # type: ignore[attr-defined]


def test_get_many_with_user_leaves_an_anonymous_visitor_anonymous(db: None) -> None:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    AuthenticationMiddleware(lambda r: HttpResponse()).process_request(request)

    assert backends.get_many_with_user(request, ["nothing-here"]) == {}
    assert not request.user.is_authenticated
    assert isinstance(request.user, AnonymousUser)


def test_a_signed_out_page_after_the_prefetch_answers_as_anonymous(
    client: Client, person: tuple[User, str]
) -> None:
    """The resolved user replaces the lazy one; signing out later in the request still replaces it again."""
    decision = cached_by_its_subject(person)
    client.force_login(person[0])
    assert client.get(url(decision.reference)).status_code == 200
    assert client.post(reverse("accounts:sign-out")).status_code == 302

    assert client.get(url(decision.reference)).status_code in (302, 404)


def test_the_user_hint_cookie_follows_who_is_signed_in(client: Client, person: tuple[User, str]) -> None:
    user, _ = person
    client.force_login(user)
    client.get(reverse("explanations:my-decisions"))
    hint = client.cookies[backends.USER_HINT_COOKIE]
    assert hint.value == backends.user_cache_token(user.pk)
    assert len(hint.value) == 24 and hint.value != str(user.pk) and hint["httponly"]  # opaque

    client.post(reverse("accounts:sign-out"))

    assert client.cookies[backends.USER_HINT_COOKIE].value == ""  # deleted


def test_a_forged_user_hint_changes_nothing_but_the_cost(client: Client, person: tuple[User, str]) -> None:
    """The hint names someone else's cache entry: the session still decides who is signed in."""
    decision = cached_by_its_subject(person)
    other, _ = builders.citizen()
    Client().force_login(other)  # the other person's entry is in the cache
    client.force_login(other)
    client.get(reverse("explanations:my-decisions"))
    client.cookies[backends.USER_HINT_COOKIE] = backends.user_cache_token(person[0].pk)

    assert client.get(url(decision.reference)).status_code == 404
    client.force_login(person[0])
    client.cookies[backends.USER_HINT_COOKIE] = backends.user_cache_token(other.pk)
    assert client.get(url(decision.reference)).status_code == 200


def test_a_session_missing_from_the_cache_is_loaded_from_the_database(
    client: Client, person: tuple[User, str]
) -> None:
    decision = cached_by_its_subject(person)
    client.force_login(person[0])
    client.get(url(decision.reference))
    store = SessionStore(client.cookies["sessionid"].value)
    cache.delete(store.prefetch_key())  # evicted

    response = client.get(url(decision.reference))

    assert response.status_code == 200
    assert cache.get(store.prefetch_key()) is not None  # refilled, as cached_db does


def test_agency_api_answers_carry_no_user_hint(client: Client, db: None) -> None:
    response = client.get("/api/v1/systems/", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert backends.USER_HINT_COOKIE not in response.cookies


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
