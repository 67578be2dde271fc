"""Generated data for the oversight statistics, and a plain-Python recomputation of every dashboard number.

`make_data(seed)` writes a varied world straight through the ORM (fast enough for thousands of rows): four
model versions of three kinds (a scorecard with a band on the system, a second scorecard with the default band,
a linear model with the default band, a decision tree without a threshold), decisions over 2025 with every
group attribute (blanks included, a region with a single decision), decisions just either side of a month
boundary in local time, appeals in every state with grounds, assessments (changes of mind included) and the
correction notices a decided appeal sends. Real service flows are tested separately (test_rollups_services).

The `Oracle` recomputes each number from the raw rows with nothing but Python: no rollup, no SQL grouping.
Its near-threshold rule is written out by hand for the test specs, not taken from oversight.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from appeals.models import Appeal, Assessment, Ground, RegistryCorrection
from appeals.states import Outcome, State
from explanations.models import AlgorithmicSystem, Decision, ModelVersion
from explanations.services.model_versions import model_version_register
from portal.accounts.models import OrganisationKind, Role, User
from tests import factories

ALMATY = ZoneInfo("Asia/Almaty")
REGIONS = ["Astana", "Almaty", "Shymkent", "Karaganda", ""]
LINEAR_SPEC = {
    "kind": "linear",
    "features": [
        {
            "name": "income",
            "type": "number",
            "min": 0,
            "max": 1000,
            "mutable": True,
            "source": "REG_INCOME",
            "label": factories.i18n("Income"),
        },
        {
            "name": "owns_car",
            "type": "boolean",
            "mutable": True,
            "source": "REG_VEHICLE",
            "label": factories.i18n("Car"),
        },
    ],
    "outcomes": [
        {"code": "ELIGIBLE", "label": factories.i18n("Eligible"), "favourable": True},
        {"code": "NOT_ELIGIBLE", "label": factories.i18n("Not eligible"), "favourable": False},
    ],
    "intercept": 10,
    "coefficients": {"income": 0.5, "owns_car": 40},
    "baseline": {"income": 500, "owns_car": False},
    "threshold": 200,
    "outcome_at_or_above": "NOT_ELIGIBLE",
    "outcome_below": "ELIGIBLE",
}
TREE_SPEC = {
    "kind": "decision_tree",
    "features": [
        {
            "name": "income",
            "type": "number",
            "min": 0,
            "max": 1000,
            "mutable": True,
            "source": "REG_INCOME",
            "label": factories.i18n("Income"),
        }
    ],
    "outcomes": [
        {"code": "ELIGIBLE", "label": factories.i18n("Eligible"), "favourable": True},
        {"code": "NOT_ELIGIBLE", "label": factories.i18n("Not eligible"), "favourable": False},
    ],
    "root": 0,
    "nodes": [
        {"id": 0, "feature": "income", "op": "<=", "value": 300, "true": 1, "false": 2},
        {"id": 1, "outcome": "ELIGIBLE"},
        {"id": 2, "outcome": "NOT_ELIGIBLE"},
    ],
}
SCORECARD_2 = copy.deepcopy(factories.SCORECARD_SPEC)
SCORECARD_2["bands"] = [
    {"min_score": None, "outcome": "SUPPORT"},
    {"min_score": 20, "outcome": "SUPPORT"},
    {"min_score": 35, "outcome": "NO_SUPPORT"},
]

# The near-threshold rule of each test spec, by hand (edges on the recorded score; band):
#   scorecard on system A, band 5 set on the system: edge 30.
#   scorecard 2 (bands SUPPORT, SUPPORT, NO_SUPPORT at 20 and 35): edge 35 only (20 does not change the outcome);
#     the system's band, 5, applies to every version of the system.
#   linear: edge 200; range: 10 + 0..500 + 0..40 = 10..550, band 5 % of 540 = 27.
#   tree: no threshold.
NEAR_BY_HAND = {
    "A1": ((30.0,), 5.0),
    "A2": ((35.0,), 5.0),
    "B1": ((200.0,), 0.05 * 540),
    "B2": None,
}
OUTCOMES = {
    "A1": ["SUPPORT", "NO_SUPPORT", "LEGACY_CODE"],
    "A2": ["SUPPORT", "NO_SUPPORT"],
    "B1": ["ELIGIBLE", "NOT_ELIGIBLE"],
    "B2": ["ELIGIBLE", "NOT_ELIGIBLE"],
}
FAVOURABLE = {"SUPPORT": True, "NO_SUPPORT": False, "ELIGIBLE": True, "NOT_ELIGIBLE": False}
FEATURES = {
    "A1": ["income_per_person", "children", "has_vehicle", "housing"],
    "A2": ["income_per_person", "children", "has_vehicle", "housing"],
    "B1": ["income", "owns_car"],
    "B2": ["income"],
}


def local_month(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ALMATY).date().replace(day=1)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ALMATY).date()


def register(system: AlgorithmicSystem, version: str, spec: dict[str, Any], released: str) -> ModelVersion:
    payload = factories.version_payload(version, spec, released_at=released)
    created, _ = model_version_register(
        organisation=system.operator, system_code=system.code, payload=payload, actor="test"
    )
    return created


@dataclass
class World:
    systems: dict[str, AlgorithmicSystem]
    versions: dict[str, ModelVersion]
    bodies: list[Any]
    reviewers: list[User]
    citizen: User
    rng: random.Random
    counter: int = 0
    labels: dict[int, str] = field(default_factory=dict)  # version pk -> "A1".. label


def make_world(seed: int = 1) -> World:
    agency = factories.organisation(code=f"agency-{seed}")
    bodies = [
        factories.organisation(kind=OrganisationKind.REVIEW_BODY, code=f"body-{seed}-{i}") for i in range(2)
    ]
    sys_a = factories.system(agency, code=f"sys-a-{seed}", near_threshold_band=5.0)
    sys_b = factories.system(agency, code=f"sys-b-{seed}")
    versions = {
        "A1": register(sys_a, "1", factories.SCORECARD_SPEC, "2024-06-01T00:00:00+05:00"),
        "A2": register(sys_a, "2", SCORECARD_2, "2025-06-01T00:00:00+05:00"),
        "B1": register(sys_b, "1", LINEAR_SPEC, "2024-06-01T00:00:00+05:00"),
        "B2": register(sys_b, "2", TREE_SPEC, "2025-03-01T00:00:00+05:00"),
    }
    reviewers = []
    for i in range(5):
        reviewers.append(
            User.objects.create_user(
                username=f"rev-{seed}-{i}",
                password="x-not-used-123",
                role=Role.REVIEWER,
                organisation=bodies[i % 2],
            )
        )
    citizen = User.objects.create_user(username=f"cit-{seed}", password="x-not-used-123", role=Role.CITIZEN)
    world = World(
        systems={"A": sys_a, "B": sys_b},
        versions=versions,
        bodies=bodies,
        reviewers=reviewers,
        citizen=citizen,
        rng=random.Random(seed),
    )
    world.labels = {v.pk: k for k, v in versions.items()}
    return world


def _score(rng: random.Random, label: str) -> float | None:
    if label in ("A1", "A2"):
        return float(rng.choice([rng.randint(0, 65), rng.randint(24, 40)]))
    if label == "B1":
        return rng.choice([rng.uniform(10, 550), rng.uniform(170, 230), 200.0, 227.0])
    return None


def add_decisions(
    world: World, count: int, *, start: dt.datetime | None = None, days: int = 365
) -> list[Decision]:
    """`count` decisions with random attributes over `days` days from `start` (default 2025-01-01 local)."""
    rng = world.rng
    start = start or dt.datetime(2025, 1, 1, tzinfo=ALMATY)
    labels = list(world.versions)
    rows = []
    for _ in range(count):
        world.counter += 1
        n = world.counter
        label = rng.choice(labels)
        version = world.versions[label]
        if rng.random() < 0.05:  # just either side of a local month boundary (UTC is 5 hours behind)
            month = rng.randint(1, 11)
            boundary = dt.datetime(2025, month + 1, 1, tzinfo=ALMATY)
            decided = boundary + dt.timedelta(minutes=rng.choice([-3, 3]))
        else:
            decided = start + dt.timedelta(seconds=rng.randint(0, days * 86400 - 1))
        notified = rng.random() < 0.6
        region = "Tiny" if n % 997 == 0 else rng.choices(REGIONS, weights=[40, 30, 15, 10, 5])[0]
        sources = {f: f"REG_{f.upper()}" for f in FEATURES[label]}
        if rng.random() < 0.1:
            sources[FEATURES[label][0]] = "ALT_SOURCE"
        rows.append(
            Decision(
                reference=f"T{seed_tag(world)}{n:08d}"[:13],
                system=version.system,
                model_version=version,
                external_id=f"g-{n}",
                subject_iin_hash=f"{n:064d}",
                subject_iin_encrypted=b"x",
                household_id=f"hh-{n % 50}",
                region=region,
                settlement=rng.choice(["URBAN", "RURAL", "URBAN", ""]),
                sex=rng.choice(["F", "M", "F", "M", ""]),
                age_band=rng.choice(["0-17", "18-29", "30-44", "45-59", "60+", "", "30-44"]),
                disability=rng.choice([True, False, False, False, None]),
                decided_at=decided,
                notified=notified,
                notified_at=decided if notified else None,
                outcome=rng.choice(OUTCOMES[label]),
                score=_score(rng, label),
                inputs={
                    f: {"value": 1, "source": s, "as_of_date": "2025-01-01", "collection": "registry"}
                    for f, s in sources.items()
                },
                attributions=None,
                human_involvement="NONE",
                reproducibility=rng.choices(
                    ["REPRODUCED", "MISMATCH", "NOT_REPLAYABLE"], weights=[85, 10, 5]
                )[0],
                content_hash="0" * 64,
                batch_id=uuid.uuid4(),
                ingested_at=decided,
            )
        )
    return Decision.objects.bulk_create(rows, batch_size=2000)


def seed_tag(world: World) -> str:
    return f"{world.systems['A'].pk % 100:02d}"


OPEN_STATES = [
    State.SUBMITTED,
    State.ADMISSIBILITY,
    State.ASSIGNED,
    State.IN_REVIEW,
    State.ON_HOLD,
    State.ASSESSMENT_RECORDED,
    State.COUNTERSIGN_PENDING,
]
KINDS = [
    "DATA_WRONG",
    "CIRCUMSTANCES_MISSED",
    "RULE_MISAPPLIED",
    "PROCEDURAL_FAULT",
    "DISCRIMINATION",
    "OTHER",
]


def add_appeals(world: World, decisions: list[Decision], share: float = 0.4) -> list[Appeal]:
    """Appeals against about `share` of the decisions, in every state (some decisions appealed twice)."""
    rng = world.rng
    made = []
    for d in decisions:
        if rng.random() >= share:
            continue
        plan = [
            rng.choice(
                ["draft", "open", "decided", "decided", "closed", "withdrawn", "inadmissible", "escalated"]
            )
        ]
        if rng.random() < 0.1:
            plan = ["withdrawn", *plan]
        for kind in plan:
            made.append(_appeal(world, d, kind))
    return made


def _appeal(world: World, d: Decision, plan: str) -> Appeal:
    rng = world.rng
    world.counter += 1
    submitted = None if plan == "draft" else d.decided_at + dt.timedelta(hours=rng.randint(1, 24 * 40))
    reviewer = rng.choice(world.reviewers)
    state = {
        "draft": State.DRAFT,
        "open": rng.choice(OPEN_STATES),
        "decided": State.DECIDED,
        "closed": State.CLOSED,
        "withdrawn": State.WITHDRAWN,
        "inadmissible": State.INADMISSIBLE,
        "escalated": State.ESCALATED,
    }[plan]
    decided_at = None
    outcome = ""
    if plan in ("decided", "closed") or (plan == "escalated" and rng.random() < 0.5):
        assert submitted is not None
        decided_at = submitted + dt.timedelta(seconds=rng.randint(0, 70 * 86400))
        outcome = rng.choice(list(Outcome.values))
    if state == State.COUNTERSIGN_PENDING:
        outcome = Outcome.DECISION_UPHELD
    due = None
    if submitted is not None and rng.random() < 0.9:
        due = local_date(submitted) + dt.timedelta(days=rng.randint(5, 45))
    appeal = Appeal.objects.create(
        reference=f"A{world.counter:012d}",
        decision=d,
        appellant=world.citizen,
        state=state,
        review_body=reviewer.organisation if submitted else None,
        reviewer=reviewer if submitted else None,
        created_at=d.decided_at,
        submitted_at=submitted,
        due_date=due,
        outcome=outcome,
        new_outcome="X" if outcome in (Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED) else "",
        decided_at=decided_at,
    )
    features = FEATURES[world.labels[d.model_version_id]]
    grounds = []
    for position in range(1, rng.randint(1, 3) + 1):
        kind = rng.choice(KINDS)
        grounds.append(
            Ground(
                appeal=appeal,
                position=position,
                kind=kind,
                why="because",
                feature=rng.choice(features) if kind == "DATA_WRONG" else "",
            )
        )
    Ground.objects.bulk_create(grounds)
    assessed = state in (State.ASSESSMENT_RECORDED, State.COUNTERSIGN_PENDING) or outcome
    if assessed and submitted is not None:
        findings = [
            {"ground": g.position, "finding": rng.choice(["ACCEPTED", "REJECTED"]), "reasons": "r"}
            for g in grounds
        ]
        before = rng.choice(list(Outcome.values))
        final = outcome if state != State.ASSESSMENT_RECORDED else ""
        a_decided = decided_at or (submitted + dt.timedelta(days=3) if final else None)
        Assessment.objects.create(
            appeal=appeal,
            reviewer=reviewer,
            outcome=before,
            new_outcome="",
            ground_findings=findings,
            reasons="r",
            recorded_at=submitted,
            revealed_at=submitted if final else None,
            final_outcome=final,
            change_justification="changed" if final and final != before else "",
            decided_at=a_decided,
            seconds_spent=rng.choice([None, rng.randint(30, 7200), rng.randint(30, 600)]),
        )
        if rng.random() < 0.1:  # an earlier reviewer's assessment that never became a decision
            other = next(r for r in world.reviewers if r != reviewer)
            Assessment.objects.create(
                appeal=appeal, reviewer=other, outcome=before, ground_findings=findings, reasons="r",
                recorded_at=submitted,
            )  # fmt: skip
        if decided_at is not None:
            accepted = {f["ground"] for f in findings if f["finding"] == "ACCEPTED"}
            for g in grounds:
                if g.kind == "DATA_WRONG" and g.position in accepted:
                    item = d.inputs[g.feature]
                    RegistryCorrection.objects.create(
                        appeal=appeal, decision=d, feature=g.feature, source=item["source"],
                        recorded_value=item["value"], correct_value="1", created_at=decided_at,
                    )  # fmt: skip
    return appeal


# --- the oracle -----------------------------------------------------------------------------------------------


def wilson_reference(k: int, n: int) -> tuple[float | None, float | None, float | None]:
    """Wilson (1927) score interval written out from the textbook formula, independently of stats.wilson."""
    if n == 0:
        return None, None, None
    z = 1.959963984540054
    p = k / n
    centre = (2 * n * p + z**2) / (2 * (n + z**2))
    spread = z * math.sqrt(z**2 + 4 * n * p * (1 - p)) / (2 * (n + z**2))
    return p, max(0.0, centre - spread), min(1.0, centre + spread)


def nearest_rank(values: list[int], p: float) -> int | None:
    if not values:
        return None
    from fractions import Fraction

    ordered = sorted(values)
    return ordered[math.ceil(Fraction(str(p)) * len(ordered)) - 1]


class Oracle:
    """Everything the dashboard shows, recomputed from the raw rows."""

    def __init__(self, *, period: tuple[dt.date, dt.date], system: str | None = None, version: int | None = None,
                 region: str | None = None, today: dt.date | None = None) -> None:  # fmt: skip
        self.start, self.end = period
        self.system, self.version, self.region = system, version, region
        self.today = today or dt.datetime.now(ALMATY).date()
        self.decisions = list(Decision.objects.select_related("system").order_by("id"))
        self.by_id = {d.pk: d for d in self.decisions}
        self.appeals = [a for a in Appeal.objects.order_by("id") if a.submitted_at is not None]
        self.grounds = defaultdict(list)
        for g in Ground.objects.order_by("position"):
            self.grounds[g.appeal_id].append(g)
        self.assessments = defaultdict(list)
        for s in Assessment.objects.all():
            self.assessments[s.appeal_id].append(s)
        self.corrections = list(RegistryCorrection.objects.all())
        self.labels = {v.pk: v for v in ModelVersion.objects.all()}

    def selected(self, d: Decision, *, period: bool = True) -> bool:
        if period and not (self.start <= local_month(d.decided_at) <= self.end):
            return False
        if self.system and d.system.code != self.system:
            return False
        if self.version is not None and d.model_version_id != self.version:
            return False
        return not (self.region is not None and d.region != self.region)

    def cohort(self) -> list[Decision]:
        return [d for d in self.decisions if self.selected(d)]

    def cohort_appeals(self) -> list[Appeal]:
        return [a for a in self.appeals if self.selected(self.by_id[a.decision_id])]

    @staticmethod
    def is_decided(a: Appeal) -> bool:
        return a.decided_at is not None and bool(a.outcome)

    @staticmethod
    def overturned(a: Appeal) -> bool:
        return Oracle.is_decided(a) and a.outcome in ("OVERTURNED", "PARTLY_OVERTURNED")


def near_by_hand(label: str, score: float | None) -> str:
    rule = NEAR_BY_HAND[label]
    if rule is None or score is None:
        return "-"
    edges, band = rule
    return "Y" if any(abs(score - e) <= band for e in edges) else "N"


@pytest.fixture
def world(db: None) -> World:
    return make_world(1)
