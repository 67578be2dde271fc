"""The staff page of an appeal's notifications and letters, and the staff letter download: review-body staff
of that appeal only; everyone else gets a 404."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.accounts.models import OrganisationKind, Role
from tests import factories

from ..conftest import make_user
from .helpers import assigned, decided

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def url(name: str, **kwargs: str) -> str:
    with translation.override("en"):
        return reverse(f"appeals-staff:{name}", kwargs=kwargs)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_assigned_reviewer_and_the_bodys_supervisor_see_every_notification_with_its_status(world):
    appeal = decided(world)
    for user in (world.reviewers[0], world.supervisor):
        response = as_user(user).get(url("notifications", reference=appeal.reference))
        assert response.status_code == 200, response.content
        page = response.content.decode()
        assert "appeal.submitted" in page and "appeal.review.decided" in page
        assert "Waiting to be sent" in page and "Attempts" in page
        assert "Being prepared" in page, "the letter's state"
        assert url("letter", reference=appeal.reference, language="kk") in page


def test_everyone_else_gets_a_404(world):
    appeal = assigned(world)
    agency_supervisor = make_user("sup-agency", Role.SUPERVISOR, world.agency)
    other_body = factories.organisation(kind=OrganisationKind.REVIEW_BODY, code="other-body")
    other_body_supervisor = make_user("sup-other-body", Role.SUPERVISOR, other_body)
    for user in (
        world.reviewers[1],
        world.citizen,
        world.other_citizen,
        world.agency_staff,
        world.agency_reviewer,
        world.ombudsman,
        agency_supervisor,
        other_body_supervisor,
    ):
        response = as_user(user).get(url("notifications", reference=appeal.reference))
        assert response.status_code == 404, user
    assert as_user(world.supervisor).get(url("notifications", reference="NOSUCHREF0000")).status_code == 404


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(world):
    appeal = assigned(world)
    response = Client().get(url("notifications", reference=appeal.reference))
    assert response.status_code == 302 and "/staff/sign-in/" in response["Location"]


def test_staff_download_the_decision_letter_once_it_is_decided(world):
    appeal = decided(world, contact_language="ru")
    response = as_user(world.supervisor).get(url("letter", reference=appeal.reference, language="en"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]
    assert (
        as_user(world.supervisor).get(url("letter", reference=appeal.reference, language="de")).status_code
        == 404
    )
    assert (
        as_user(world.citizen).get(url("letter", reference=appeal.reference, language="ru")).status_code
        == 404
    )
    undecided = assigned(world)
    response = as_user(world.supervisor).get(url("letter", reference=undecided.reference, language="kk"))
    assert response.status_code == 404
