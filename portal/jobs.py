"""Enqueueing Celery tasks by name, for every app.

Why by name: an app's tasks.py imports the services it runs, so a service that imported tasks.py back would close
an import cycle. Services enqueue through `send` / `after_commit` with the task's name (declared once, beside the
app's services); tasks.py declares its tasks under those names, and the app's AppConfig.ready() imports tasks.py
so that every name is registered (run eagerly in tests and `make run`, routed to the broker otherwise) before
anything is enqueued.
"""

from functools import partial
from typing import Any

from django.db import transaction

from portal.celery import app


def send(name: str, **kwargs: Any) -> None:
    """Enqueue the task `name` now (a relay's publish step, already after its commit)."""
    app.signature(name, kwargs=kwargs).delay()


def after_commit(name: str, **kwargs: Any) -> None:
    """Enqueue the task `name` once the current transaction commits (never for a rolled-back row)."""
    transaction.on_commit(partial(send, name, **kwargs), robust=True)
