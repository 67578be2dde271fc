"""Generated data for the alert checks: decisions through the ingest service, appeals at their end state.

Appeals are written as rows in the state a finished review leaves them (the statistics read only the rows);
driving hundreds of them through every review step would test the review desk again, not the alerts.
"""

import datetime as dt
import importlib
import math
from typing import Any

import pytest

from appeals.models import Appeal
from appeals.states import Outcome, State
from explanations.models import Decision, ModelVersion
from explanations.services.ingest import decisions_ingest
from explanations.services.model_versions import model_version_register
from oversight.inquiries.models import AlertRule
from portal.accounts.models import OrganisationKind, Role, User
from portal.identifiers import new_reference
from tests import factories
from tests.appeals.conftest import NOW, World, make_user

__all__ = ["NOW", "Gen", "World", "only_rule", "seed_default_rules", "wilson_low"]

Z = 1.959963984540054


def wilson_low(k: int, n: int) -> float:
    """The Wilson score interval's lower bound, written out independently of the code under test."""
    p = k / n
    return (p + Z * Z / (2 * n) - Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))) / (1 + Z * Z / n)


def only_rule(code: str, **changes: Any) -> AlertRule:
    """Switch every seeded rule off but `code`, with `changes` applied to it."""
    AlertRule.objects.exclude(code=code).update(enabled=False)
    rule = AlertRule.objects.get(code=code)
    for key, value in changes.items():
        setattr(rule, key, value)
    rule.enabled = True
    rule.save()
    return rule


class Gen:
    """Decisions and decided appeals for one World's system."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.n = 10_000

    def version(self, version: str, released: str) -> ModelVersion:
        created, _ = model_version_register(
            organisation=self.world.agency,
            system_code=self.world.system.code,
            payload=factories.version_payload(version, released_at=released),
            actor="test",
        )
        return created

    def decisions(self, count: int, *, version: str = "1.0", **record: Any) -> list[Decision]:
        records = []
        for _ in range(count):
            self.n += 1
            records.append(factories.decision_record(self.n, version=version, **record))
        result = decisions_ingest(
            organisation=self.world.agency, system_code=self.world.system.code, records=records, actor="test"
        )
        refs = [c["reference"] for c in result.created]
        return list(Decision.objects.filter(reference__in=refs).order_by("id"))

    def appeal(
        self,
        decision: Decision,
        outcome: str = "",
        *,
        state: str = State.DECIDED,
        submitted_at: dt.datetime | None = None,
        decided_at: dt.datetime | None = None,
        due_date: dt.date | None = None,
    ) -> Appeal:
        submitted_at = submitted_at or decision.decided_at + dt.timedelta(days=2)
        if outcome and decided_at is None:
            decided_at = submitted_at + dt.timedelta(days=10)
        return Appeal.objects.create(
            reference=new_reference(),
            decision=decision,
            appellant=self.world.citizen,
            state=state,
            created_at=submitted_at,
            submitted_at=submitted_at,
            due_date=due_date or (submitted_at + dt.timedelta(days=28)).date(),
            outcome=outcome,
            decided_at=decided_at if outcome else None,
            review_body=self.world.body,
        )

    def decided(self, decisions: list[Decision], overturned: int) -> None:
        """The first `overturned` decisions' appeals overturned, the rest upheld."""
        for i, decision in enumerate(decisions):
            self.appeal(decision, Outcome.OVERTURNED if i < overturned else Outcome.DECISION_UPHELD)


def seed_default_rules() -> None:
    """The default rules, as the data migration writes them. A transactional test elsewhere in the session
    flushes every table, migration data included, so tests put them back rather than rely on them."""
    from django.apps import apps

    importlib.import_module("oversight.inquiries.migrations.0002_default_alert_rules").seed(apps, None)


@pytest.fixture(autouse=True)
def _default_rules(request: pytest.FixtureRequest) -> None:
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            seed_default_rules()
            return


@pytest.fixture
def world(db: None) -> World:
    return World()


@pytest.fixture
def gen(world: World) -> Gen:
    return Gen(world)


@pytest.fixture
def second_ombudsman(world: World) -> User:
    office = world.ombudsman.organisation
    assert office is not None and office.kind == OrganisationKind.OMBUDSMAN
    return make_user("ombudsman2", Role.OMBUDSMAN, office)
