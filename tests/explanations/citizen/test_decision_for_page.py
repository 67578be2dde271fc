"""`decision_for_page` is hand-written SQL on the hottest path: it must agree with the ORM's own answer."""

from typing import Any

import pytest
from django.db.models import Count, F, OuterRef, Subquery

from explanations.engine import ENGINE_VERSION
from explanations.models import DataFlag, Decision, StoredExplanation
from explanations.selectors import decision_for_page
from explanations.services.explain import explanation_get_or_compute
from explanations.services.flags import data_flag_record
from portal.accounts.models import User

from . import builders

pytestmark = pytest.mark.django_db


def orm_answer(reference: str) -> tuple[Any, ...] | None:
    stored = StoredExplanation.objects.filter(decision=OuterRef("pk"), engine_version=ENGINE_VERSION)
    flags = (
        DataFlag.objects.filter(decision=OuterRef("pk"))
        .values("decision")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        Decision.objects.filter(reference=reference)
        .annotate(
            successor_reference=F("superseded_by__reference"),
            explanation_sha256=Subquery(stored.values("sha256")[:1]),
            flag_count=Subquery(flags[:1]),
        )
        .values_list(
            "id", "reference", "subject_iin_hash", "successor_reference", "explanation_sha256", "flag_count"
        )
        .first()
    )
    return None if row is None else (*row[:5], row[5] or 0)


def sql_answer(reference: str) -> tuple[Any, ...] | None:
    d: Any = decision_for_page(reference)
    if d is None:
        return None
    return (d.id, d.reference, d.subject_iin_hash, d.successor_reference, d.explanation_sha256, d.flag_count)


def test_agrees_with_the_orm_through_a_decisions_life(person: tuple[User, str]) -> None:
    user, iin = person
    system = builders.system_for("scorecard")
    decision = builders.decide(system, iin=iin, kind="scorecard")
    ref = decision.reference

    fresh = sql_answer(ref)
    assert fresh == orm_answer(ref)
    assert fresh is not None and fresh[3:] == (None, None, 0)

    stored = explanation_get_or_compute(decision=decision)
    assert sql_answer(ref) == orm_answer(ref)
    assert sql_answer(ref)[4] == stored.sha256  # type: ignore[index]

    feature = next(iter(decision.inputs))
    data_flag_record(decision=decision, feature=feature, user=user, correct_value="1")
    data_flag_record(decision=decision, feature=feature, user=user, correct_value="2")
    assert sql_answer(ref) == orm_answer(ref)
    assert sql_answer(ref)[5] == DataFlag.objects.filter(decision=decision).count()  # type: ignore[index]

    successor = builders.decide(system, iin=iin, kind="scorecard", supersedes=decision.external_id)
    assert sql_answer(ref) == orm_answer(ref)
    assert sql_answer(ref)[3] == successor.reference  # type: ignore[index]

    # The instance behaves like .only(): other fields load on access.
    page_decision = decision_for_page(ref)
    assert page_decision is not None and page_decision.inputs == decision.inputs


def test_unknown_and_malformed_references_find_nothing(person: tuple[User, str]) -> None:
    assert decision_for_page("not a reference") is None
    system = builders.system_for("scorecard")
    decision = builders.decide(system, iin=person[1], kind="scorecard")
    other = decision.reference[:-1] + ("A" if decision.reference[-1] != "A" else "B")
    assert decision_for_page(other) is None
