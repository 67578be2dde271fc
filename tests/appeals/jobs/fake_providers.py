"""Fake delivery providers that keep the idempotency contract and record deliveries at the recipient's side.

The sink is a Redis hash set under one prefix (so a worker subprocess and the test see the same records):
  <prefix>:delivered   key → first accepted message (JSON)     — what recipients received, once per key
  <prefix>:calls       key → number of send calls with that key — retries after a worker died show as > 1
  <prefix>:bodies      key → set of body digests seen           — a re-send must carry the same message
Configured by FAKE_SINK_URL and FAKE_SINK_PREFIX; FAKE_SINK_DELAY_MS slows each call down (mostly after the
provider accepted), to widen the window in which a killed worker has sent but not marked.
"""

import hashlib
import json
import os
import time
from collections.abc import Sequence
from typing import Any

import redis
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from portal.sms import SMSMessage


class Sink:
    def __init__(self, url: str | None = None, prefix: str | None = None) -> None:
        self.url = url or os.environ["FAKE_SINK_URL"]
        self.prefix = prefix or os.environ["FAKE_SINK_PREFIX"]
        self.redis = redis.Redis.from_url(self.url)
        self.delay = float(os.environ.get("FAKE_SINK_DELAY_MS", "0")) / 1000

    def _k(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def deliver(self, *, key: str, channel: str, to: str, body: str) -> str:
        """Accept a message idempotently: the first call with a key delivers it, later ones nothing."""
        if self.delay:
            time.sleep(self.delay * 0.1)
        digest = hashlib.sha256(body.encode()).hexdigest()
        pipe = self.redis.pipeline()
        pipe.hincrby(self._k("calls"), key, 1)
        pipe.sadd(self._k(f"bodies:{key}"), digest)
        pipe.hsetnx(self._k("delivered"), key, json.dumps({"channel": channel, "to": to, "digest": digest}))
        pipe.execute()
        if self.delay:
            time.sleep(self.delay * 0.9)  # accepted, not yet answered: the window a killed worker leaves open
        return f"fake:{key}"

    def delivered(self) -> dict[str, dict[str, Any]]:
        return {k.decode(): json.loads(v) for k, v in self.redis.hgetall(self._k("delivered")).items()}

    def calls(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self._k("calls")).items()}

    def bodies(self, key: str) -> set[bytes]:
        return set(self.redis.smembers(self._k(f"bodies:{key}")))

    def clear(self) -> None:
        keys = list(self.redis.scan_iter(f"{self.prefix}:*"))
        if keys:
            self.redis.delete(*keys)


class RecordingSMSGateway:
    """An SMS gateway (portal.sms) that records at the recipient's side, idempotent by message id."""

    def send(self, message: SMSMessage) -> str:
        return Sink().deliver(key=message.message_id, channel="SMS", to=message.to, body=message.text)


class RecordingEmailBackend(BaseEmailBackend):
    """A mail backend whose gateway honours the Idempotency-Key header."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sink = Sink()
        for message in email_messages:
            key = message.extra_headers["Idempotency-Key"]
            sink.deliver(
                key=key, channel="EMAIL", to=message.to[0], body=f"{message.subject}\n{message.body}"
            )
        return len(email_messages)
