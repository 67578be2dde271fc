"""Delivering outbox rows exactly once at the recipient, even when a worker is killed mid-send.

The claim-and-lease machinery is the kernel's (portal/outbox.py, shared with one-time codes); this module adds
the notification's message and provider. No database transaction is held open across the provider call,
because a send cannot be rolled back. Instead each row moves through a state machine, every step its own
short transaction:

1. claim: PENDING (or SENDING with an expired lease) → SENDING, with a fresh claim token, a lease and one more
   attempt, committed before anything is sent; SKIP LOCKED, so two workers never claim the same row at once;
2. send: the provider call, outside any transaction, keyed by the row's dedupe key (the provider delivers a
   key once, however often it is called with it — see channels.py);
3. mark: SENDING → SENT only if the row still carries this claim's token.

A worker that dies in step 2 or before step 3 leaves the row SENDING; once its lease runs out the relay
(`notification_relay`) re-enqueues it, the next claim sends again with the same key, the provider answers
"already delivered", and the row is marked SENT. A lost Celery message (a crash between commit and publish)
leaves a PENDING row that the relay re-enqueues after NOTIFY_RELAY_AGE_SECONDS.
"""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from portal import outbox

from ..models import Notification
from . import jobs
from .channels import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    outbound_message,
    provider_for,
)

logger = logging.getLogger(__name__)

SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
SUPERSEDED = "superseded"


class RetryLater(TransientDeliveryError, outbox.RetryLater):
    """The row went back to PENDING after a transient failure; the task retries after `retry_in` seconds."""

    def __init__(self, message: str, retry_in: int) -> None:
        outbox.RetryLater.__init__(self, message, retry_in)


def _policy() -> outbox.Policy:
    return outbox.Policy(
        max_attempts=settings.NOTIFY_MAX_ATTEMPTS,
        backoff_seconds=settings.NOTIFY_RETRY_BACKOFF_SECONDS,
        backoff_max_seconds=settings.NOTIFY_RETRY_BACKOFF_MAX_SECONDS,
        lease_seconds=settings.NOTIFY_LEASE_SECONDS,
        relay_age_seconds=settings.NOTIFY_RELAY_AGE_SECONDS,
    )


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts-1), capped."""
    return _policy().retry_delay(attempts)


def _claim(notification_id: int, now: dt.datetime) -> outbox.Claim | None:
    return outbox.claim(
        Notification.objects.select_related("recipient"), notification_id, now=now, policy=_policy()
    )


def notification_deliver(*, notification_id: int) -> str:
    """Deliver one outbox row if it is due: "sent", "skipped" (already sent, or another worker holds it),
    "failed" (permanently, or after the last attempt), "superseded" (our lease ran out and another claim
    took over; it sends with the same key). Raises RetryLater after a transient failure."""
    claim = _claim(notification_id, timezone.now())
    if claim is None:
        return SKIPPED
    note: Notification = claim.row
    try:
        message = outbound_message(note)
        provider_id = provider_for(note.channel).send(message)
    except PermanentDeliveryError as exc:
        outbox.give_up(claim, str(exc))
        return FAILED
    except Exception as exc:  # anything else from a provider is treated as transient, bounded by max attempts
        if not isinstance(exc, DeliveryError):
            logger.exception("unexpected error delivering notification %s", note.pk)
        return _retry_or_fail(claim, f"{type(exc).__name__}: {exc}")
    return SENT if outbox.mark_sent(claim, provider_id=provider_id, now=timezone.now()) else SUPERSEDED


def _retry_or_fail(claim: outbox.Claim, error: str) -> str:
    policy = _policy()
    if claim.row.attempts >= policy.max_attempts:
        outbox.give_up(claim, error)
        return FAILED
    delay = outbox.retry_or_fail(claim, error, now=timezone.now(), policy=policy)
    if delay is None:
        return SUPERSEDED
    raise RetryLater(error, delay)


def notification_relay(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Re-enqueue rows whose delivery may have been lost; returns how many were enqueued.

    PENDING rows older than NOTIFY_RELAY_AGE_SECONDS (a crash between commit and publish, a lost retry) and
    SENDING rows whose lease ran out (a killed worker); see portal.outbox.relay.
    """

    return outbox.relay(
        Notification,
        now=now or timezone.now(),
        policy=_policy(),
        batch_size=batch_size or settings.APPEAL_SCAN_BATCH,
        publish=_publish,
    )


def _publish(ids: list[int]) -> None:
    for pk in ids:
        jobs.send(jobs.DELIVER_NOTIFICATION, notification_id=pk)
