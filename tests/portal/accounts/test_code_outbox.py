"""One-time codes go through the outbox (portal/outbox.py): a row per contact written with the code, sent after
commit by the Celery task (eager here), with claim, lease and retries, at least once and idempotent by message id.
The SMS provider is the real stub (deploy/sms_stub.py) on 127.0.0.1."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from portal import outbox, sms
from portal.accounts import services
from portal.accounts.models import CodeDelivery, OneTimeCode, SmsDelivery, User
from portal.accounts.services import code_delivery_relay, code_delivery_send, otp_issue, otp_verify

from .conftest import CODE, fresh_iin
from .test_sms import SECRET, received, run_stub

SIGN_IN = services.PURPOSE_SIGN_IN


@pytest.fixture
def stub(tmp_path: Path, settings: Any) -> Any:
    server = run_stub(tmp_path)
    settings.SMS_GATEWAY = "portal.sms.HttpSMSGateway"
    settings.SMS_HTTP_URL, settings.SMS_HTTP_SECRET = server.url, SECRET
    yield server
    server.shutdown()
    server.server_close()


def issue(capture: Any, iin: str) -> OneTimeCode:
    with capture(execute=True):
        otp_issue(iin=iin, purpose=SIGN_IN, now=timezone.now())
    return OneTimeCode.objects.filter(iin_hash=services.lookup_hash(iin)).latest("pk")


def sms_code(server: Any) -> str:
    found = CODE.search(received(server)[-1]["text"])
    assert found
    return found.group(1)


def test_issuing_writes_one_outbox_row_per_contact_in_the_same_transaction(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        otp_issue(iin=citizen.plain_iin, purpose=SIGN_IN, now=timezone.now())  # type: ignore[attr-defined]
        rows = list(CodeDelivery.objects.filter(recipient=citizen).order_by("channel"))

    assert [(r.channel, r.state) for r in rows] == [("EMAIL", "PENDING"), ("SMS", "PENDING")]
    assert all(len(r.message_id) and bytes(r.sealed_code) for r in rows)
    assert len(callbacks) == 1 and mail.outbox == [] and sms.LocmemSMSGateway.outbox == []


def test_an_unknown_iin_gets_no_outbox_row_but_the_same_one_task(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        otp_issue(iin=fresh_iin(), purpose=SIGN_IN, now=timezone.now())

    assert len(callbacks) == 1
    assert not CodeDelivery.objects.filter(code__recipient__isnull=True).exists()


def test_with_eager_celery_the_code_is_sent_at_once_after_commit_and_the_row_wiped(
    citizen: User, stub: Any, django_capture_on_commit_callbacks: Any
) -> None:
    code_row = issue(django_capture_on_commit_callbacks, citizen.plain_iin)  # type: ignore[attr-defined]

    (line,) = received(stub)
    assert line["to"] == citizen.phone and line["message_id"] == f"otp:{code_row.pk}:sms"
    assert otp_verify(iin=citizen.plain_iin, purpose=SIGN_IN, code=sms_code(stub), now=timezone.now())  # type: ignore[attr-defined]
    row = CodeDelivery.objects.get(message_id=line["message_id"])
    assert (row.state, row.provider_id, bytes(row.sealed_code)) == ("SENT", line["id"], b"")
    assert SmsDelivery.objects.get(message_id=row.message_id).provider_id == line["id"]
    assert CodeDelivery.objects.get(code=code_row, channel="EMAIL").state == "SENT"
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].extra_headers["Idempotency-Key"] == f"otp:{code_row.pk}:email"
    )


def test_a_provider_failure_is_retried_through_the_outbox_until_it_is_sent(
    citizen: User, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    server = run_stub(tmp_path, fail_first=2)
    settings.SMS_GATEWAY = "portal.sms.HttpSMSGateway"
    settings.SMS_HTTP_URL, settings.SMS_HTTP_SECRET = server.url, SECRET
    try:
        with django_capture_on_commit_callbacks(execute=False):  # no task: drive the row as a worker would
            otp_issue(iin=citizen.plain_iin, purpose=SIGN_IN, now=timezone.now())  # type: ignore[attr-defined]
        row = CodeDelivery.objects.get(recipient=citizen, channel="SMS")

        delays = []
        for _ in range(2):
            with pytest.raises(outbox.RetryLater) as caught:
                code_delivery_send(delivery_id=row.pk)
            delays.append(caught.value.retry_in)
            row.refresh_from_db()
            assert (row.state, row.last_error) == ("PENDING", "RetryableSMSError")
        result = code_delivery_send(delivery_id=row.pk)
    finally:
        server.shutdown()
        server.server_close()

    row.refresh_from_db()
    assert delays == [5, 10]
    assert (result, row.state, row.attempts) == ("sent", "SENT", 3)
    assert len(received(server)) == 1


def test_a_worker_killed_after_the_provider_accepted_resends_with_the_same_id_and_the_text_arrives_once(
    citizen: User, stub: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        otp_issue(iin=citizen.plain_iin, purpose=SIGN_IN, now=timezone.now())  # type: ignore[attr-defined]
    row = CodeDelivery.objects.get(recipient=citizen, channel="SMS")
    policy = services._delivery_policy()
    claim = outbox.claim(CodeDelivery.objects.all(), row.pk, now=timezone.now(), policy=policy)
    assert claim is not None
    # The provider accepts, then the worker dies before marking the row.
    sms.HttpSMSGateway().send(
        sms.SMSMessage(message_id=row.message_id, to=citizen.phone, text="Your code is 1")
    )

    not_yet = code_delivery_send(delivery_id=row.pk)  # the lease still holds
    later = timezone.now() + dt.timedelta(seconds=policy.lease_seconds + 1)
    relayed = code_delivery_relay(now=later)
    CodeDelivery.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    again = code_delivery_send(delivery_id=row.pk)

    # Relayed: the killed worker's SMS row and the e-mail row whose task was never published here.
    assert (not_yet, relayed, again) == ("skipped", 2, "sent")
    assert [line["message_id"] for line in received(stub)] == [row.message_id]  # delivered once
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("SENT", 2)


def test_a_refused_message_fails_for_good_without_retrying(
    citizen: User, stub: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_HTTP_SECRET = "not-the-providers-secret"  # the provider answers 401
    issue(django_capture_on_commit_callbacks, citizen.plain_iin)  # type: ignore[attr-defined]

    row = CodeDelivery.objects.get(recipient=citizen, channel="SMS")
    assert (row.state, row.attempts, bytes(row.sealed_code)) == ("FAILED", 1, b"")
    assert "401" in row.last_error and citizen.phone not in row.last_error
    assert received(stub) == []


def test_a_code_not_sent_before_it_expires_is_never_sent(
    citizen: User, stub: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        otp_issue(iin=citizen.plain_iin, purpose=SIGN_IN, now=timezone.now() - services.OTP_LIFETIME)  # type: ignore[attr-defined]
    row = CodeDelivery.objects.get(recipient=citizen, channel="SMS")

    assert code_delivery_send(delivery_id=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.state, bytes(row.sealed_code)) == ("FAILED", b"")
    assert received(stub) == []


def test_the_relay_re_enqueues_a_row_whose_task_was_lost(
    citizen: User, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # committed, but the task never published
        otp_issue(iin=citizen.plain_iin, purpose=SIGN_IN, now=timezone.now())  # type: ignore[attr-defined]
    rows = set(CodeDelivery.objects.filter(recipient=citizen).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        relayed = code_delivery_relay(now=timezone.now() + dt.timedelta(minutes=1))
        again = code_delivery_relay(now=timezone.now() + dt.timedelta(minutes=1))

    assert (relayed, again) == (len(rows), 0)  # each relayed row is left alone for a while
    assert set(CodeDelivery.objects.filter(pk__in=rows).values_list("state", flat=True)) == {"SENT"}
    assert len(sms.LocmemSMSGateway.outbox) == 1 and len(mail.outbox) == 1


def test_purging_codes_removes_their_outbox_rows(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    code_row = issue(django_capture_on_commit_callbacks, citizen.plain_iin)  # type: ignore[attr-defined]

    services.otp_purge(now=code_row.expires_at + services.OTP_RETENTION + dt.timedelta(seconds=1))

    assert not CodeDelivery.objects.filter(code_id=code_row.pk).exists()
