"""The one SMS interface of the portal: a gateway sends one text, idempotent by its message id, and what the
provider says about each text is recorded on its SmsDelivery row.

Every sender calls `send(message=..., now=...)` (one-time codes from portal.accounts.services, appeal
notifications from appeals.services.channels): it sends with `settings.SMS_GATEWAY` and records the provider's
id. `settings.SMS_GATEWAY` is a class with `send(message: SMSMessage) -> str` that returns the provider's id:

- `HttpSMSGateway`, production: POSTs JSON {"message_id", "to", "text"} to SMS_HTTP_URL, signed (below), with
  separate connect and read timeouts. The message id doubles as the provider's idempotency key, so a second
  send of the same id (a retry after a worker died) must not deliver a second text.
- `ConsoleSMSGateway`, development: logs a masked number; with DEBUG on it also prints the text, so a developer
  can sign in without a phone. Refused under production settings (SMS_CONSOLE_ALLOWED = False): the system
  check `portal.E010` fails `manage.py check`, and `gateway()` raises ImproperlyConfigured.
- `LocmemSMSGateway`, tests: keeps the messages in memory.

Errors: RetryableSMSError (network errors, time-outs, 5xx, 429: try again later) and PermanentSMSError (4xx:
the provider will never accept it as it is).

Signature, both ways (requests to the provider and the provider's delivery-status callback `sms_status`,
POST /sms/status/, below):

    X-Timestamp: <unix seconds>
    X-Signature: sha256=<hex HMAC-SHA256(SMS_HTTP_SECRET, "<timestamp>." + body)>

A receiver recomputes the HMAC with hmac.compare_digest and refuses a timestamp more than
SMS_HTTP_SIGNATURE_MAX_AGE seconds away from its clock (a replayed request is refused once it is older).
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import ssl
import time
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.accounts.models import SmsDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
_PREFIX = "sha256="


@dataclasses.dataclass(frozen=True)
class SMSMessage:
    """One text to one number. `message_id` is ours, unique per message and stable across retries."""

    message_id: str
    to: str
    text: str


class SMSError(Exception):
    """The provider did not accept the message."""


class RetryableSMSError(SMSError):
    """The provider may accept the message later (network error, time-out, 5xx, 429)."""


class PermanentSMSError(SMSError):
    """The provider will never accept the message as it is (4xx)."""


class SMSGateway(Protocol):
    """Sends one message; idempotent by `message.message_id`; returns the provider's message id."""

    def send(self, message: SMSMessage) -> str: ...


def mask_phone(phone: str) -> str:
    """A phone number safe for logs: only its last two digits."""
    digits = [c for c in phone if c.isdigit()]
    return "*" * max(len(digits) - 2, 0) + "".join(digits[-2:])


class ConsoleSMSGateway:
    """Development only: logs that a text was sent to a masked number, never the text; prints the text with
    DEBUG on (the local demo). Refused in production (see the module docstring)."""

    def send(self, message: SMSMessage) -> str:
        logger.info("SMS sent to %s (%d characters)", mask_phone(message.to), len(message.text))
        if settings.DEBUG:
            # Local demo only (DEBUG), printed rather than logged.
            print(f"[demo SMS to {mask_phone(message.to)}] {message.text}")
        return f"console:{message.message_id}"


class LocmemSMSGateway:
    """Keeps messages in memory, for tests (like Django's locmem e-mail backend); idempotent by message id."""

    outbox: ClassVar[list[SMSMessage]] = []

    def send(self, message: SMSMessage) -> str:
        if all(m.message_id != message.message_id for m in self.outbox):
            self.outbox.append(message)
        return f"locmem:{message.message_id}"


# --- signatures ---------------------------------------------------------------------------------------------


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Signature value for this body and timestamp."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return _PREFIX + mac


def signed_headers(*, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }


def signature_is_valid(
    *, secret: str, timestamp: str | None, header: str | None, body: bytes, now: float | None = None
) -> bool:
    """True when the header is the HMAC of this body and timestamp, and the timestamp is recent."""
    if not secret or not timestamp or not header or not timestamp.isascii() or not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > settings.SMS_HTTP_SIGNATURE_MAX_AGE:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), header)


# --- the HTTP provider ---------------------------------------------------------------------------------------


class HttpSMSGateway:
    """A provider's HTTP API: one signed JSON POST per message to SMS_HTTP_URL.

    Answers: 2xx accepted (the JSON body's "id" is the provider's message id); 429 and 5xx
    RetryableSMSError; other 4xx (and 3xx: a misconfigured address) PermanentSMSError. Connection errors and
    time-outs (SMS_HTTP_CONNECT_TIMEOUT to connect, SMS_HTTP_TIMEOUT for each read) are retryable.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        secret: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self.url = url if url is not None else settings.SMS_HTTP_URL
        self.secret = secret if secret is not None else settings.SMS_HTTP_SECRET
        self.connect_timeout = (
            connect_timeout if connect_timeout is not None else settings.SMS_HTTP_CONNECT_TIMEOUT
        )
        self.read_timeout = read_timeout if read_timeout is not None else settings.SMS_HTTP_TIMEOUT
        if not self.url or not self.secret:
            raise ImproperlyConfigured("HttpSMSGateway needs SMS_HTTP_URL and SMS_HTTP_SECRET")
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http(s) address")
        self._parts = parts

    def _connection(self) -> http.client.HTTPConnection:
        host, port = self._parts.hostname or "", self._parts.port
        if self._parts.scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=self.connect_timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(host, port, timeout=self.connect_timeout)

    def send(self, message: SMSMessage) -> str:
        body = json.dumps(
            {"message_id": message.message_id, "to": message.to, "text": message.text},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.message_id,
            **signed_headers(secret=self.secret, body=body),
        }
        path = self._parts.path or "/"
        if self._parts.query:
            path += "?" + self._parts.query
        connection = self._connection()
        try:
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status, answer = response.status, response.read(64 * 1024)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, DNS, TLS, time-outs
            raise RetryableSMSError(f"{type(exc).__name__}") from exc
        finally:
            connection.close()
        if status == 429 or status >= 500:
            raise RetryableSMSError(f"provider answered {status}")
        if not 200 <= status < 300:
            raise PermanentSMSError(f"provider answered {status}")
        return _provider_id(answer)


def _provider_id(answer: bytes) -> str:
    try:
        data: Any = json.loads(answer or b"{}")
    except ValueError:
        return ""
    value = data.get("id") if isinstance(data, dict) else None
    return str(value)[:100] if value is not None else ""


# --- configuration -------------------------------------------------------------------------------------------

_DEVELOPMENT_GATEWAYS = (ConsoleSMSGateway, LocmemSMSGateway)


def _gateway_class() -> Any:
    return import_string(settings.SMS_GATEWAY)


def gateway() -> SMSGateway:
    """The configured gateway; ImproperlyConfigured for a development gateway where it is not allowed."""
    cls = _gateway_class()
    if not settings.SMS_CONSOLE_ALLOWED and isinstance(cls, type) and issubclass(cls, _DEVELOPMENT_GATEWAYS):
        raise ImproperlyConfigured(f"SMS_GATEWAY {settings.SMS_GATEWAY} is for development only")
    instance: SMSGateway = cls()
    return instance


def check_sms_gateway(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check: the SMS gateway loads; no console/in-memory gateway where SMS_CONSOLE_ALLOWED is off
    (production); the HTTP gateway has its address and secret."""
    try:
        cls = _gateway_class()
    except ImportError as exc:
        return [checks.Error(f"SMS_GATEWAY cannot be imported: {exc}", id="portal.E012")]
    if not settings.SMS_CONSOLE_ALLOWED and isinstance(cls, type) and issubclass(cls, _DEVELOPMENT_GATEWAYS):
        return [
            checks.Error(
                f"SMS_GATEWAY is {settings.SMS_GATEWAY}, which sends no SMS (development only).",
                hint="Set SMS_GATEWAY=portal.sms.HttpSMSGateway with SMS_HTTP_URL and SMS_HTTP_SECRET.",
                id="portal.E010",
            )
        ]
    if isinstance(cls, type) and issubclass(cls, HttpSMSGateway):
        if not settings.SMS_HTTP_URL or not settings.SMS_HTTP_SECRET:
            return [checks.Error("HttpSMSGateway needs SMS_HTTP_URL and SMS_HTTP_SECRET.", id="portal.E011")]
        parts = urlsplit(settings.SMS_HTTP_URL)
        loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if not settings.SMS_CONSOLE_ALLOWED and parts.scheme != "https" and not loopback:
            return [checks.Warning("SMS_HTTP_URL should be an https address.", id="portal.W010")]
    return []


# --- sending, and what the provider says about each text ------------------------------------------------------

FINAL = (SmsDelivery.Status.DELIVERED, SmsDelivery.Status.FAILED)


def send(*, message: SMSMessage, now: dt.datetime) -> str:
    """Send one text with the configured gateway and record the provider's id; returns it.

    At least once: a retry with the same message id must not deliver twice, which the provider guarantees by
    that id. Raises the gateway's RetryableSMSError / PermanentSMSError."""
    provider_id = gateway().send(message)
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
def status_record(
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


# --- the provider's delivery-status callback ---------------------------------------------------------------------

MAX_CALLBACK_BODY = 16 * 1024
_STATUSES = {"delivered": SmsDelivery.Status.DELIVERED, "failed": SmsDelivery.Status.FAILED}


def _problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """POST /sms/status/ {"message_id": "<ours>", "id": "<the provider's>", "status": "delivered" | "failed",
    "error": "..."}, signed as above.

    A machine endpoint, authenticated by its signature alone: CSRF-exempt (no browser, no cookie: the
    signature over the exact body is the proof), 403 without a valid and recent signature, 400 for a
    malformed body, 204 once recorded. Answers are JSON for machines and never translated.
    """
    body = request.body
    if len(body) > MAX_CALLBACK_BODY:
        return _problem(413, "body too large")
    if not signature_is_valid(
        secret=settings.SMS_HTTP_SECRET,
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        header=request.headers.get(SIGNATURE_HEADER),
        body=body,
    ):
        return _problem(403, "missing, wrong or expired signature")
    try:
        data: Any = json.loads(body)
    except ValueError:
        return _problem(400, "the body must be JSON")
    if not isinstance(data, dict):
        return _problem(400, "the body must be a JSON object")
    message_id, status = data.get("message_id"), data.get("status")
    provider_id, error = data.get("id", ""), data.get("error", "")
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 160:
        return _problem(400, "message_id must be a string of 1 to 160 characters")
    if status not in _STATUSES:
        return _problem(400, "status must be delivered or failed")
    if not isinstance(provider_id, str) or not isinstance(error, str):
        return _problem(400, "id and error must be strings")
    status_record(
        message_id=message_id,
        provider_id=provider_id,
        status=_STATUSES[status],
        detail=error,
        now=timezone.now(),
    )
    return HttpResponse(status=204)
