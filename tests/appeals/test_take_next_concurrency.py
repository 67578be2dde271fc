"""On PostgreSQL, 20 reviewers taking "next" at once over 500 appeals: each appeal is assigned exactly once."""

import threading
from collections import Counter

import pytest
from django.db import connection

from appeals.exceptions import NothingToTake
from appeals.models import Appeal, Ground, TimelineEvent
from appeals.services import core
from appeals.states import State
from portal.accounts.models import Role

from .conftest import NOW, World, make_user

APPEALS = 500
REVIEWERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_reviewers_never_take_the_same_appeal(postgres):
    world = World()
    reviewers = [make_user(f"r{i}", Role.REVIEWER, world.body) for i in range(REVIEWERS)]
    decisions = world.decisions(APPEALS)
    for decision in decisions:
        appeal = core.appeal_start(decision=decision, citizen=world.citizen, now=NOW)
        Ground.objects.create(appeal=appeal, position=1, kind="OTHER", why="wrong")
        core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(REVIEWERS)

    def work(reviewer) -> None:
        try:
            start.wait()
            while True:
                try:
                    appeal = core.appeal_take_next(reviewer=reviewer, now=NOW)
                except NothingToTake:
                    return
                with lock:
                    taken.append(appeal.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)

    assert not errors, errors[:3]
    assert len(taken) == APPEALS and len(set(taken)) == APPEALS
    assigned_events = Counter(
        TimelineEvent.objects.filter(code="appeal.assigned").values_list("appeal_id", flat=True)
    )
    assert set(assigned_events.values()) == {1}
    assert Appeal.objects.filter(state=State.ASSIGNED).count() == APPEALS
    per_reviewer = Counter(Appeal.objects.values_list("reviewer_id", flat=True))
    assert len(per_reviewer) > 1, "the work should spread over several reviewers"
