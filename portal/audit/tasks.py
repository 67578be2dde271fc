"""Periodic audit work: the daily checkpoint of the chain head (exported, so a rewrite is detected)."""

from celery import shared_task

from .services import audit_checkpoint


@shared_task(name="audit.checkpoint")
def audit_checkpoint_task() -> dict[str, object]:
    checkpoint = audit_checkpoint()
    return {"seq": checkpoint.seq, "hash": checkpoint.hash}
