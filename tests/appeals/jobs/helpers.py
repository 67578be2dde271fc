"""Appeals taken through the real services to the states the job tests need."""

import datetime as dt
from typing import Any

from appeals.models import Appeal
from appeals.services import core
from appeals.states import Outcome

from ..conftest import NOW, World

GROUNDS = [
    {
        "kind": "DATA_WRONG",
        "why": "Мен көлікті 2024 жылы саттым (I sold the car in 2024)",
        "feature": "has_vehicle",
        "correct_value": "no",
    },
    {
        "kind": "CIRCUMSTANCES_MISSED",
        "why": "Я ухаживаю за матерью (I care for my mother)",
        "circumstance": "CARING",
    },
]


def filed(world: World, *, now: dt.datetime = NOW, **draft: Any) -> Appeal:
    appeal = core.appeal_start(decision=world.decision(), citizen=world.citizen, now=now)
    core.ground_set(appeal_id=appeal.pk, citizen=world.citizen, grounds=GROUNDS)
    if draft:
        core.appeal_update_draft(appeal_id=appeal.pk, citizen=world.citizen, **draft)
    return core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=now)


def assigned(world: World, *, reviewer: Any = None, now: dt.datetime = NOW, **draft: Any) -> Appeal:
    appeal = filed(world, now=now, **draft)
    return core.appeal_assign(
        appeal_id=appeal.pk, reviewer=reviewer or world.reviewers[0], supervisor=world.supervisor, now=now
    )


def decided(
    world: World,
    *,
    outcome: str = Outcome.OVERTURNED,
    reviewer: Any = None,
    now: dt.datetime = NOW,
    **draft: Any,
) -> Appeal:
    reviewer = reviewer or world.reviewers[0]
    appeal = assigned(world, reviewer=reviewer, now=now, **draft)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=now)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=now)
    new_outcome = "" if outcome == Outcome.DECISION_UPHELD else "SUPPORT"
    core.assessment_record(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        outcome=outcome,
        new_outcome=new_outcome,
        reasons="Регистр устарел: договор купли-продажи от 3 мая 2024 года. Тіркелім ескірген.",
        ground_findings=[
            {"ground": 1, "finding": "ACCEPTED", "reasons": "Sale contract provided / Шарт бар"},
            {"ground": 2, "finding": "REJECTED", "reasons": "Not relevant to the rules"},
        ],
        now=now,
    )
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=now)
    appeal = core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=outcome, new_outcome=new_outcome, now=now
    )
    if outcome == Outcome.DECISION_UPHELD:
        appeal = core.appeal_countersign(appeal_id=appeal.pk, signer=world.supervisor, agrees=True, now=now)
    return Appeal.objects.get(pk=appeal.pk)
