"""Which events notify whom: rows in the transactional outbox, written in the caller's transaction.

Delivery is Celery's job (appeals/tasks.py), after commit; a row is sent at most once (state PENDING → SENT
under a row lock), and enqueuing the same event twice is a no-op (unique dedupe_key).
"""

import datetime as dt
from typing import Any

from django.db import transaction

from ..models import Appeal, Notification

# event code → who hears of it
APPELLANT_EVENTS = frozenset({
    "appeal.submitted", "appeal.assigned", "appeal.on_hold", "appeal.inadmissible", "appeal.review.decided",
    "appeal.countersigned", "appeal.withdrawn", "appeal.escalated", "appeal.overdue", "appeal.letter.ready",
})
REVIEWER_EVENTS = frozenset({"appeal.assigned", "appeal.resumed", "appeal.countersign.returned",
                             "appeal.reminder"})


def _event_serial(appeal: Appeal) -> int:
    return appeal.timeline.count()


def enqueue(*, appeal: Appeal | None, recipient: Any, event: str, now: dt.datetime, key: str,
            context: dict[str, Any] | None = None) -> Notification | None:
    """Write one outbox row (idempotent by key) and ask Celery to deliver it after commit."""
    channel = appeal.contact_channel if appeal is not None and recipient.pk == appeal.appellant_id else "EMAIL"
    language = (appeal.contact_language if appeal is not None and recipient.pk == appeal.appellant_id
                else recipient.preferred_language) or "kk"
    note, created = Notification.objects.get_or_create(
        dedupe_key=key,
        defaults={"appeal": appeal, "recipient": recipient, "channel": channel, "language": language,
                  "event": event, "context": context or {}, "created_at": now},
    )
    if created:
        from ..tasks import deliver_notification

        transaction.on_commit(lambda: deliver_notification.delay(notification_id=note.pk))
        return note
    return None


def enqueue_for_appeal(*, appeal: Appeal, event: str, now: dt.datetime) -> list[Notification]:
    serial = _event_serial(appeal)
    context = {"reference": appeal.reference, "state": appeal.state,
               "due_date": appeal.due_date.isoformat() if appeal.due_date else None}
    out = []
    if event in APPELLANT_EVENTS:
        n = enqueue(appeal=appeal, recipient=appeal.appellant, event=event, now=now,
                    key=f"{event}:{appeal.pk}:{serial}:appellant", context=context)
        if n:
            out.append(n)
    if event in REVIEWER_EVENTS and appeal.reviewer_id:
        n = enqueue(appeal=appeal, recipient=appeal.reviewer, event=event, now=now,
                    key=f"{event}:{appeal.pk}:{serial}:reviewer", context=context)
        if n:
            out.append(n)
    return out
