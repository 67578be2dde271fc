"""The transactional outbox's claim-and-lease delivery, for any table of messages to send (kernel: imports no app).

A message row is written in the same transaction as the event that calls for it and sent after commit by a
Celery task; the provider call is never inside a transaction (it cannot be rolled back). Each row moves
through a state machine, every step its own short transaction:

1. `claim`: PENDING (or SENDING whose lease ran out) → SENDING with a fresh claim token, a lease and one more
   attempt, committed before anything is sent; SKIP LOCKED, so two workers never hold one row at once;
2. the send, outside any transaction, keyed by the row's message id (a provider delivers an id once however
   often it is called with it);
3. `mark_sent` / `retry_or_fail` / `give_up`: only while the row still carries this claim's token.

Delivery is therefore **at least once** at the provider and, with an idempotent provider, once at the
recipient: a worker killed between 2 and 3 leaves the row SENDING; once its lease runs out `relay` re-enqueues
it and the next claim sends again with the same id. A lost task message (a crash between commit and publish)
leaves a PENDING row that `relay` re-enqueues after `relay_age` seconds.

A table that uses this inherits `OutboxRow` (appeals.Notification does).
"""

import dataclasses
import datetime as dt
import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PENDING, SENDING, SENT, FAILED = "PENDING", "SENDING", "SENT", "FAILED"


class OutboxState(models.TextChoices):
    PENDING = PENDING, _("Waiting to be sent")
    SENDING = SENDING, _("Being sent")
    SENT = SENT, _("Sent")
    FAILED = FAILED, _("Failed after retries")


class OutboxRow(models.Model):
    """The delivery state of one outbox message (see the module docstring)."""

    state = models.CharField(max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class RetryLater(Exception):
    """The row went back to PENDING after a transient failure; retry the task after `retry_in` seconds."""

    def __init__(self, message: str, retry_in: int) -> None:
        super().__init__(message)
        self.retry_in = retry_in


@dataclasses.dataclass(frozen=True)
class Claim:
    row: Any
    token: str


@dataclasses.dataclass(frozen=True)
class Policy:
    """Attempts and timing: retries back off base·2^(n-1) up to `backoff_max`; after `max_attempts` provider
    calls a row is FAILED; the lease must outlast the provider's time-outs."""

    max_attempts: int
    backoff_seconds: int
    backoff_max_seconds: int
    lease_seconds: int
    relay_age_seconds: int

    def retry_delay(self, attempts: int) -> int:
        return int(min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(0, min(attempts - 1, 30))))


def _claimable(now: dt.datetime) -> Q:
    return Q(state=PENDING) | Q(state=SENDING, lease_expires_at__lt=now)


def take(row: Any, *, now: dt.datetime, policy: Policy, update_fields: tuple[str, ...] = ()) -> Claim:
    """Inside a transaction holding the row's lock: SENDING with a fresh token and lease, one more attempt
    (`update_fields`: other fields the caller changed on the row, saved with it)."""
    row.state = SENDING
    row.claim_token = uuid.uuid4().hex
    row.lease_expires_at = now + dt.timedelta(seconds=policy.lease_seconds)
    row.attempts += 1
    row.last_attempt_at = now
    row.save(
        update_fields=[
            "state",
            "claim_token",
            "lease_expires_at",
            "attempts",
            "last_attempt_at",
            *update_fields,
        ]
    )
    return Claim(row, row.claim_token)


def claim(
    queryset: models.QuerySet[Any], pk: int, *, now: dt.datetime, policy: Policy, due: Q | None = None
) -> Claim | None:
    """Take the row for one attempt (committed at once), or None when it is not due or another worker holds
    it. `queryset` may add select_related (locked rows are only those of its model); `due` replaces the
    default rule (PENDING, or SENDING with its lease run out)."""
    with transaction.atomic():
        row = (
            queryset.select_for_update(skip_locked=True, of=("self",))
            .filter(_claimable(now) if due is None else due, pk=pk)
            .first()
        )
        if row is None:
            return None
        return take(row, now=now, policy=policy)


def holding(model: type[models.Model], pk: int, token: str) -> Claim | None:
    """The claim a token stands for (a scan claimed the row and passed the token to the task), or None when
    another claim has taken the row over since."""
    manager: Any = model._default_manager
    row = manager.filter(pk=pk, claim_token=token, state=SENDING).first()
    return None if row is None else Claim(row, token)


def _mine(c: Claim) -> Q:
    return Q(pk=c.row.pk, claim_token=c.token, state=SENDING)


def mark_sent(c: Claim, *, provider_id: str, now: dt.datetime, **fields: Any) -> bool:
    """SENDING → SENT if this claim still holds the row; False when another claim took over (it sends with
    the same id)."""
    updated = (
        type(c.row)
        .objects.filter(_mine(c))
        .update(
            state=SENT,
            provider_id=str(provider_id)[:100],
            sent_at=now,
            lease_expires_at=None,
            next_attempt_at=None,
            last_error="",
            **fields,
        )
    )
    return bool(updated)


def give_up(c: Claim, error: str, **fields: Any) -> bool:
    """SENDING → FAILED for good, the error kept; False when another claim took over."""
    updated = (
        type(c.row)
        .objects.filter(_mine(c))
        .update(state=FAILED, last_error=error[:300], lease_expires_at=None, next_attempt_at=None, **fields)
    )
    return bool(updated)


def retry_or_fail(
    c: Claim,
    error: str,
    *,
    now: dt.datetime,
    policy: Policy,
    fields: dict[str, Any] | None = None,
    **failed_fields: Any,
) -> int | None:
    """After a transient failure: back to PENDING and the seconds to wait before retrying; None when that
    was the last attempt (the row is FAILED, with `failed_fields`) or another claim took over. `fields` are
    saved in either case."""
    fields = fields or {}
    if c.row.attempts >= policy.max_attempts:
        give_up(c, error, **fields, **failed_fields)
        return None
    delay = policy.retry_delay(c.row.attempts)
    # The relay waits a little longer than the task's own retry, so it only picks up retries that were lost.
    relay_after = now + dt.timedelta(seconds=delay + policy.relay_age_seconds)
    updated = (
        type(c.row)
        .objects.filter(_mine(c))
        .update(
            state=PENDING,
            last_error=error[:300],
            lease_expires_at=None,
            next_attempt_at=relay_after,
            **fields,
        )
    )
    return delay if updated else None


def relay(
    model: type[models.Model],
    *,
    now: dt.datetime,
    policy: Policy,
    batch_size: int,
    publish: Callable[[list[int]], None],
) -> int:
    """Re-enqueue rows whose delivery may have been lost; returns how many.

    PENDING rows older than the relay age (a crash between commit and publish, a lost retry) and SENDING rows
    whose lease ran out (a killed worker). Batches are locked with SKIP LOCKED, so relays and workers never
    wait on each other; each relayed row is left alone for another relay age; `publish` runs after commit.
    """
    age = dt.timedelta(seconds=policy.relay_age_seconds)
    not_relayed_recently = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    due = (Q(state=PENDING, created_at__lt=now - age) & not_relayed_recently) | (
        Q(state=SENDING, lease_expires_at__lt=now) & not_relayed_recently
    )
    manager: Any = model._default_manager
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                manager.select_for_update(skip_locked=True)
                .filter(due)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return total
            manager.filter(pk__in=ids).update(next_attempt_at=now + age)
            transaction.on_commit(functools.partial(publish, ids), robust=True)
        total += len(ids)
        if len(ids) < batch_size:
            return total
