"""Writing to and verifying the audit chain.

`audit_record` must run inside the transaction of the change it records, so that both commit or neither does.
Appends are serialised with a transaction-scoped advisory lock on PostgreSQL (SQLite serialises writers itself).
"""

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
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
    exported_checkpoints: int = 0


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)


def audit_verify() -> VerifyResult:
    """Recompute every hash in order; report the first event whose content, link or position is wrong,
    and whether the chain still agrees with every checkpoint, those in the database and those exported to
    the checkpoint file outside it (a rewrite that also rewrote the database's checkpoints still fails there)."""
    try:
        exported = exported_checkpoints()
    except CheckpointFileError as exc:
        return VerifyResult(False, 0, None, str(exc))
    prev = GENESIS
    expected_seq = 1
    checked = 0
    seen: dict[int, str] = {0: GENESIS}
    checkpoints = set(AuditCheckpoint.objects.values_list("seq", "hash"))
    wanted = {seq for seq, _ in checkpoints} | {c.seq for c in exported}
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
        if event.seq in wanted:
            seen[event.seq] = event.hash
        prev = event.hash
        expected_seq += 1
        checked += 1
    for seq, hash_ in sorted(checkpoints):
        if seen.get(seq) != hash_:
            return VerifyResult(False, checked, seq, "history differs from an exported checkpoint")
    for point in exported:
        if seen.get(point.seq) != point.hash:
            return VerifyResult(
                False,
                checked,
                point.seq,
                "history differs from the checkpoint file kept outside the database",
            )
    return VerifyResult(True, checked, None, "", expected_seq - 1, prev, len(exported))


# --- checkpoints exported outside the database ----------------------------------------------------------------
#
# Each daily checkpoint is also appended, as one JSON line signed with HMAC-SHA256, to a file under
# AUDIT_CHECKPOINT_DIR (a directory the database cannot reach: another volume, a WORM bucket mount, a log
# shipper's input). Someone who can rewrite the database, events and checkpoints alike, cannot rewrite the file
# without the key; the verifier compares the chain with every line. An empty AUDIT_CHECKPOINT_DIR turns the
# export off (the database checkpoint is still recorded).

CHECKPOINT_FILE = "audit-checkpoints.jsonl"


class CheckpointFileError(Exception):
    """The checkpoint file exists but a line is malformed or not signed with the portal's key."""


@dataclass(frozen=True)
class ExportedCheckpoint:
    created_at: str
    seq: int
    hash: str


def checkpoint_dir() -> Path | None:
    """Where checkpoints are exported: settings.AUDIT_CHECKPOINT_DIR, else the environment variable of that
    name; None (export off) when both are empty."""
    raw = getattr(settings, "AUDIT_CHECKPOINT_DIR", None)
    if raw is None:
        raw = os.environ.get("AUDIT_CHECKPOINT_DIR", "")
    return Path(raw) if str(raw).strip() else None


def _signing_key() -> bytes:
    secret = str(getattr(settings, "AUDIT_CHECKPOINT_KEY", "") or settings.SECRET_KEY)
    return hashlib.sha256(b"audit-checkpoint:" + secret.encode()).digest()


def _sign(body: dict[str, Any]) -> str:
    return hmac.new(_signing_key(), canonical_json(body).encode(), hashlib.sha256).hexdigest()


def checkpoint_line(*, created_at: dt.datetime, seq: int, hash_: str) -> str:
    body = {
        "v": 1,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "seq": seq,
        "hash": hash_,
    }
    return canonical_json({**body, "sig": _sign(body)})


def checkpoint_export(*, created_at: dt.datetime, seq: int, hash_: str) -> Path | None:
    """Append one signed line to the checkpoint file, flushed to disk; None when the export is off."""
    folder = checkpoint_dir()
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHECKPOINT_FILE
    with path.open("a", encoding="utf-8") as handle:
        handle.write(checkpoint_line(created_at=created_at, seq=seq, hash_=hash_) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def exported_checkpoints() -> list[ExportedCheckpoint]:
    """Every line of the checkpoint file, each checked against its signature; [] when there is no file."""
    folder = checkpoint_dir()
    if folder is None or not (folder / CHECKPOINT_FILE).exists():
        return []
    points = []
    with (folder / CHECKPOINT_FILE).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                body = {k: record[k] for k in ("v", "created_at", "seq", "hash")}
                signed = hmac.compare_digest(str(record["sig"]), _sign(body))
            except (ValueError, KeyError, TypeError) as exc:
                raise CheckpointFileError(f"line {number} of the checkpoint file is malformed") from exc
            if not signed or not isinstance(body["seq"], int):
                raise CheckpointFileError(f"line {number} of the checkpoint file is not signed by the portal")
            points.append(ExportedCheckpoint(str(body["created_at"]), body["seq"], str(body["hash"])))
    return points


@transaction.atomic
def audit_checkpoint(*, now: dt.datetime | None = None) -> AuditCheckpoint:
    """Record the current head of the chain, and export it outside the database (see checkpoint_export): a later
    rewrite of history no longer matches it. If the export fails, nothing is recorded (the task fails)."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)
    created_at = now or timezone.now()
    checkpoint = AuditCheckpoint.objects.create(created_at=created_at, seq=head[0], hash=head[1])
    checkpoint_export(created_at=created_at, seq=head[0], hash_=head[1])
    return checkpoint
