"""Delivering outbox rows exactly once at the recipient, even when a worker is killed mid-send.

No database transaction is held open across the provider call, because a send cannot be rolled back. Instead
each row moves through a state machine, every step its own short transaction:

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
import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Notification
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


class RetryLater(TransientDeliveryError):
    """The row went back to PENDING after a transient failure; the task retries after `retry_in` seconds."""

    def __init__(self, message: str, retry_in: int) -> None:
        super().__init__(message)
        self.retry_in = retry_in


@dataclass(frozen=True)
class _Claim:
    note: Notification
    token: str


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts-1), capped."""
    base = int(settings.NOTIFY_RETRY_BACKOFF_SECONDS)
    return int(min(settings.NOTIFY_RETRY_BACKOFF_MAX_SECONDS, base * 2 ** max(0, attempts - 1)))


def _claimable(now: dt.datetime) -> Q:
    return Q(state=Notification.State.PENDING) | Q(state=Notification.State.SENDING, lease_expires_at__lt=now)


def _claim(notification_id: int, now: dt.datetime) -> _Claim | None:
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(_claimable(now), pk=notification_id)
            .first()
        )
        if note is None:
            return None
        note.state = Notification.State.SENDING
        note.claim_token = uuid.uuid4().hex
        note.lease_expires_at = now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
        note.attempts += 1
        note.last_attempt_at = now
        note.save(update_fields=["state", "claim_token", "lease_expires_at", "attempts", "last_attempt_at"])
    return _Claim(note, note.claim_token)


def _mine(claim: _Claim) -> Q:
    return Q(pk=claim.note.pk, claim_token=claim.token, state=Notification.State.SENDING)


def notification_deliver(*, notification_id: int) -> str:
    """Deliver one outbox row if it is due: "sent", "skipped" (already sent, or another worker holds it),
    "failed" (permanently, or after the last attempt), "superseded" (our lease ran out and another claim
    took over; it sends with the same key). Raises RetryLater after a transient failure."""
    claim = _claim(notification_id, timezone.now())
    if claim is None:
        return SKIPPED
    note = claim.note
    try:
        message = outbound_message(note)
        provider_id = provider_for(note.channel).send(message)
    except PermanentDeliveryError as exc:
        return _give_up(claim, str(exc))
    except Exception as exc:  # anything else from a provider is treated as transient, bounded by max attempts
        if not isinstance(exc, DeliveryError):
            logger.exception("unexpected error delivering notification %s", note.pk)
        return _retry_or_fail(claim, f"{type(exc).__name__}: {exc}")
    updated = Notification.objects.filter(_mine(claim)).update(
        state=Notification.State.SENT,
        provider_id=str(provider_id)[:100],
        sent_at=timezone.now(),
        lease_expires_at=None,
        next_attempt_at=None,
        last_error="",
    )
    return SENT if updated else SUPERSEDED


def _give_up(claim: _Claim, error: str) -> str:
    Notification.objects.filter(_mine(claim)).update(
        state=Notification.State.FAILED,
        last_error=error[:300],
        lease_expires_at=None,
        next_attempt_at=None,
    )
    return FAILED


def _retry_or_fail(claim: _Claim, error: str) -> str:
    if claim.note.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        return _give_up(claim, error)
    delay = retry_delay(claim.note.attempts)
    # The relay waits a little longer than the task's own retry, so it only picks up retries that were lost.
    relay_after = timezone.now() + dt.timedelta(seconds=delay + settings.NOTIFY_RELAY_AGE_SECONDS)
    updated = Notification.objects.filter(_mine(claim)).update(
        state=Notification.State.PENDING,
        last_error=error[:300],
        lease_expires_at=None,
        next_attempt_at=relay_after,
    )
    if not updated:
        return SUPERSEDED
    raise RetryLater(error, delay)


def notification_relay(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Re-enqueue rows whose delivery may have been lost; returns how many were enqueued.

    PENDING rows older than NOTIFY_RELAY_AGE_SECONDS (a crash between commit and publish, a lost retry) and
    SENDING rows whose lease ran out (a killed worker). Batches are locked with SKIP LOCKED, so relays and
    workers never wait on each other; each relayed row is left alone for another relay age.
    """
    from ..tasks import deliver_notification

    now = now or timezone.now()
    batch_size = batch_size or settings.APPEAL_SCAN_BATCH
    age = dt.timedelta(seconds=settings.NOTIFY_RELAY_AGE_SECONDS)
    not_relayed_recently = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    due = (Q(state=Notification.State.PENDING, created_at__lt=now - age) & not_relayed_recently) | (
        Q(state=Notification.State.SENDING, lease_expires_at__lt=now) & not_relayed_recently
    )
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(due)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return total
            Notification.objects.filter(pk__in=ids).update(next_attempt_at=now + age)
            transaction.on_commit(partial(_publish, deliver_notification, ids), robust=True)
        total += len(ids)
        if len(ids) < batch_size:
            return total


def _publish(task: object, ids: list[int]) -> None:
    for pk in ids:
        task.delay(notification_id=pk)  # type: ignore[attr-defined]
