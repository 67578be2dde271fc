"""Which events notify whom: rows in the transactional outbox, written in the caller's transaction.

Delivery is Celery's job after commit (appeals/services/delivery.py: exactly once at the recipient, with a
relay for messages lost between commit and publish). Enqueuing the same event twice is a no-op (unique
dedupe_key, which is also the provider's idempotency key).

A transition into DECIDED also sets the outcome's own side effects in motion, in the same transaction: the
decision letter (appeals/services/letters.py) and the outcome record for the agency (agency_outcomes.py).
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record

from ..exceptions import InvalidInput, NotAllowed
from ..models import Appeal, Channel, Notification
from . import jobs
from .messages import APPELLANT, REVIEWER, SUPERVISOR

# event code → who hears of it
APPELLANT_EVENTS = frozenset(
    {
        "appeal.submitted",
        "appeal.assigned",
        "appeal.on_hold",
        "appeal.inadmissible",
        "appeal.review.decided",
        "appeal.countersigned",
        "appeal.withdrawn",
        "appeal.escalated",
        "appeal.overdue",
        "appeal.letter.ready",
        "appeal.outcome.carried_out",
    }
)
REVIEWER_EVENTS = frozenset(
    {"appeal.assigned", "appeal.resumed", "appeal.countersign.returned", "appeal.reminder"}
)
# The transitions after which an appeal is decided for good (the letter and the agency's outcome follow).
DECIDING_EVENTS = frozenset({"appeal.review.decided", "appeal.countersigned"})


def _event_serial(appeal: Appeal) -> int:
    return appeal.timeline.count()


def appeal_context(appeal: Appeal, **extra: Any) -> dict[str, Any]:
    """What a message about this appeal may say: ids and ISO dates only, never personal data."""
    return {
        "reference": appeal.reference,
        "state": appeal.state,
        "due_date": appeal.due_date.isoformat() if appeal.due_date else None,
        **extra,
    }


def _row(
    *,
    appeal: Appeal | None,
    recipient: Any,
    event: str,
    now: dt.datetime,
    key: str,
    context: dict[str, Any] | None,
) -> Notification:
    """The outbox row of one message, not saved. The appellant is written to on the channel and in the
    language they chose for the appeal (a text message falls back to e-mail when there is no phone number);
    staff by e-mail in their preferred language."""
    is_appellant = appeal is not None and recipient.pk == appeal.appellant_id
    channel = appeal.contact_channel if appeal is not None and is_appellant else Channel.EMAIL
    if channel == Channel.SMS and not recipient.phone:
        channel = Channel.EMAIL
    language = (
        appeal.contact_language if appeal is not None and is_appellant else recipient.preferred_language
    ) or "kk"
    return Notification(
        dedupe_key=key,
        appeal=appeal,
        recipient=recipient,
        channel=channel,
        language=language,
        event=event,
        context=context or {},
        created_at=now,
    )


def enqueue(
    *,
    appeal: Appeal | None,
    recipient: Any,
    event: str,
    now: dt.datetime,
    key: str,
    context: dict[str, Any] | None = None,
) -> Notification | None:
    """Write one outbox row (idempotent by key) and ask Celery to deliver it after commit."""
    row = _row(appeal=appeal, recipient=recipient, event=event, now=now, key=key, context=context)
    defaults = {f.name: getattr(row, f.name) for f in Notification._meta.concrete_fields if not f.primary_key}
    defaults.pop("dedupe_key")
    note, created = Notification.objects.get_or_create(dedupe_key=key, defaults=defaults)
    if not created:
        return None
    jobs.after_commit(jobs.DELIVER_NOTIFICATION, notification_id=note.pk)
    return note


def enqueue_for_appeal(*, appeal: Appeal, event: str, now: dt.datetime) -> list[Notification]:
    """The notifications of one transition (called by core._apply inside the transition's transaction, which
    holds the appeal's row lock: no other transaction can write this appeal's keys meanwhile, so the rows are
    checked in one query and written in one batch instead of a get_or_create each)."""
    wanted: list[Notification] = []
    serial: int | None = None
    audiences: list[tuple[str, Any]] = []
    if event in APPELLANT_EVENTS:
        audiences.append((APPELLANT, appeal.appellant))
    if event in REVIEWER_EVENTS and appeal.reviewer_id:
        audiences.append((REVIEWER, appeal.reviewer))
    for audience, recipient in audiences:
        serial = _event_serial(appeal) if serial is None else serial
        wanted.append(
            _row(
                appeal=appeal,
                recipient=recipient,
                event=event,
                now=now,
                key=f"{event}:{appeal.pk}:{serial}:{audience}",
                context=appeal_context(appeal, audience=audience),
            )
        )
    if not wanted:
        return []
    existing = set(
        Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in wanted]).values_list(
            "dedupe_key", flat=True
        )
    )
    created = Notification.objects.bulk_create([n for n in wanted if n.dedupe_key not in existing])
    for note in created:
        jobs.after_commit(jobs.DELIVER_NOTIFICATION, notification_id=note.pk)
    return created


def supervisors_context(appeal: Appeal) -> dict[str, Any]:
    return appeal_context(appeal, audience=SUPERVISOR)


@transaction.atomic(durable=True)
def contact_preferences_set(
    *, appeal_id: int, citizen: Any, channel: str, language: str, now: dt.datetime | None = None
) -> Appeal:
    """The appellant changes how and in which language we write to them about this appeal, at any stage.

    Messages still waiting to be sent (PENDING, not yet claimed by a worker) follow the new choice too.
    """
    now = now or timezone.now()
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None or appeal.appellant_id != getattr(citizen, "pk", None):
        raise NotAllowed("not this person's appeal")
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["contact_channel"] = "choose e-mail or text message"
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["contact_language"] = "choose Kazakh, Russian or English"
    if channel == Channel.SMS and not citizen.phone:
        errors["contact_channel"] = "add a mobile phone number to your account first"
    if errors:
        raise InvalidInput(errors)
    appeal.contact_channel = channel
    appeal.contact_language = language
    appeal.save(update_fields=["contact_channel", "contact_language"])
    Notification.objects.filter(
        appeal=appeal, recipient_id=appeal.appellant_id, state=Notification.State.PENDING, attempts=0
    ).update(channel=channel, language=language)
    audit_record(
        action="appeal.contact.changed",
        actor=citizen,
        object_type="appeal",
        object_id=appeal.pk,
        data={"channel": channel, "language": language},
        now=now,
    )
    return appeal
