"""`appeal_take_next` skips every appeal its own independence rule would refuse, instead of failing on it."""

from appeals import permissions, queues
from appeals.services import core

from ..conftest import NOW
from .builders import filed


def test_a_reviewer_who_took_and_left_an_earlier_appeal_on_the_decision_is_given_another_appeal(world):
    reviewer = world.reviewers[0]
    decision = world.decision()
    first = filed(world, decision)
    assert core.appeal_take_next(reviewer=reviewer, now=NOW).pk == first.pk
    core.appeal_recuse(appeal_id=first.pk, reviewer=reviewer, reason="Workload", now=NOW)
    core.appeal_withdraw(appeal_id=first.pk, citizen=world.citizen, now=NOW)
    second = filed(world, decision)  # the same decision again: the reviewer is not independent of it
    other = filed(world)
    assert not permissions.is_independent_of(second, reviewer)

    assert queues.waiting_count(reviewer=reviewer) == (1, False)
    assert core.appeal_take_next(reviewer=reviewer, now=NOW).pk == other.pk


def test_the_queue_query_walks_the_take_next_index_instead_of_sorting(world, postgres):
    from django.db import connection, transaction

    filed(world)
    filed(world, interim_protection="KEEP_PAYMENTS")
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Tiny test tables would be scanned whole anyway; what matters is that the index can give the order.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        plan = core.take_next_queryset(world.reviewers[0])[:1].explain()
    assert "appeal_take_next_idx" in plan, plan
    assert "Sort" not in plan.split("appeal_take_next_idx")[0], plan


def test_take_next_claims_in_one_locking_query_that_skips_rows_held_by_others(world, postgres):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filed(world)
    with CaptureQueriesContext(connection) as queries:
        core.appeal_take_next(reviewer=world.reviewers[0], now=NOW)
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "appeals_appeal" in q["sql"]
    ]
    locking = [sql for sql in selects if "FOR UPDATE" in sql]
    assert len(locking) == 1, selects
    assert 'FOR UPDATE OF "appeals_appeal" SKIP LOCKED' in locking[0]
    # Claim, assignment, appeal, timeline, the event's serial, the notifications (checked and written in one
    # batch) and the audit chain's three statements: nothing per notification, no second independence check.
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 10, statements
