"""The daily checkpoint runs on a real Celery worker over real Redis and lands in the test database."""

import time

from django.db import transaction

from portal.audit.models import AuditCheckpoint, AuditEvent
from portal.audit.services import audit_record
from portal.audit.tasks import audit_checkpoint_task


def test_a_real_worker_records_the_chain_head(celery_worker_process):
    with transaction.atomic():
        audit_record(action="test.event", actor="system")
    head = AuditEvent.objects.order_by("-seq").first()

    result = audit_checkpoint_task.delay()

    deadline = time.time() + 60
    while time.time() < deadline and not AuditCheckpoint.objects.exists():
        assert celery_worker_process.poll() is None, "the worker died"
        time.sleep(0.2)
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.hash) == (head.seq, head.hash)
    assert result.id
