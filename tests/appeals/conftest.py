"""Actors and decisions for appeal tests: an agency with a high-impact system, an independent review body."""

import datetime as dt
from typing import Any

import pytest

from explanations.models import Decision
from explanations.services.ingest import decisions_ingest
from portal import crypto
from portal.accounts.models import OrganisationKind, Role, User
from tests import factories

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def make_user(username: str, role: str, org: Any = None, iin: str | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password="not-used-here-123",
        role=role,
        organisation=org,
        email=f"{username}@example.org",
        phone="+77010000000",
    )
    if iin:
        user.iin_hash = crypto.lookup_hash(iin)
        user.iin_encrypted = crypto.encrypt(iin)
        user.save()
    return user


class World:
    def __init__(self) -> None:
        self.agency = factories.organisation(code="mlsp")
        self.body = factories.organisation(kind=OrganisationKind.REVIEW_BODY, code="commission")
        self.system = factories.system(self.agency, code="family-card", impact_level="HIGH")
        factories.model_version(self.system, "1.0")
        self.citizen = make_user("aigul", Role.CITIZEN, iin=factories.iin(1))
        self.other_citizen = make_user("erlan", Role.CITIZEN, iin=factories.iin(2))
        self.reviewers = [make_user(f"reviewer{i}", Role.REVIEWER, self.body) for i in range(3)]
        self.supervisor = make_user("supervisor", Role.SUPERVISOR, self.body)
        self.agency_staff = make_user("agency", Role.AGENCY_STAFF, self.agency)
        self.agency_reviewer = make_user("agency-reviewer", Role.REVIEWER, self.agency)
        self.ombudsman = make_user(
            "ombudsman",
            Role.OMBUDSMAN,
            factories.organisation(kind=OrganisationKind.OMBUDSMAN, code="ombudsman"),
        )
        self._n = 0

    def decision(self, citizen: User | None = None, n: int | None = None, **extra: Any) -> Decision:
        self._n += 1
        n = n if n is not None else self._n
        iin = factories.iin(1 if (citizen or self.citizen) == self.citizen else 2)
        record = factories.decision_record(n + 100, subject_iin=iin, **extra)
        result = decisions_ingest(
            organisation=self.agency, system_code=self.system.code, records=[record], actor="test"
        )
        return Decision.objects.get(reference=result.created[0]["reference"])

    def decisions(self, count: int) -> list[Decision]:
        """Many decisions of the main citizen in one ingest call."""
        iin = factories.iin(1)
        records = [factories.decision_record(1000 + self._n + i, subject_iin=iin) for i in range(count)]
        self._n += count
        result = decisions_ingest(
            organisation=self.agency, system_code=self.system.code, records=records, actor="test"
        )
        refs = [c["reference"] for c in result.created]
        return list(Decision.objects.filter(reference__in=refs))


@pytest.fixture
def world(db: None) -> World:
    return World()
