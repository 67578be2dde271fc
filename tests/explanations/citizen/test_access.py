"""Who sees what: a person sees their own decisions; anyone else gets 404, never 403."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.identifiers import format_reference

from . import builders


def url(name: str, lang: str = "en", **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def staff_user() -> User:
    org = Organisation.objects.create(code="review-body", kind=OrganisationKind.REVIEW_BODY, name={"en": "R"})
    return User.objects.create(username="reviewer", role=Role.REVIEWER, organisation=org)


def test_my_decisions_lists_every_decision_about_me_newest_first_with_silent_ones(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    system = builders.system_for("scorecard")
    older = builders.decide(
        system, iin=iin, kind="scorecard", decided_at=dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC)
    )
    silent = builders.decide(
        system,
        iin=iin,
        kind="scorecard",
        notified=False,
        decided_at=dt.datetime(2025, 10, 1, 9, tzinfo=dt.UTC),
    )
    _, other_iin = builders.citizen()
    someone_else = builders.decide(system, iin=other_iin, kind="scorecard")
    client.force_login(user)

    response = client.get(url("explanations:my-decisions"))
    page = response.content.decode()

    assert response.status_code == 200, response.content
    assert page.index(format_reference(silent.reference)) < page.index(format_reference(older.reference))
    assert format_reference(someone_else.reference) not in page
    assert "You were assessed on 1 October 2025; no notification was sent to you." in page
    assert "You were not notified, so it is open." in page
    assert "Until 2 July 2025" in page or "Ended on 2 July 2025" in page  # notified 2 June + 30 days


def test_my_decisions_shows_corrections_and_not_reproducible_status(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    system = builders.system_for("scorecard")
    first = builders.decide(system, iin=iin, kind="scorecard", recorded=(20.0, "LEVEL_C"))
    builders.decide(system, iin=iin, kind="scorecard", supersedes=first.external_id)
    client.force_login(user)

    page = client.get(url("explanations:my-decisions")).content.decode()

    assert "Replaced by a correction" in page
    assert "Current" in page
    assert "Not reproducible" in page


def test_my_decisions_makes_no_query_per_decision(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    system = builders.system_for("scorecard")
    builders.decide(system, iin=iin, kind="scorecard")
    client.force_login(user)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("explanations:my-decisions")).status_code == 200
    for _ in range(4):
        builders.decide(system, iin=iin, kind="scorecard")

    with CaptureQueriesContext(connection) as five:
        assert client.get(url("explanations:my-decisions")).status_code == 200

    def data_queries(ctx: CaptureQueriesContext) -> list[str]:
        return [
            q["sql"]
            for q in ctx.captured_queries
            # The session and the signed-in user (cached after the first request) are not the list's.
            if "django_session" not in q["sql"]
            and "SAVEPOINT" not in q["sql"]
            and "accounts_user" not in q["sql"]
        ]

    assert len(data_queries(five)) == len(data_queries(one))
    assert sum("explanations_decision" in q for q in data_queries(five)) == 1


def test_my_decisions_is_404_for_staff(client: Client, db: None) -> None:
    client.force_login(staff_user())

    assert client.get(url("explanations:my-decisions")).status_code == 404


def test_my_decisions_asks_an_anonymous_visitor_to_sign_in(client: Client, db: None) -> None:
    response = client.get(url("explanations:my-decisions"))

    assert response.status_code == 302


def test_another_citizens_decision_is_404(client: Client, person: tuple[User, str]) -> None:
    user, _ = person
    _, other_iin = builders.citizen()
    decision = builders.decide(builders.system_for("scorecard"), iin=other_iin, kind="scorecard")
    client.force_login(user)

    for name in ("explanations:decision", "explanations:decision-pdf"):
        assert client.get(url(name, reference=decision.reference)).status_code == 404
    flag = url("explanations:flag-data", reference=decision.reference, feature="income_per_person")
    assert client.get(flag).status_code == 404
    assert client.post(flag, {"correct_value": "1"}).status_code == 404


@pytest.mark.parametrize("name", ["explanations:decision", "explanations:decision-pdf"])
def test_staff_and_anonymous_visitors_get_404_for_a_decision(
    client: Client, person: tuple[User, str], name: str
) -> None:
    _, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")

    assert client.get(url(name, reference=decision.reference)).status_code == 404
    client.force_login(staff_user())
    assert client.get(url(name, reference=decision.reference)).status_code == 404


def test_an_unknown_or_malformed_reference_is_404(client: Client, person: tuple[User, str]) -> None:
    client.force_login(person[0])

    assert client.get(url("explanations:decision", reference="0000-0000-0000-0")).status_code == 404
    assert client.get(url("explanations:decision", reference="not-a-reference")).status_code == 404


def test_citizen_pages_are_not_cached_by_browsers_or_proxies(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    response = client.get(url("explanations:decision", reference=decision.reference))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
