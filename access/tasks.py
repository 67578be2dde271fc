"""Celery tasks of access transparency: keyword arguments, ids only, one service call each."""

from celery import shared_task

from .verification import chain_verification_run


@shared_task(name="access.chain_verify")
def chain_verify_task(*, verification_id: int) -> dict[str, object]:
    verification = chain_verification_run(verification_id=verification_id)
    return {"id": verification.pk, "status": verification.status, "checked": verification.checked}
