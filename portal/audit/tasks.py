"""Periodic audit work: the daily checkpoint of the chain head, recorded and exported outside the database (so a
rewrite of history is detected), and a verification asked for from the oversight dashboard."""

from celery import shared_task

from .services import audit_checkpoint, checkpoint_dir


@shared_task(name="audit.checkpoint")
def audit_checkpoint_task() -> dict[str, object]:
    checkpoint = audit_checkpoint()
    return {"seq": checkpoint.seq, "hash": checkpoint.hash, "exported": checkpoint_dir() is not None}
