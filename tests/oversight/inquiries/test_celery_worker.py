"""The beat's task on a real Celery worker process over real Redis and this test's PostgreSQL database: the
task raises the alert once, however often it runs, and the worker delivers each ombudsman's notification."""

import time
from collections.abc import Callable
from typing import Any

import pytest

from appeals.models import Notification
from oversight.inquiries import services
from oversight.inquiries.models import Alert, AlertRule
from oversight.inquiries.tasks import alert_scan
from tests.appeals.conftest import World

from .conftest import Gen


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.usefixtures("postgres")
def test_the_alert_scan_task_on_a_worker_raises_once_and_notifies_each_ombudsman(
    celery_worker_process: Any,
) -> None:
    world = World()
    gen = Gen(world)
    gen.version("2.0", "2026-02-01T00:00:00+05:00")
    gen.decided(gen.decisions(25, version="2.0"), overturned=20)
    AlertRule.objects.exclude(code="version-overturn-rate").update(enabled=False)
    AlertRule.objects.filter(code="version-overturn-rate").update(period_months=None, min_count=20)

    alert_scan.delay()
    wait_for(lambda: Alert.objects.exists())
    alert_scan.delay()
    alert_scan.delay()
    wait_for(
        lambda: Notification.objects.filter(
            event=services.ALERT_EVENT, state=Notification.State.SENT
        ).exists()
    )
    time.sleep(2)  # let the repeated scans finish

    assert celery_worker_process.poll() is None
    alert = Alert.objects.get()
    assert alert.model_version.version == "2.0"
    notes = Notification.objects.filter(event=services.ALERT_EVENT)
    assert [(n.recipient_id, n.state) for n in notes] == [(world.ombudsman.pk, Notification.State.SENT)]
