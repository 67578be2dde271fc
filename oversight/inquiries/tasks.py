"""Celery tasks of alerts: ids in, one service call, idempotent (a second run raises nothing new)."""

from celery import shared_task

from .services import alert_scan as scan


@shared_task(name="inquiries.alert_scan", acks_late=True)
def alert_scan() -> dict[str, int]:
    """Beat, every 15 minutes: evaluate the enabled alert rules, raise and notify new alerts. Skips (``skipped``
    is 1) while another scan runs: the next beat catches up."""
    return scan().as_dict()
