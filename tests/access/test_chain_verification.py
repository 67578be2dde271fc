"""The ombudsman verifies the audit chain from the dashboard: a POST starts a Celery task, its result is stored
and shown; a tampered chain shows as broken at the right event. Only the ombudsman may do it."""

from typing import Any

import pytest
from django.db import connection, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from access.models import ChainVerification
from access.services import chain_verification_request
from access.verification import chain_verification_run
from portal.audit.models import AuditEvent
from portal.audit.services import audit_checkpoint, audit_record

from .conftest import client_for

VERIFY = "/en/access/audit/verify/"


def append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(action="test.event", actor="system", data={"i": i})


def tamper(seq: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("UPDATE audit_auditevent SET data = %s WHERE seq = %s", ['{"i": 999}', seq])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_the_ombudsman_runs_the_verification_and_sees_an_intact_chain(
    world, django_capture_on_commit_callbacks
):
    append(3)
    client = client_for(world.ombudsman)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VERIFY)

    assert response.status_code == 302
    verification = ChainVerification.objects.get()
    assert response["Location"] == reverse("access:verification", kwargs={"pk": verification.pk})
    assert verification.status == "INTACT" and verification.requested_by_id == world.ombudsman.pk
    # Every event before the task read the chain, including the request's own audit event.
    requested = AuditEvent.objects.get(action="audit.verification.requested")
    assert verification.checked == requested.seq == verification.head_seq
    page = client.get(response["Location"]).content.decode()
    assert "The audit chain is intact" in page and f"{verification.checked} events verified" in page


def test_a_tampered_event_shows_as_broken_at_that_event(world, django_capture_on_commit_callbacks):
    append(5)
    target = AuditEvent.objects.order_by("seq")[2].seq
    tamper(target)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.ombudsman).post(VERIFY)
    verification = ChainVerification.objects.get()
    assert (verification.status, verification.first_broken_seq, verification.checked) == (
        "BROKEN",
        target,
        target - 1,
    )
    page = client_for(world.ombudsman).get(response["Location"]).content.decode()
    assert "The audit chain is broken" in page
    assert f"First event that does not verify: {target}." in page
    assert "The event&#x27;s content does not match its hash." in page or "content does not match" in page


def test_the_result_is_in_the_audit_chain_and_a_finished_run_is_not_run_again(world):
    with transaction.atomic():
        verification = chain_verification_request(user=world.ombudsman)
    done = chain_verification_run(verification_id=verification.pk)
    again = chain_verification_run(verification_id=verification.pk)
    assert done.status == again.status == "INTACT" and done.finished_at == again.finished_at
    assert AuditEvent.objects.filter(action="audit.verification.finished").count() == 1


def test_a_running_verification_shows_as_running(world):
    with transaction.atomic():
        verification = chain_verification_request(user=world.ombudsman)
    page = client_for(world.ombudsman).get(reverse("access:verification", kwargs={"pk": verification.pk}))
    assert page.status_code == 200
    assert "The verification is running." in page.content.decode()


@pytest.mark.parametrize(
    "who", ["citizen", "reviewer", "supervisor", "agency_staff", "agency_reviewer", "token"]
)
def test_nobody_but_the_ombudsman_verifies_or_reads_a_verification(world, who):
    with transaction.atomic():
        verification = chain_verification_request(user=world.ombudsman)
    from django.test import Client

    from tests import factories

    client: Any = (
        Client(HTTP_AUTHORIZATION=f"Token {factories.token(world.agency)}")
        if who == "token"
        else client_for(
            {
                "citizen": world.citizen,
                "reviewer": world.reviewers[0],
                "supervisor": world.supervisor,
                "agency_staff": world.agency_staff,
                "agency_reviewer": world.agency_reviewer,
            }[who]
        )
    )
    refused = (401, 404) if who == "token" else (404,)  # a token never signs in to a page
    assert client.post(VERIFY).status_code in refused
    assert client.get(reverse("access:verification", kwargs={"pk": verification.pk})).status_code in refused
    assert ChainVerification.objects.count() == 1


def test_anonymous_visitors_go_to_the_staff_sign_in(world):
    response = client_for(None).post(VERIFY)
    assert response.status_code == 302 and "/staff/sign-in/" in response["Location"]


def test_get_is_not_a_way_to_start_a_verification(world):
    assert client_for(world.ombudsman).get(VERIFY).status_code == 405
    assert not ChainVerification.objects.exists()


def test_an_unknown_verification_is_404(world):
    assert (
        client_for(world.ombudsman).get(reverse("access:verification", kwargs={"pk": 987654})).status_code
        == 404
    )


def render_panels(user: Any) -> str:
    request = RequestFactory().get("/en/oversight/")
    request.user = user
    template = Template("{% load access_dashboard %}{% audit_chain_panel %}{% propagation_panel %}")
    return template.render(Context({"request": request}))


def test_the_dashboard_panel_shows_the_last_result_and_checkpoint_and_the_button(world):
    append(2)
    with transaction.atomic():
        verification = chain_verification_request(user=world.ombudsman)
    chain_verification_run(verification_id=verification.pk)
    checkpoint = audit_checkpoint()

    html = render_panels(world.ombudsman)

    assert "Verify the audit chain now" in html and 'action="/en/access/audit/verify/"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Intact" in html and f"event {checkpoint.seq}" in html and checkpoint.hash[:16] in html
    assert "Checkpoints are not exported outside the database" in html
    assert "Decisions flagged" in html
    assert "Verify the audit chain now" not in render_panels(world.supervisor)


def test_the_panel_without_any_verification_or_checkpoint(world):
    html = render_panels(world.ombudsman)
    assert "The chain has not been verified from the dashboard yet." in html
    assert "No checkpoint has been recorded yet." in html
