"""Running a requested verification of the audit chain (the Celery task access.chain_verify calls it; the request
itself is access.services.chain_verification_request)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record, audit_verify

from .models import ChainVerification


def chain_verification_run(*, verification_id: int, now: dt.datetime | None = None) -> ChainVerification:
    """Run one requested verification and store its result. Idempotent: a finished one is returned as it is.

    The chain is read outside any transaction (it may be long); the result is written in a short one."""
    verification = ChainVerification.objects.get(pk=verification_id)
    if verification.status != ChainVerification.Status.RUNNING:
        return verification
    try:
        result = audit_verify()
    except Exception:
        with transaction.atomic():
            ChainVerification.objects.filter(pk=verification_id, status="RUNNING").update(
                status=ChainVerification.Status.FAILED,
                finished_at=now or timezone.now(),
                reason="verification failed",
            )
        raise
    with transaction.atomic():
        verification = ChainVerification.objects.select_for_update().get(pk=verification_id)
        if verification.status != ChainVerification.Status.RUNNING:
            return verification
        verification.status = (
            ChainVerification.Status.INTACT if result.ok else ChainVerification.Status.BROKEN
        )
        verification.finished_at = now or timezone.now()
        verification.checked = result.checked
        verification.first_broken_seq = result.first_broken_seq
        verification.reason = result.reason[:300]
        verification.head_seq = result.head_seq if result.ok else None
        verification.head_hash = result.head_hash if result.ok else ""
        verification.exported_checkpoints = result.exported_checkpoints
        verification.save()
        audit_record(
            action="audit.verification.finished",
            actor="system",
            object_type="chain_verification",
            object_id=verification.pk,
            data={
                "ok": result.ok,
                "checked": result.checked,
                "first_broken_seq": result.first_broken_seq,
                "reason": result.reason,
            },
            now=verification.finished_at,
        )
    return verification
