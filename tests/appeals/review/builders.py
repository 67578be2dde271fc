"""Appeals at each point of a review, built through the services (tests of the review desk, the matrix)."""

from typing import Any

from django.test import Client

from appeals.models import Appeal
from appeals.services import core
from appeals.states import Outcome
from portal.accounts.models import User

from ..conftest import NOW, World

GROUNDS = [
    {"kind": "DATA_WRONG", "why": "I sold the car in 2024", "feature": "has_vehicle", "correct_value": "no"},
    {"kind": "CIRCUMSTANCES_MISSED", "why": "I care for my mother", "circumstance": "CARING"},
]
FINDINGS = [
    {"ground": 1, "finding": "ACCEPTED", "reasons": "Sale contract provided"},
    {"ground": 2, "finding": "REJECTED", "reasons": "Not relevant to the rules"},
]
# The points in the order a review goes through them; `at(world, step)` builds an appeal standing at `step`.
STEPS = (
    "waiting",
    "assigned",
    "declared",
    "in_review",
    "on_hold",
    "assessed",
    "revealed",
    "countersign",
    "decided",
)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def drafted(
    world: World, decision: Any = None, citizen: User | None = None, *, evidence: bool = False, **draft: Any
) -> Appeal:
    """A complete draft: grounds, any draft fields, and (with `evidence`) one PDF stored by the service."""
    citizen = citizen or world.citizen
    decision = decision or world.decision(citizen=citizen)
    appeal = core.appeal_start(decision=decision, citizen=citizen, now=NOW)
    core.ground_set(appeal_id=appeal.pk, citizen=citizen, grounds=GROUNDS)
    if draft:
        core.appeal_update_draft(appeal_id=appeal.pk, citizen=citizen, **draft)
    if evidence:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from appeals.services.evidence import evidence_add

        evidence_add(
            appeal_id=appeal.pk,
            citizen=citizen,
            now=NOW,
            uploaded_file=SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf"),
        )
    return appeal


def filed(
    world: World, decision: Any = None, citizen: User | None = None, *, evidence: bool = False, **draft: Any
) -> Appeal:
    citizen = citizen or world.citizen
    appeal = drafted(world, decision, citizen, evidence=evidence, **draft)
    return core.appeal_submit(appeal_id=appeal.pk, citizen=citizen, now=NOW)


def at(
    world: World, step: str, reviewer: User | None = None, *, evidence: bool = False, **draft: Any
) -> Appeal:
    """A filed appeal advanced to `step` by `reviewer` (default: the world's first reviewer)."""
    reviewer = reviewer or world.reviewers[0]
    appeal = filed(world, evidence=evidence, **draft)
    pk = appeal.pk
    order = STEPS.index(step)
    if order >= STEPS.index("assigned"):
        core.appeal_assign(appeal_id=pk, reviewer=reviewer, supervisor=world.supervisor, now=NOW)
    if order >= STEPS.index("declared"):
        core.conflict_declare(appeal_id=pk, reviewer=reviewer, has_conflict=False, now=NOW)
    if order >= STEPS.index("in_review"):
        core.appeal_start_review(appeal_id=pk, reviewer=reviewer, now=NOW)
    if step == "on_hold":
        core.appeal_put_on_hold(appeal_id=pk, reviewer=reviewer, reason="Send the sale contract", now=NOW)
    if order >= STEPS.index("assessed"):
        adverse = step == "countersign"
        core.assessment_record(
            appeal_id=pk,
            reviewer=reviewer,
            reasons="Registry record is outdated",
            ground_findings=FINDINGS,
            outcome=Outcome.DECISION_UPHELD if adverse else Outcome.OVERTURNED,
            new_outcome="" if adverse else "NO_SUPPORT",
            now=NOW,
        )
    if order >= STEPS.index("revealed"):
        core.explanation_reveal(appeal_id=pk, reviewer=reviewer, now=NOW)
    if step == "countersign":
        core.appeal_decide(appeal_id=pk, reviewer=reviewer, outcome=Outcome.DECISION_UPHELD, now=NOW)
    if step == "decided":
        core.appeal_decide(
            appeal_id=pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="NO_SUPPORT", now=NOW
        )
    return Appeal.objects.get(pk=pk)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
