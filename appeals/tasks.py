"""Celery tasks of the appeals app: ids in, one service call, idempotent.

Every task here may run twice (acks_late + reject_on_worker_lost redeliver a task whose worker died, and the
relays re-enqueue rows whose message may have been lost): the services make a second run harmless. Retries
use short countdowns only (well under the broker's visibility timeout); anything longer is a beat scan.
"""

from celery import Task, shared_task


# The row, not Celery, counts attempts: the service raises RetryLater only while attempts remain and marks the
# row FAILED after the last one, so the task needs no retry limit of its own.
@shared_task(name="appeals.deliver_notification", bind=True, acks_late=True, max_retries=None)
def deliver_notification(self: Task, *, notification_id: int) -> str:
    """Deliver one outbox row; after a transient failure, retry with the row's exponential backoff."""
    from .services.delivery import RetryLater, notification_deliver

    try:
        return notification_deliver(notification_id=notification_id)
    except RetryLater as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(name="appeals.notification_relay", acks_late=True)
def notification_relay() -> int:
    from .services.delivery import notification_relay as relay

    return relay()


@shared_task(name="appeals.render_letter", acks_late=True)
def render_letter(*, letter_id: int) -> str:
    from .services.letters import letter_render_pending

    return letter_render_pending(letter_id=letter_id)


@shared_task(name="appeals.letter_relay", acks_late=True)
def letter_relay() -> int:
    from .services.letters import letter_relay as relay

    return relay()


@shared_task(name="appeals.deadline_scan", acks_late=True)
def deadline_scan() -> dict[str, int]:
    from .services.deadline_jobs import deadline_scan as scan

    return scan()


@shared_task(name="appeals.deliver_outcome_webhook", acks_late=True)
def deliver_outcome_webhook(*, delivery_id: int, claim_token: str | None = None) -> str:
    from .services.agency_outcomes import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id, claim_token=claim_token)


@shared_task(name="appeals.outcome_webhook_scan", acks_late=True)
def outcome_webhook_scan() -> int:
    from .services.agency_outcomes import webhook_scan

    return webhook_scan()


@shared_task(name="appeals.evidence_scan", acks_late=True)
def evidence_scan() -> dict[str, int]:
    """Scan evidence held unchecked while clamd was unreachable (beat, every two minutes)."""
    from .services.evidence import evidence_scan_held

    return evidence_scan_held()
