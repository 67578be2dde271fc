"""Error propagation: when an appeal confirms that a registry item was wrong, every other decision that used the
same item for the same person (any system) or household (the same agency's systems, the very value found wrong) is
flagged for its operator; exactly those, once; and only the appealed decision's own operator is told the values."""

import copy
import random
from dataclasses import dataclass
from typing import Any

import pytest

from access.models import MatchKind, ProactiveReview
from access.selectors import proactive_review_view, propagation_panel
from access.services import propagation_run_for_appeal
from appeals.models import RegistryCorrection
from appeals.services import core
from appeals.states import Outcome
from explanations.models import Decision
from explanations.services.ingest import decisions_ingest
from portal.audit.models import AuditEvent
from portal.audit.services import audit_verify
from tests import factories
from tests.appeals.conftest import NOW, World
from tests.appeals.review.builders import FINDINGS, GROUNDS

# has_vehicle is the item the appeal finds wrong (GROUNDS[0]); REG_VEHICLE its registry.
FEATURE, SOURCE = "has_vehicle", "REG_VEHICLE"


def spec_without(feature: str) -> dict[str, Any]:
    spec = copy.deepcopy(factories.SCORECARD_SPEC)
    spec["features"] = [f for f in spec["features"] if f["name"] != feature]
    del spec["bins"][feature]
    del spec["reference_bins"][feature]
    return spec


@dataclass
class Planned:
    system: str
    person: int  # index into the people's IINs
    household: str
    source: str  # source of has_vehicle ("" when the system does not use it)
    value: bool = False  # has_vehicle; the appealed decisions use False, which the appeal finds wrong


class Scene:
    """Two agencies, three systems (one without has_vehicle), people and households; an appealed decision."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.other_agency = factories.organisation(code="mof")
        self.tax = factories.system(self.other_agency, code="tax-risk")
        factories.model_version(self.tax, "1.0")
        self.housing = factories.system(self.other_agency, code="housing")
        factories.model_version(self.housing, "1.0", spec=spec_without(FEATURE))
        self.iins = [factories.iin(1)] + [factories.iin(n) for n in range(30, 36)]
        self.n = 5000
        self.systems = {"family-card": world.system, "tax-risk": self.tax, "housing": self.housing}

    def decide(self, plan: Planned) -> Decision:
        self.n += 1
        record = factories.decision_record(
            self.n, subject_iin=self.iins[plan.person], household_id=plan.household
        )
        if plan.system == "housing":
            del record["inputs"][FEATURE]
        else:
            record["inputs"][FEATURE]["source"] = plan.source
            record["inputs"][FEATURE]["value"] = plan.value
            if plan.value:  # a vehicle is worth 10 points in the scorecard: keep the record replayable
                record["score"] += 10
                record["outcome"] = "SUPPORT" if record["score"] < 30 else "NO_SUPPORT"
        system = self.systems[plan.system]
        result = decisions_ingest(
            organisation=system.operator, system_code=system.code, records=[record], actor="test"
        )
        return Decision.objects.get(reference=result.created[0]["reference"])


def decide_appeal(world: World, decision: Decision, findings: list[dict[str, Any]] = FINDINGS) -> Any:
    reviewer = world.reviewers[0]
    appeal = core.appeal_start(decision=decision, citizen=world.citizen, now=NOW)
    core.ground_set(appeal_id=appeal.pk, citizen=world.citizen, grounds=GROUNDS)
    core.appeal_submit(appeal_id=appeal.pk, citizen=world.citizen, now=NOW)
    core.appeal_assign(appeal_id=appeal.pk, reviewer=reviewer, supervisor=world.supervisor, now=NOW)
    core.conflict_declare(appeal_id=appeal.pk, reviewer=reviewer, has_conflict=False, now=NOW)
    core.appeal_start_review(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    core.assessment_record(
        appeal_id=appeal.pk,
        reviewer=reviewer,
        reasons="The vehicle was sold",
        ground_findings=findings,
        outcome=Outcome.OVERTURNED,
        new_outcome="SUPPORT",
        now=NOW,
    )
    core.explanation_reveal(appeal_id=appeal.pk, reviewer=reviewer, now=NOW)
    return core.appeal_decide(
        appeal_id=appeal.pk, reviewer=reviewer, outcome=Outcome.OVERTURNED, new_outcome="SUPPORT", now=NOW
    )


@pytest.fixture
def scene(world: World) -> Scene:
    return Scene(world)


# The operating agency of each system of the scene: family-card is the world's agency's, the others another's.
OPERATOR = {"family-card": "mlsp", "tax-risk": "mof", "housing": "mof"}


def expected_flags(appealed: Planned, plans: dict[int, Planned]) -> dict[int, str]:
    """Independent recomputation from the generation plan: decision id -> match kind."""
    out = {}
    for pk, plan in plans.items():
        uses_item = plan.system != "housing" and plan.source == SOURCE
        if not uses_item:
            continue
        if plan.person == appealed.person:
            out[pk] = MatchKind.PERSON
        elif (
            plan.household == appealed.household
            and OPERATOR[plan.system] == OPERATOR[appealed.system]
            and plan.value is appealed.value
        ):
            out[pk] = MatchKind.HOUSEHOLD
    return out


def test_the_named_cases_are_flagged_or_not(scene: Scene):
    appealed_plan = Planned("family-card", 0, "hh-P", SOURCE)
    appealed = scene.decide(appealed_plan)
    cases = {
        "same person, other agency's system": (Planned("tax-risk", 0, "hh-P", SOURCE), MatchKind.PERSON),
        "same person, same system": (Planned("family-card", 0, "hh-P", SOURCE), MatchKind.PERSON),
        "same person, moved household": (Planned("tax-risk", 0, "hh-NEW", SOURCE), MatchKind.PERSON),
        "same person, other agency, another value": (
            Planned("tax-risk", 0, "hh-P", SOURCE, value=True),
            MatchKind.PERSON,
        ),
        "household member, same agency": (Planned("family-card", 1, "hh-P", SOURCE), MatchKind.HOUSEHOLD),
        "household member, same agency, another value": (
            Planned("family-card", 2, "hh-P", SOURCE, value=True),
            None,
        ),
        "household member, same agency, another registry": (
            Planned("family-card", 3, "hh-P", "REG_OTHER"),
            None,
        ),
        "another agency's household with the same id": (Planned("tax-risk", 1, "hh-P", SOURCE), None),
        "different person and household": (Planned("tax-risk", 2, "hh-R", SOURCE), None),
        "household member who moved out": (Planned("family-card", 1, "hh-Q2", SOURCE), None),
        "same person, system without the item": (Planned("housing", 0, "hh-P", ""), None),
        "same person, same item name from another registry": (
            Planned("tax-risk", 0, "hh-P", "REG_OTHER"),
            None,
        ),
    }
    made = {name: scene.decide(plan) for name, (plan, _) in cases.items()}

    decide_appeal(scene.world, appealed)

    flags = {f.decision_id: f for f in ProactiveReview.objects.all()}
    for name, (_, kind) in cases.items():
        flag = flags.get(made[name].pk)
        assert (flag.match if flag else None) == kind, name
    assert appealed.pk not in flags
    correction = RegistryCorrection.objects.get(decision=appealed)
    for name, (plan, kind) in cases.items():
        if kind is None:
            continue
        flag = flags[made[name].pk]
        assert flag.organisation_id == scene.systems[plan.system].operator_id, name
        assert (flag.feature, flag.source, flag.correction_id) == (FEATURE, SOURCE, correction.pk)
        assert flag.recorded_value is plan.value and flag.status == ProactiveReview.Status.OPEN
    event = AuditEvent.objects.get(action="access.propagation.flagged")
    assert sorted(f["flag"] for f in event.data["flags"]) == sorted(f.pk for f in flags.values())
    assert audit_verify().ok


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_propagation_on_generated_data_equals_a_direct_recomputation(scene: Scene, seed: int):
    rng = random.Random(seed)
    households = ["hh-P", "hh-A", "hh-B", "hh-C"]
    appealed_plan = Planned("family-card", 0, "hh-P", SOURCE)
    appealed = scene.decide(appealed_plan)
    plans: dict[int, Planned] = {}
    for _ in range(40):
        system = rng.choice(["family-card", "tax-risk", "housing"])
        plan = Planned(
            system=system,
            person=rng.randrange(len(scene.iins)),
            household=rng.choice(households),
            source="" if system == "housing" else rng.choice([SOURCE, SOURCE, SOURCE, "REG_OTHER"]),
            value=rng.choice([False, False, True]),
        )
        plans[scene.decide(plan).pk] = plan

    decide_appeal(scene.world, appealed)

    got = dict(ProactiveReview.objects.values_list("decision_id", "match"))
    assert got == expected_flags(appealed_plan, plans)
    assert got, "the generated data should include some matches"
    for flag in ProactiveReview.objects.select_related("correction__decision__system"):
        plan = plans[flag.decision_id]
        told = proactive_review_view(flag)
        disclosed = flag.match == MatchKind.PERSON and plan.system == "family-card" and plan.value is False
        assert (told["confirmed_wrong_value"], told["correct_value"]) == (
            (False, "no") if disclosed else (None, None)
        ), plan


def test_another_agencys_household_with_the_same_id_is_not_flagged_and_gets_no_values(scene: Scene):
    appealed = scene.decide(Planned("family-card", 0, "hh-1", SOURCE))
    # The other agency's "hh-1" is its own label, for another family.
    other_family = scene.decide(Planned("tax-risk", 1, "hh-1", SOURCE))
    other_family_person_item = scene.decide(Planned("tax-risk", 2, "hh-1", SOURCE, value=True))
    same_person_elsewhere = scene.decide(Planned("tax-risk", 0, "hh-9", SOURCE))
    same_person_other_value = scene.decide(Planned("tax-risk", 0, "hh-9", SOURCE, value=True))
    same_household = scene.decide(Planned("family-card", 1, "hh-1", SOURCE))
    same_person_same_agency = scene.decide(Planned("family-card", 0, "hh-1", SOURCE))

    decide_appeal(scene.world, appealed)

    flags = {f.decision_id: f for f in ProactiveReview.objects.all()}
    assert other_family.pk not in flags and other_family_person_item.pk not in flags
    assert {pk: f.match for pk, f in flags.items()} == {
        same_person_elsewhere.pk: MatchKind.PERSON,
        same_person_other_value.pk: MatchKind.PERSON,
        same_household.pk: MatchKind.HOUSEHOLD,
        same_person_same_agency.pk: MatchKind.PERSON,
    }
    told = {pk: proactive_review_view(f) for pk, f in flags.items()}
    for pk in (same_person_elsewhere.pk, same_person_other_value.pk):
        assert flags[pk].organisation_id == scene.other_agency.pk
        assert (told[pk]["confirmed_wrong_value"], told[pk]["correct_value"]) == (None, None)
        assert (told[pk]["feature"], told[pk]["source"]) == (FEATURE, SOURCE)
    assert told[same_person_other_value.pk]["recorded_value"] is True  # its own value, nothing more
    assert (told[same_household.pk]["confirmed_wrong_value"], told[same_household.pk]["correct_value"]) == (
        None,
        None,
    )
    assert (
        told[same_person_same_agency.pk]["confirmed_wrong_value"],
        told[same_person_same_agency.pk]["correct_value"],
    ) == (False, "no")


def test_propagation_is_idempotent(scene: Scene):
    appealed = scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-P", SOURCE))
    scene.decide(Planned("family-card", 1, "hh-P", SOURCE))
    appeal = decide_appeal(scene.world, appealed)
    before = list(ProactiveReview.objects.order_by("id").values_list("id", "decision_id", "created_at"))
    events = AuditEvent.objects.filter(action="access.propagation.flagged").count()

    assert propagation_run_for_appeal(appeal_id=appeal.pk) == []
    assert propagation_run_for_appeal(appeal_id=appeal.pk) == []

    assert (
        list(ProactiveReview.objects.order_by("id").values_list("id", "decision_id", "created_at")) == before
    )
    assert len(before) == 2
    assert AuditEvent.objects.filter(action="access.propagation.flagged").count() == events == 1


def test_a_rejected_data_ground_flags_nothing(scene: Scene):
    appealed = scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-P", SOURCE))
    rejected = [dict(f, finding="REJECTED") for f in FINDINGS]
    decide_appeal(scene.world, appealed, findings=rejected)
    assert not ProactiveReview.objects.exists()


def test_the_dashboard_panel_counts_open_and_reviewed_per_agency(scene: Scene):
    from access.services import proactive_review_mark_reviewed

    appealed = scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-X", SOURCE))
    decide_appeal(scene.world, appealed)
    one = ProactiveReview.objects.filter(organisation=scene.other_agency).order_by("id").first()
    assert one is not None
    proactive_review_mark_reviewed(organisation=scene.other_agency, flag_id=one.pk, note="Checked", actor="t")

    panel = propagation_panel()

    by_org = {r.organisation.pk: (r.open, r.reviewed) for r in panel.rows}
    assert by_org == {scene.world.agency.pk: (1, 0), scene.other_agency.pk: (1, 1)}
    assert (panel.open, panel.reviewed, panel.decisions) == (2, 1, 3)


def test_the_backfill_command_flags_what_is_missing_and_nothing_twice(scene: Scene):
    from io import StringIO

    from django.core.management import call_command

    appealed = scene.decide(Planned("family-card", 0, "hh-P", SOURCE))
    scene.decide(Planned("tax-risk", 0, "hh-P", SOURCE))
    scene.decide(Planned("family-card", 1, "hh-P", SOURCE))
    decide_appeal(scene.world, appealed)
    ProactiveReview.objects.filter(match=MatchKind.HOUSEHOLD).delete()  # as if decided before propagation

    out = StringIO()
    call_command("propagation_backfill", stdout=out)
    assert "1 decision(s) newly flagged" in out.getvalue()
    assert ProactiveReview.objects.count() == 2
    call_command("propagation_backfill", stdout=out)
    assert "0 decision(s) newly flagged" in out.getvalue()
