"""Idempotency-Key handling for agency writes.

The same key with the same body returns the first (successful) answer; with a different body, 422; while the
first request still runs, 409. A request that fails (4xx or crash) releases its key, so that a corrected
request may reuse it and a rejected request leaves nothing behind. A request that died without releasing
its key (a killed server) is taken over after IDEMPOTENCY_STALE_SECONDS.
"""

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organisation
from portal.exceptions import Conflict, Problem, ValidationFailed

from ..models import IdempotencyRecord, IdempotencyState

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _claim(
    organisation: Organisation, key: str, fingerprint: str, now: dt.datetime
) -> IdempotencyRecord | None:
    """Claim the key for this request (returns None), or return the record of an earlier request."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                organisation=organisation,
                key=key,
                request_hash=fingerprint,
                state=IdempotencyState.IN_PROGRESS,
                created_at=now,
            )
            return None
    except IntegrityError:
        pass
    with transaction.atomic():
        record = (
            IdempotencyRecord.objects.select_for_update().filter(organisation=organisation, key=key).first()
        )
        if record is None:  # released between our insert and this read: try once more
            IdempotencyRecord.objects.create(
                organisation=organisation,
                key=key,
                request_hash=fingerprint,
                state=IdempotencyState.IN_PROGRESS,
                created_at=now,
            )
            return None
        stale = now - record.created_at > dt.timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS)
        if record.state == IdempotencyState.IN_PROGRESS and stale and record.request_hash == fingerprint:
            record.created_at = now
            record.save(update_fields=["created_at"])
            return None
        return record


def run_idempotent(
    *,
    organisation: Organisation,
    key: str | None,
    fingerprint: str,
    handler: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run handler at most once per (agency, key). Returns (status, body, replayed)."""
    if key is None:
        status, body = handler()
        return status, body, False
    if not _KEY.match(key):
        raise ValidationFailed([Problem("Idempotency-Key", _("must be 1 to 200 visible ASCII characters"))])
    now = timezone.now()
    earlier = _claim(organisation, key, fingerprint, now)
    if earlier is not None:
        if earlier.request_hash != fingerprint:
            raise ValidationFailed(
                [Problem("Idempotency-Key", _("this key was already used with a different request body"))],
                code="idempotency_key_reused",
            )
        if earlier.state == IdempotencyState.IN_PROGRESS:
            raise Conflict(_("A request with this Idempotency-Key is still being processed; retry later."))
        return earlier.response_status or 200, earlier.response_body, True
    try:
        status, body = handler()
    except BaseException:
        IdempotencyRecord.objects.filter(organisation=organisation, key=key).delete()
        raise
    IdempotencyRecord.objects.filter(organisation=organisation, key=key).update(
        state=IdempotencyState.DONE, response_status=status, response_body=body
    )
    return status, body, False
