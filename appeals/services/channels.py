"""Delivery channels behind one interface: a provider that sends one message and is idempotent by its key.

The contract every provider keeps (the real e-mail and SMS gateways of Kazakhstan's operators offer it as an
idempotency key or client message id): `send(message)` with a key the provider has already accepted delivers
nothing new and answers as the first call did. The key is the outbox row's dedupe key, so a worker that dies
after the provider accepted a message and before the row was marked SENT can safely send it again.

E-mail goes through Django's mail backend (settings.EMAIL_BACKEND), with the key as the Message-ID and an
Idempotency-Key header: a gateway backend honours the header; plain SMTP cannot, and then the stable
Message-ID is what lets mail systems and clients fold a duplicate. SMS goes through the portal's one SMS
gateway (portal/sms.py, settings.SMS_GATEWAY), with the key as its message id.

Errors: TransientDeliveryError (try again later: time-outs, refused connections, 4xx SMTP replies, throttling)
and PermanentDeliveryError (will never succeed: no address, recipient refused).
"""

import logging
import smtplib
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import EmailMessage
from django.utils import timezone

from portal import sms

from ..models import Channel, Notification
from .messages import render_message

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A provider did not accept the message."""


class TransientDeliveryError(DeliveryError):
    """The provider may accept the message later: retry with backoff."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as addressed: do not retry."""


@dataclass(frozen=True)
class OutboundMessage:
    idempotency_key: str
    channel: str
    to: str
    language: str
    subject: str
    body: str


class Provider(Protocol):
    """Sends one message; idempotent by `message.idempotency_key`; returns the provider's message id."""

    def send(self, message: OutboundMessage) -> str: ...


def message_id_for(key: str) -> str:
    return f"<{key.replace(':', '.')}@appeals.portal>"


class EmailProvider:
    """E-mail through Django's mail backend, one connection per message (a worker sends one row at a time)."""

    def send(self, message: OutboundMessage) -> str:
        message_id = message_id_for(message.idempotency_key)
        email = EmailMessage(
            message.subject,
            message.body,
            to=[message.to],
            headers={
                "Message-ID": message_id,
                "Idempotency-Key": message.idempotency_key,
                "Content-Language": message.language,
            },
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(f"recipient refused: {exc.recipients!r}"[:250]) from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientDeliveryError(f"SMTP {exc.smtp_code}") from exc
            raise PermanentDeliveryError(f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers time-outs and refused connections
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}"[:250]) from exc
        return message_id


class SMSProvider:
    """SMS through the portal's one SMS gateway (portal.sms, settings.SMS_GATEWAY), keyed by the row's dedupe
    key as the message id; the provider's answer is recorded by portal.sms too."""

    def send(self, message: OutboundMessage) -> str:
        text = sms.SMSMessage(message_id=message.idempotency_key, to=message.to, text=message.body)
        try:
            return sms.send(message=text, now=timezone.now())
        except sms.PermanentSMSError as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        except sms.SMSError as exc:
            raise TransientDeliveryError(str(exc)) from exc


def provider_for(channel: str) -> Provider:
    if channel == Channel.SMS:
        return SMSProvider()
    return EmailProvider()


def outbound_message(note: Notification) -> OutboundMessage:
    """The message one outbox row stands for, addressed by its channel; PermanentDeliveryError when the
    recipient has no address on that channel."""
    rendered = render_message(note)
    if note.channel == Channel.SMS:
        to, body = note.recipient.phone, rendered.sms
    else:
        to, body = note.recipient.email, rendered.body
    if not to:
        raise PermanentDeliveryError(f"the recipient has no address for {note.channel}")
    return OutboundMessage(
        idempotency_key=note.dedupe_key,
        channel=note.channel,
        to=to,
        language=note.language,
        subject=rendered.subject,
        body=body,
    )
