"""Celery tasks of the appeals app: ids in, one service call, idempotent."""

from celery import shared_task


@shared_task(name="appeals.deliver_notification", acks_late=True, max_retries=8)
def deliver_notification(*, notification_id: int) -> str:
    from .services.delivery import notification_deliver

    return notification_deliver(notification_id=notification_id)
