"""The appellant downloads the decision letter of a decided appeal; nobody else, and not before the decision."""

from django.urls import reverse
from django.utils import translation

from appeals.services import core
from appeals.states import Outcome
from tests.appeals.test_services import assessed, filed

from ..conftest import NOW


def _decided(world):
    appeal = filed(world)
    reviewer = world.reviewers[0]
    core.appeal_take_next(reviewer=reviewer, now=NOW)
    assessed(world, appeal, reviewer, outcome=Outcome.OVERTURNED)
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    return core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="SUPPORT", now=NOW
    )


def _url(appeal, lang):
    with translation.override(lang):
        return reverse("appeals:letter", kwargs={"reference": appeal.reference})


def test_the_appellant_gets_the_letter_in_each_language(world, client):
    appeal = _decided(world)
    client.force_login(world.citizen)
    for lang in ("kk", "ru", "en"):
        response = client.get(_url(appeal, lang))
        assert response.status_code == 200, response.content[:200]
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert f"decision-letter-{appeal.reference}-{lang}.pdf" in response["Content-Disposition"]


def test_nobody_else_gets_the_letter(world, client):
    appeal = _decided(world)
    for user in (world.other_citizen, world.agency_staff):
        client.force_login(user)
        assert client.get(_url(appeal, "en")).status_code == 404


def test_there_is_no_letter_before_the_decision(world, client):
    appeal = filed(world)
    client.force_login(world.citizen)
    assert client.get(_url(appeal, "en")).status_code == 404
