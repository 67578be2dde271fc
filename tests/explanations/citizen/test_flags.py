""" "This is wrong": one question, recorded with an audit event, confirmed honestly."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.models import DataFlag, FlagChannel
from explanations.services.flags import data_flag_record
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.exceptions import NotFound

from . import builders


def url(name: str, lang: str = "en", **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def test_the_form_asks_one_question_and_shows_what_was_recorded(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    response = client.get(
        url("explanations:flag-data", reference=decision.reference, feature="income_per_person")
    )
    page = response.content.decode()

    assert response.status_code == 200, response.content
    assert "What is the correct value of “Average monthly income per family member”?" in page
    assert "The agency recorded ₸52,300" in page
    assert page.count('<input class="govuk-input') == 1


def test_flagging_records_the_statement_audits_it_and_confirms(
    client: Client, person: tuple[User, str]
) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)
    path = url("explanations:flag-data", reference=decision.reference, feature="income_per_person")

    response = client.post(path, {"correct_value": "38 000", "note": "My salary certificate shows it."})

    assert response.status_code == 302, response.content
    flag = DataFlag.objects.get(decision=decision)
    assert (flag.feature, flag.citizen, flag.channel) == ("income_per_person", user, FlagChannel.SIGNED_IN)
    assert (flag.correct_value, flag.note) == ("38 000", "My salary certificate shows it.")
    event = AuditEvent.objects.get(action="decision.data.flagged", object_id=decision.reference)
    assert event.data == {"flag_id": flag.pk, "feature": "income_per_person", "channel": "SIGNED_IN"}
    assert "38 000" not in str(event.data)
    confirmation = client.get(response["Location"]).content.decode()
    assert "We recorded that you say this is wrong" in confirmation
    assert "when appeals open" in confirmation.lower()
    decision_page = client.get(url("explanations:decision", reference=decision.reference)).content.decode()
    assert "You said this is wrong" in decision_page


def test_an_empty_answer_is_an_error_with_a_summary(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)
    path = url("explanations:flag-data", reference=decision.reference, feature="income_per_person")

    response = client.post(path, {"correct_value": "  "})
    page = response.content.decode()

    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter the value you say is correct" in page
    assert not DataFlag.objects.exists()


def test_a_feature_the_decision_did_not_use_is_404(client: Client, person: tuple[User, str]) -> None:
    user, iin = person
    decision = builders.decide(builders.system_for("scorecard"), iin=iin, kind="scorecard")
    client.force_login(user)

    response = client.get(
        url("explanations:flag-data", reference=decision.reference, feature="favourite_colour")
    )

    assert response.status_code == 404


def test_the_service_refuses_someone_who_may_not_see_the_decision(person: tuple[User, str]) -> None:
    user, _ = person
    _, other_iin = builders.citizen()
    decision = builders.decide(builders.system_for("scorecard"), iin=other_iin, kind="scorecard")

    with pytest.raises(NotFound):
        data_flag_record(decision=decision, feature="income_per_person", user=user, correct_value="1")
    assert not DataFlag.objects.exists()
