"""Celery tasks of the accounts app: ids in, one service call, idempotent (they may run twice)."""

from celery import Task, shared_task

from portal.outbox import RetryLater

from . import services
from .services import CODE_DELIVERY_RELAY, DELIVER_CODE, DELIVER_CODES


@shared_task(name=DELIVER_CODES, acks_late=True)
def deliver_codes(*, code_id: int) -> int:
    """Enqueue the delivery of every contact of one code (none for an unknown IIN); returns how many."""
    return services.code_deliveries_enqueue(code_id=code_id)


# The row, not Celery, counts attempts (portal/outbox.py), so the task needs no retry limit of its own.
@shared_task(name=DELIVER_CODE, bind=True, acks_late=True, max_retries=None)
def deliver_code(self: Task, *, delivery_id: int) -> str:
    """Send one code to one contact; after a transient failure, retry with the row's backoff."""
    try:
        return services.code_delivery_send(delivery_id=delivery_id)
    except RetryLater as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(name=CODE_DELIVERY_RELAY, acks_late=True)
def code_delivery_relay() -> int:
    return services.code_delivery_relay()
