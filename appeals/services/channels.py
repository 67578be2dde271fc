"""Delivery channels behind one interface: e-mail through Django's mail backend, SMS through a gateway class.

Each send carries the outbox row's dedupe key as an idempotency key (Message-ID for e-mail), so a gateway that
honours it never delivers the same notification twice even if a worker dies between sending and marking.
"""

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.module_loading import import_string

from ..models import Notification
from .messages import render_message


class Channel(Protocol):
    def send(self, note: Notification) -> str: ...


class EmailChannel:
    def send(self, note: Notification) -> str:
        with translation.override(note.language):
            subject, body = render_message(note)
        message_id = f"<{note.dedupe_key.replace(':', '.')}@appeals.portal>"
        EmailMessage(subject, body, to=[note.recipient.email], headers={"Message-ID": message_id}).send()
        return message_id


class ConsoleSMSGateway:
    """Development gateway: prints the message (never used with production settings)."""

    def send(self, note: Notification) -> str:
        with translation.override(note.language):
            _, body = render_message(note)
        print(f"SMS to …{note.recipient.phone[-4:]}: {body}")  # noqa: T201
        return f"console:{note.dedupe_key}"


def channel_for(name: str) -> Channel:
    if name == "SMS":
        return import_string(getattr(settings, "SMS_GATEWAY", "appeals.services.channels.ConsoleSMSGateway"))()
    return EmailChannel()
