"""Sending SMS through the one gateway (portal.sms) and recording what the provider says about each text.

`sms_send` is what every sender calls (one-time codes here, appeal notifications through their channel): it
sends with the configured gateway, idempotent by message id, and records the provider's id on the message's
SmsDelivery row. `sms_status_record` is the delivery-status callback's one write.
"""

import datetime as dt

from django.db import IntegrityError, transaction

from portal import sms

from .models import SmsDelivery

FINAL = (SmsDelivery.Status.DELIVERED, SmsDelivery.Status.FAILED)


def sms_send(*, message: sms.SMSMessage, now: dt.datetime) -> str:
    """Send one text (at least once: a retry with the same message id must not deliver twice, which the
    provider guarantees by that id) and record the provider's id; returns it. Raises the gateway's
    RetryableSMSError / PermanentSMSError."""
    provider_id = sms.gateway().send(message)
    _record_sent(message_id=message.message_id, provider_id=provider_id, now=now)
    return provider_id


@transaction.atomic
def _record_sent(*, message_id: str, provider_id: str, now: dt.datetime) -> None:
    row = SmsDelivery.objects.select_for_update().filter(message_id=message_id).first()
    if row is None:
        try:
            with transaction.atomic():
                SmsDelivery.objects.create(message_id=message_id, provider_id=provider_id[:100], sent_at=now)
            return
        except IntegrityError:  # the status callback got here first
            row = SmsDelivery.objects.select_for_update().get(message_id=message_id)
    row.provider_id = provider_id[:100] or row.provider_id
    row.sent_at = row.sent_at or now
    row.save(update_fields=["provider_id", "sent_at"])


@transaction.atomic
def sms_status_record(
    *, message_id: str, provider_id: str, status: str, detail: str, now: dt.datetime
) -> SmsDelivery:
    """Record a provider's DELIVERED or FAILED for one of our message ids (a row is made if the send is not
    recorded yet). A repeated callback changes nothing but the detail and time; ValueError for another
    status."""
    if status not in FINAL:
        raise ValueError("status must be DELIVERED or FAILED")
    row, _ = SmsDelivery.objects.select_for_update().get_or_create(
        message_id=message_id, defaults={"provider_id": provider_id[:100]}
    )
    row.status = status
    row.detail = detail[:200]
    row.status_at = now
    row.provider_id = row.provider_id or provider_id[:100]
    row.save(update_fields=["status", "detail", "status_at", "provider_id"])
    return row
