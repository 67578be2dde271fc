"""Notification delivery as a state machine on the outbox row: claim with a lease, send keyed, mark."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from appeals.exceptions import InvalidInput, NotAllowed
from appeals.models import Channel, Notification
from appeals.services import notify
from appeals.services.delivery import RetryLater, _claim, notification_deliver, notification_relay
from appeals.services.messages import render_message
from portal.sms import PermanentSMSError, RetryableSMSError, SMSMessage

from ..conftest import NOW
from .helpers import filed

pytestmark = pytest.mark.django_db


class FlakyGateway:
    """An idempotent SMS gateway that fails transiently `failures` times, then accepts."""

    failures = 0
    calls: list[str] = []
    delivered: dict[str, str] = {}

    def send(self, message: SMSMessage) -> str:
        FlakyGateway.calls.append(message.message_id)
        if FlakyGateway.failures > 0:
            FlakyGateway.failures -= 1
            raise RetryableSMSError("gateway busy")
        FlakyGateway.delivered.setdefault(message.message_id, message.text)
        return f"flaky:{message.message_id}"


class RefusingGateway:
    def send(self, message: SMSMessage) -> str:
        raise PermanentSMSError("number not in service")


@pytest.fixture
def flaky(settings):
    settings.SMS_GATEWAY = "tests.appeals.jobs.test_delivery.FlakyGateway"
    FlakyGateway.failures = 0
    FlakyGateway.calls = []
    FlakyGateway.delivered = {}
    return FlakyGateway


def sms_note(world) -> Notification:
    appeal = filed(world, contact_channel=Channel.SMS, contact_language="ru")
    return Notification.objects.get(appeal=appeal, event="appeal.submitted")


def test_a_pending_notification_is_sent_once_and_marked(world, flaky):
    note = sms_note(world)
    assert notification_deliver(notification_id=note.pk) == "sent"
    assert notification_deliver(notification_id=note.pk) == "skipped"
    note.refresh_from_db()
    assert (note.state, note.attempts, note.provider_id) == ("SENT", 1, f"flaky:{note.dedupe_key}")
    assert note.sent_at is not None and note.lease_expires_at is None
    assert flaky.calls == [note.dedupe_key]


def test_a_transient_failure_goes_back_to_pending_with_a_backoff_and_the_error_kept(world, flaky, settings):
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 10
    note = sms_note(world)
    flaky.failures = 2
    with pytest.raises(RetryLater) as first:
        notification_deliver(notification_id=note.pk)
    with pytest.raises(RetryLater) as second:
        notification_deliver(notification_id=note.pk)
    assert (first.value.retry_in, second.value.retry_in) == (10, 20)
    note.refresh_from_db()
    assert (note.state, note.attempts, note.last_error) == (
        "PENDING",
        2,
        "TransientDeliveryError: gateway busy",
    )
    assert note.next_attempt_at > timezone.now()
    assert notification_deliver(notification_id=note.pk) == "sent"
    note.refresh_from_db()
    assert (note.state, note.attempts, note.last_error) == ("SENT", 3, "")
    assert flaky.calls == [note.dedupe_key] * 3 and list(flaky.delivered) == [note.dedupe_key]


def test_after_the_last_attempt_the_notification_is_failed_with_its_last_error(world, flaky, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    note = sms_note(world)
    flaky.failures = 10
    for _ in range(2):
        with pytest.raises(RetryLater):
            notification_deliver(notification_id=note.pk)
    assert notification_deliver(notification_id=note.pk) == "failed"
    note.refresh_from_db()
    assert (note.state, note.attempts, note.last_error) == (
        "FAILED",
        3,
        "TransientDeliveryError: gateway busy",
    )
    assert notification_deliver(notification_id=note.pk) == "skipped"


def test_a_permanent_failure_is_not_retried(world, settings):
    settings.SMS_GATEWAY = "tests.appeals.jobs.test_delivery.RefusingGateway"
    note = sms_note(world)
    assert notification_deliver(notification_id=note.pk) == "failed"
    note.refresh_from_db()
    assert (note.state, note.attempts, note.last_error) == ("FAILED", 1, "number not in service")


def test_the_task_retries_transient_failures_until_sent(world, flaky):
    from appeals.tasks import deliver_notification
    from portal.celery import app

    note = sms_note(world)
    flaky.failures = 2
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # with it, an eager retry re-raises instead of running again
    try:
        result = deliver_notification.apply(kwargs={"notification_id": note.pk})
    finally:
        app.conf.task_eager_propagates = propagates
    assert result.get() == "sent"
    note.refresh_from_db()
    assert (note.state, note.attempts) == ("SENT", 3)


def test_a_worker_that_died_after_the_provider_accepted_is_covered_by_the_same_key(world, flaky):
    note = sms_note(world)
    # A worker claims the row and the provider accepts the message; the worker dies before marking it.
    claim = _claim(note.pk, timezone.now())
    assert claim is not None
    flaky.delivered[note.dedupe_key] = "accepted before the crash"
    assert notification_deliver(notification_id=note.pk) == "skipped", "the lease still holds"

    later = timezone.now() + dt.timedelta(minutes=10)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("appeals.services.delivery.timezone.now", lambda: later)
        assert notification_deliver(notification_id=note.pk) == "sent"
    note.refresh_from_db()
    assert (note.state, note.attempts) == ("SENT", 2)
    assert flaky.calls == [note.dedupe_key], "re-sent with the same idempotency key"
    assert flaky.delivered == {note.dedupe_key: "accepted before the crash"}, "delivered once"


def test_the_relay_re_enqueues_lost_and_stale_rows_once_per_relay_age(
    world, flaky, settings, django_capture_on_commit_callbacks
):
    lost = sms_note(world)  # committed, but its task was never published (a crash between commit and publish)
    stale = Notification.objects.get(
        appeal=filed(world, contact_channel=Channel.SMS), event="appeal.submitted"
    )
    settings.NOTIFY_LEASE_SECONDS = 0
    assert _claim(stale.pk, timezone.now()) is not None  # a worker claimed it and was killed

    young = NOW + dt.timedelta(seconds=30)  # the rows were written at NOW; the claim's lease is current
    assert notification_relay(now=young) == 0, "young rows are left to their own task"
    later = timezone.now() + dt.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        relayed = notification_relay(now=later, batch_size=2)
    assert relayed == Notification.objects.count()
    lost.refresh_from_db()
    stale.refresh_from_db()
    assert (lost.state, lost.attempts) == ("SENT", 1)
    assert (stale.state, stale.attempts) == ("SENT", 2)
    assert flaky.calls.count(stale.dedupe_key) == 1
    assert notification_relay(now=later) == 0, "nothing left to relay"


def test_the_appellant_is_written_to_on_their_channel_and_in_their_language(world):
    appeal = filed(world, contact_channel=Channel.SMS, contact_language="en")
    note = Notification.objects.get(appeal=appeal, event="appeal.submitted")
    assert (note.channel, note.language, note.recipient_id) == ("SMS", "en", world.citizen.pk)
    world.citizen.phone = ""
    world.citizen.save()
    other = filed(world, contact_channel=Channel.SMS, contact_language="ru")
    assert Notification.objects.get(appeal=other, event="appeal.submitted").channel == "EMAIL"


def test_email_carries_the_key_as_message_id_and_idempotency_header(world):
    appeal = filed(world, contact_language="kk")
    note = Notification.objects.get(appeal=appeal, event="appeal.submitted")
    assert notification_deliver(notification_id=note.pk) == "sent"
    (email,) = [m for m in mail.outbox if m.extra_headers.get("Idempotency-Key") == note.dedupe_key]
    assert email.to == [world.citizen.email]
    assert appeal.reference in email.subject
    assert email.extra_headers["Message-ID"].startswith("<appeal.submitted.")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_event_renders_for_every_audience_in_every_language(world, language):
    appeal = filed(world)
    events = notify.APPELLANT_EVENTS | notify.REVIEWER_EVENTS | {"appeal.unknown"}
    for event in sorted(events):
        for audience in ("appellant", "reviewer", "supervisor"):
            note = Notification(
                event=event, language=language, context=notify.appeal_context(appeal, audience=audience)
            )
            rendered = render_message(note)
            assert appeal.reference in rendered.subject + rendered.body
            assert appeal.reference in rendered.sms
            assert "%(" not in rendered.body + rendered.sms


def test_the_appellant_changes_channel_and_language_and_waiting_messages_follow(world):
    appeal = filed(world, contact_channel=Channel.EMAIL, contact_language="kk")
    waiting = Notification.objects.get(appeal=appeal, event="appeal.submitted")
    notify.contact_preferences_set(appeal_id=appeal.pk, citizen=world.citizen, channel="SMS", language="ru")
    waiting.refresh_from_db()
    assert (waiting.channel, waiting.language) == ("SMS", "ru")
    with pytest.raises(NotAllowed):
        notify.contact_preferences_set(
            appeal_id=appeal.pk, citizen=world.other_citizen, channel="SMS", language="en"
        )
    with pytest.raises(InvalidInput):
        notify.contact_preferences_set(
            appeal_id=appeal.pk, citizen=world.citizen, channel="FAX", language="de"
        )
