"""Delivering outbox rows: each row is sent at most once, under a row lock, and marked in the same step."""

from django.db import transaction
from django.utils import timezone

from ..models import Notification
from .channels import channel_for


def notification_deliver(*, notification_id: int) -> str:
    """Send one pending notification; a row already sent or locked by another worker is left alone."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "appeal")
            .filter(pk=notification_id, state=Notification.State.PENDING)
            .first()
        )
        if note is None:
            return "skipped"
        note.attempts += 1
        provider_id = channel_for(note.channel).send(note)
        note.state = Notification.State.SENT
        note.provider_id = provider_id
        note.sent_at = timezone.now()
        note.save(update_fields=["attempts", "state", "provider_id", "sent_at"])
    return "sent"
