"""Migration 0008 keeps every outcome row: DELIVERED becomes the outbox's SENT with its time in sent_at, and
back again on reverse."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .helpers import decided

BEFORE = [("appeals", "0007_evidence_scan_attempts")]
AFTER = [("appeals", "0008_outcome_delivery_outbox")]
AT = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_delivered_rows_survive_the_move_to_the_outbox_and_back(world):
    appeal = decided(world)  # decided through the services, with its outcome row
    old = _migrate(BEFORE)
    try:
        old.get_model("appeals", "OutcomeDelivery").objects.filter(appeal_id=appeal.pk).update(
            state="DELIVERED", delivered_at=AT
        )
        new = _migrate(AFTER)
        row = new.get_model("appeals", "OutcomeDelivery").objects.get(appeal_id=appeal.pk)
        assert (row.state, row.sent_at, row.provider_id, row.last_attempt_at) == ("SENT", AT, "", None)
        old = _migrate(BEFORE)
        row = old.get_model("appeals", "OutcomeDelivery").objects.get(appeal_id=appeal.pk)
        assert (row.state, row.delivered_at) == ("DELIVERED", AT)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
