"""Look-up with a letter: reference + IIN, a one-time code, then that one decision; uniform errors; throttled."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.models import Decision
from explanations.views import lookup
from portal.accounts.models import User
from portal.identifiers import format_reference

from . import builders
from .conftest import last_code


def url(name: str, lang: str = "en", **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def letter(person: tuple[User, str]) -> tuple[User, str, Decision]:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard", notified=True)
    return user, iin, decision


def start(post: Callable[..., Any], client: Client, reference: str, iin: str) -> Any:
    return post(client, url("explanations:lookup"), {"reference": reference, "iin": iin})


def test_reference_iin_and_code_open_the_decision_without_signing_in(
    client: Client, letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    user, iin, decision = letter
    typed = format_reference(decision.reference).lower().replace("-", " ")

    response = start(post_with_commit, client, typed, iin)
    assert response.status_code == 302, response.content
    assert response["Location"] == url("explanations:lookup-code")
    response = client.post(url("explanations:lookup-code"), {"code": last_code(user.email)})

    assert response.status_code == 302, response.content
    assert response["Location"] == url("explanations:decision", reference=decision.reference)
    assert client.get(response["Location"]).status_code == 200
    assert client.get(url("explanations:decision-pdf", reference=decision.reference)).status_code == 200


def test_the_grant_is_for_that_one_decision_only(
    client: Client, letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    user, iin, decision = letter
    other = builders.decide(decision.system, iin=iin, kind="scorecard")
    start(post_with_commit, client, decision.reference, iin)
    client.post(url("explanations:lookup-code"), {"code": last_code(user.email)})

    assert client.get(url("explanations:decision", reference=decision.reference)).status_code == 200
    assert client.get(url("explanations:decision", reference=other.reference)).status_code == 404
    assert client.get(url("explanations:my-decisions")).status_code == 302  # no sign-in was made


def test_a_one_time_code_works_once(
    client: Client, letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    user, iin, decision = letter
    start(post_with_commit, client, decision.reference, iin)
    code = last_code(user.email)
    assert client.post(url("explanations:lookup-code"), {"code": code}).status_code == 302

    second = Client()
    start(post_with_commit, second, decision.reference, iin)
    mail.outbox.clear()
    # The first code is spent; replaying it in a new session fails (the new code was not used).
    response = second.post(url("explanations:lookup-code"), {"code": code})

    assert response.status_code == 200
    assert str(lookup.UNIFORM_ERROR) in response.content.decode().replace("&#x27;", "'")
    assert second.get(url("explanations:decision", reference=decision.reference)).status_code == 404


def error_after_code(client: Client, post: Callable[..., Any], reference: str, iin: str, code: str) -> str:
    response = start(post, client, reference, iin)
    assert response.status_code == 302, response.content
    response = client.post(url("explanations:lookup-code"), {"code": code})
    assert response.status_code == 200
    return response.content.decode()


def test_errors_are_the_same_for_unknown_reference_someone_elses_reference_and_wrong_iin(
    letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    user, iin, decision = letter
    _, other_iin = builders.citizen()
    someone_elses = builders.decide(decision.system, iin=other_iin, kind="scorecard")
    unknown = "0000-0000-0000-0"

    pages = [
        error_after_code(Client(), post_with_commit, unknown, iin, "123456"),
        error_after_code(Client(), post_with_commit, someone_elses.reference, iin, "123456"),
        error_after_code(Client(), post_with_commit, decision.reference, other_iin, "123456"),
    ]
    real = Client()
    start(post_with_commit, real, decision.reference, iin)
    wrong = "123456" if last_code(user.email) != "123456" else "654321"
    response = real.post(url("explanations:lookup-code"), {"code": wrong})
    pages.append(response.content.decode().replace(wrong, "123456"))

    def main(page: str) -> str:
        body = page[page.index("<main") : page.index("</main>")]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    assert len({main(p) for p in pages}) == 1, "every failure must read the same"
    assert "do not match a decision" in pages[0]
    # No code went to anyone for the three mismatches; only the real holder got one.
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_the_first_step_only_rejects_what_is_malformed(client: Client, db: None) -> None:
    response = client.post(url("explanations:lookup"), {"reference": "12", "iin": "123"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "13 letters and numbers" in page
    assert "12 digits" in page


def test_look_up_is_throttled_per_reference(
    letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    _, _, decision = letter
    _, wrong_iin = builders.citizen()
    limit = lookup.LIMIT_REFERENCE[0]

    statuses = []
    for n in range(limit + 1):
        # A new client (session) each time; the same address is allowed more often than a reference.
        client = Client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        statuses.append(start(post_with_commit, client, decision.reference, wrong_iin).status_code)

    assert statuses[:limit] == [302] * limit
    assert statuses[limit] == 429


def test_look_up_is_throttled_per_client_address(db: None, post_with_commit: Callable[..., Any]) -> None:
    _, iin = builders.citizen()
    limit = lookup.LIMIT_IP[0]
    client = Client(REMOTE_ADDR="192.0.2.7")
    system = builders.system_for("scorecard")
    references = [
        builders.decide(system, iin=builders.citizen()[1], kind="scorecard").reference for _ in range(4)
    ]

    statuses = [
        start(post_with_commit, client, references[n % len(references)], iin).status_code
        for n in range(limit + 1)
    ]

    assert statuses[limit] == 429
    response = start(post_with_commit, client, references[0], iin)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert response["Retry-After"]


def test_the_code_page_without_a_started_look_up_goes_back_to_the_start(client: Client, db: None) -> None:
    response = client.get(url("explanations:lookup-code"))

    assert response.status_code == 302
    assert response["Location"] == url("explanations:lookup")


def test_a_signed_in_member_of_staff_cannot_use_a_look_up_grant(
    letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    from portal.accounts.models import Organisation, OrganisationKind, Role

    user, iin, decision = letter
    client = Client()
    start(post_with_commit, client, decision.reference, iin)
    client.post(url("explanations:lookup-code"), {"code": last_code(user.email)})
    org = Organisation.objects.create(code="agency-x", kind=OrganisationKind.AGENCY, name={"en": "A"})
    client.force_login(User.objects.create(username="agency-staff", role=Role.AGENCY_STAFF, organisation=org))

    assert client.get(url("explanations:decision", reference=decision.reference)).status_code == 404


def test_a_person_who_came_with_a_letter_can_say_data_are_wrong(
    client: Client, letter: tuple[User, str, Decision], post_with_commit: Callable[..., Any]
) -> None:
    from explanations.models import DataFlag, FlagChannel

    user, iin, decision = letter
    start(post_with_commit, client, decision.reference, iin)
    client.post(url("explanations:lookup-code"), {"code": last_code(user.email)})

    response = client.post(
        url("explanations:flag-data", reference=decision.reference, feature="household_size"),
        {"correct_value": "5"},
    )

    assert response.status_code == 302, response.content
    flag = DataFlag.objects.get(decision=decision)
    assert (flag.channel, flag.citizen, flag.correct_value) == (FlagChannel.LOOKUP, None, "5")
