"""The appeals app's Celery tasks, named once and enqueued by name.

Why by name: appeals/tasks.py imports the services it runs, so a service that imported the tasks module back
would close an import cycle. The services enqueue through `send` / `after_commit` here, appeals/tasks.py
declares its tasks under these names, and appeals/apps.py imports the tasks module at start-up so that every
name is registered (eager in tests, routed to the broker otherwise) before anything is enqueued.
"""

from functools import partial
from typing import Any

from django.db import transaction

from portal.celery import app

DELIVER_NOTIFICATION = "appeals.deliver_notification"
NOTIFICATION_RELAY = "appeals.notification_relay"
RENDER_LETTER = "appeals.render_letter"
LETTER_RELAY = "appeals.letter_relay"
DEADLINE_SCAN = "appeals.deadline_scan"
DELIVER_OUTCOME_WEBHOOK = "appeals.deliver_outcome_webhook"
OUTCOME_WEBHOOK_SCAN = "appeals.outcome_webhook_scan"
EVIDENCE_SCAN = "appeals.evidence_scan"


def send(name: str, **kwargs: Any) -> None:
    """Enqueue the task `name` now (a relay's publish step, already after its commit)."""
    app.signature(name, kwargs=kwargs).delay()


def after_commit(name: str, **kwargs: Any) -> None:
    """Enqueue the task `name` once the current transaction commits (never for a rolled-back row)."""
    transaction.on_commit(partial(send, name, **kwargs), robust=True)
