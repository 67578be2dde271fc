"""Signed outcome webhooks: a receiver that fails twice and then accepts gets the same signed body, with the
same Idempotency-Key, on each attempt; retries back off and are driven by the beat scan."""

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import AgencyWebhook, OutcomeDelivery
from appeals.services import agency_outcomes
from appeals.services.agency_outcomes import webhook_register, webhook_scan, webhook_signature_valid
from portal.exceptions import ValidationFailed

from .helpers import decided

pytestmark = pytest.mark.django_db


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first `failures` requests, then 200; records every request."""

    failures = 2
    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.requests.append({"headers": dict(self.headers), "body": body})
        status = 503 if len(Receiver.requests) <= Receiver.failures else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.requests = []
    Receiver.failures = 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/appeals"
    server.shutdown()


def test_a_failing_receiver_gets_the_same_signed_outcome_until_it_accepts(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    _hook, secret = webhook_register(organisation_code=world.agency.code, url=receiver, actor="test")

    with django_capture_on_commit_callbacks(execute=True):  # the first push follows the decision's commit
        appeal = decided(world)
    delivery = OutcomeDelivery.objects.get(appeal=appeal)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("PENDING", 1, 503)
    first_retry = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=50) < first_retry <= dt.timedelta(seconds=60)

    assert webhook_scan() == 0, "not due yet: the backoff holds"
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_scan(now=timezone.now() + dt.timedelta(seconds=61)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("PENDING", 2, 503)
    second_retry = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=110) < second_retry <= dt.timedelta(seconds=120), "exponential backoff"

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_scan(now=timezone.now() + dt.timedelta(seconds=121)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_error) == (
        "SENT",
        3,
        200,
        "",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_scan(now=timezone.now() + dt.timedelta(days=1)) == 0

    assert len(Receiver.requests) == 3
    bodies = {r["body"] for r in Receiver.requests}
    assert len(bodies) == 1, "every attempt sends the same body"
    for request in Receiver.requests:
        headers = request["headers"]
        assert headers["Idempotency-Key"] == f"outcome-{delivery.pk}"
        assert headers["Content-Type"] == "application/json"
        assert webhook_signature_valid(
            secret=secret, header=headers["X-Portal-Signature"], body=request["body"]
        )
        assert not webhook_signature_valid(
            secret="whsec_wrong", header=headers["X-Portal-Signature"], body=request["body"]
        )
        assert not webhook_signature_valid(
            secret=secret, header=headers["X-Portal-Signature"], body=request["body"] + b" "
        )
    assert b'"appeal_reference":"' + appeal.reference.encode() + b'"' in bodies.pop()


def test_after_the_last_attempt_the_push_is_failed_and_the_outcome_stays_pollable(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    Receiver.failures = 10
    webhook_register(organisation_code=world.agency.code, url=receiver, actor="test")
    with django_capture_on_commit_callbacks(execute=True):
        appeal = decided(world)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_scan(now=timezone.now() + dt.timedelta(hours=1))
    delivery = OutcomeDelivery.objects.get(appeal=appeal)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("FAILED", 2, "HTTP 503")
    assert webhook_scan(now=timezone.now() + dt.timedelta(days=1)) == 0


def test_a_push_whose_worker_died_is_retried_after_its_lease(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_HTTP = True
    Receiver.failures = 0
    webhook_register(organisation_code=world.agency.code, url=receiver, actor="test")
    appeal = decided(world)  # the first push's task is lost with the commit callback
    delivery = OutcomeDelivery.objects.get(appeal=appeal)
    # A scan claims it and the worker that got the task dies before posting.
    with django_capture_on_commit_callbacks(execute=False):
        assert webhook_scan(now=timezone.now()) == 1
    assert OutcomeDelivery.objects.get(pk=delivery.pk).state == "SENDING"
    assert webhook_scan(now=timezone.now()) == 0, "the lease holds"
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_scan(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("SENT", 2)
    assert len(Receiver.requests) == 1


def test_an_agency_without_a_webhook_polls(world):
    appeal = decided(world)
    assert OutcomeDelivery.objects.get(appeal=appeal).state == "POLL_ONLY"


def test_registering_a_webhook_shows_the_secret_once_and_stores_it_encrypted(world, capsys):
    call_command("webhook_register", world.agency.code, "https://agency.example.kz/hooks/appeals")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    hook = AgencyWebhook.objects.get(organisation=world.agency, active=True)
    assert secret.encode() not in bytes(hook.secret_encrypted)
    assert agency_outcomes.crypto.decrypt(bytes(hook.secret_encrypted), associated=b"webhook") == secret
    call_command("webhook_register", world.agency.code, "https://agency.example.kz/hooks/v2")
    assert AgencyWebhook.objects.filter(organisation=world.agency, active=True).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://agency.example.kz/hook",
        "ftp://agency.example.kz/",
        "https://user:pw@agency.example.kz/",
        "https:///nohost",
    ],
)
def test_webhook_urls_must_be_https_without_credentials(world, url):
    with pytest.raises(ValidationFailed):
        webhook_register(organisation_code=world.agency.code, url=url, actor="test")
