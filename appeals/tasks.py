"""Celery tasks of the appeals app: ids in, one service call, idempotent.

Every task here may run twice (acks_late + reject_on_worker_lost redeliver a task whose worker died, and the
relays re-enqueue rows whose message may have been lost): the services make a second run harmless. Retries
use short countdowns only (well under the broker's visibility timeout); anything longer is a beat scan.

The services never import this module: they enqueue by the names in appeals/services/jobs.py.
"""

from celery import Task, shared_task

from .services import agency_outcomes, deadline_jobs, delivery, evidence, jobs, letters


# The row, not Celery, counts attempts: the service raises RetryLater only while attempts remain and marks the
# row FAILED after the last one, so the task needs no retry limit of its own.
@shared_task(name=jobs.DELIVER_NOTIFICATION, bind=True, acks_late=True, max_retries=None)
def deliver_notification(self: Task, *, notification_id: int) -> str:
    """Deliver one outbox row; after a transient failure, retry with the row's exponential backoff."""
    try:
        return delivery.notification_deliver(notification_id=notification_id)
    except delivery.RetryLater as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(name=jobs.NOTIFICATION_RELAY, acks_late=True)
def notification_relay() -> int:
    return delivery.notification_relay()


@shared_task(name=jobs.RENDER_LETTER, acks_late=True)
def render_letter(*, letter_id: int) -> str:
    return letters.letter_render_pending(letter_id=letter_id)


@shared_task(name=jobs.LETTER_RELAY, acks_late=True)
def letter_relay() -> int:
    return letters.letter_relay()


@shared_task(name=jobs.DEADLINE_SCAN, acks_late=True)
def deadline_scan() -> dict[str, int]:
    return deadline_jobs.deadline_scan()


@shared_task(name=jobs.DELIVER_OUTCOME_WEBHOOK, acks_late=True)
def deliver_outcome_webhook(*, delivery_id: int, claim_token: str | None = None) -> str:
    return agency_outcomes.webhook_deliver(delivery_id=delivery_id, claim_token=claim_token)


@shared_task(name=jobs.OUTCOME_WEBHOOK_SCAN, acks_late=True)
def outcome_webhook_scan() -> int:
    return agency_outcomes.webhook_scan()


@shared_task(name=jobs.EVIDENCE_SCAN, acks_late=True)
def evidence_scan() -> dict[str, int]:
    """Scan evidence held unchecked while clamd was unreachable (beat, every two minutes)."""
    return evidence.evidence_scan_held()
