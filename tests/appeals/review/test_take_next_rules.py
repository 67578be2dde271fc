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
    sql = core._queue_sql().replace("LIMIT 1", "LIMIT 1 FOR UPDATE OF a SKIP LOCKED")
    with transaction.atomic(), connection.cursor() as cursor:
        # Tiny test tables would be scanned whole anyway; what matters is that the index can give the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, {"reviewer": world.reviewers[0].pk})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "appeal_take_next_idx" in plan, plan
    assert "Sort" not in plan.split("appeal_take_next_idx")[0], plan
