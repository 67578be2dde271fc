"""Writing to and verifying the audit chain.

`audit_record` must run inside the transaction of the change it records, so that both commit or neither does.
Appends are serialised with a transaction-scoped advisory lock on PostgreSQL (SQLite serialises writers itself).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x41554449  # "AUDI": one chain, one lock


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    seq: int,
    prev_hash: str,
    created_at: dt.datetime,
    action: str,
    actor: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
) -> str:
    payload = {
        "seq": seq,
        "prev_hash": prev_hash,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "action": action,
        "actor": actor,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def actor_label(user: Any) -> str:
    """How an actor is named in the chain: never an IIN, only roles and internal ids."""
    if user is None:
        return "system"
    if isinstance(user, str):
        return user
    role = getattr(user, "role", "user")
    return f"{role.lower()}:{user.pk}"


def audit_record(
    *,
    action: str,
    actor: Any,
    object_type: str = "",
    object_id: Any = "",
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain in the current transaction (which must exist)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    created_at = (now or timezone.now()).astimezone(dt.UTC)
    # Round-trip through JSON so what is hashed is exactly what the JSON column gives back.
    clean = json.loads(canonical_json(data or {}))
    fields = {
        "seq": seq,
        "prev_hash": prev,
        "created_at": created_at,
        "action": action,
        "actor": actor_label(actor),
        "object_type": object_type,
        "object_id": str(object_id),
        "data": clean,
    }
    return AuditEvent.objects.create(hash=event_hash(**fields), **fields)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)


def audit_verify() -> VerifyResult:
    """Recompute every hash in order; report the first event whose content, link or position is wrong,
    and whether the chain still agrees with every exported checkpoint."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    seen: dict[int, str] = {}
    checkpoints = dict(AuditCheckpoint.objects.values_list("seq", "hash"))
    for event in _events():
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "link to the previous event does not match")
        recomputed = event_hash(
            seq=event.seq,
            prev_hash=event.prev_hash,
            created_at=event.created_at,
            action=event.action,
            actor=event.actor,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
        )
        if recomputed != event.hash:
            return VerifyResult(False, checked, event.seq, "content does not match its hash")
        if event.seq in checkpoints:
            seen[event.seq] = event.hash
        prev = event.hash
        expected_seq += 1
        checked += 1
    for seq, hash_ in checkpoints.items():
        if seen.get(seq) != hash_:
            return VerifyResult(False, checked, seq, "history differs from an exported checkpoint")
    return VerifyResult(True, checked, None, "", expected_seq - 1, prev)


@transaction.atomic
def audit_checkpoint(*, now: dt.datetime | None = None) -> AuditCheckpoint:
    """Record the current head of the chain (exported daily so a rewrite of history is detected)."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)
    return AuditCheckpoint.objects.create(created_at=now or timezone.now(), seq=head[0], hash=head[1])
