"""Deterministic demo decisions: households, entrepreneurs and the records an agency would post for them.

Pure Python, no database: the same seed gives the same records on every run. Scores and outcomes are what the
registered model computes (``compile_spec(spec).score``), except for the few deliberate agency errors, which
are recorded as the agency's faulty system computed them and therefore fail the portal's replay.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from explanations.spec import compile_spec
from portal.identifiers import make_iin

from .content import DFC, DFC_SYSTEM, REGIONS, TAX, TAX_SYSTEM, Region
from .versions import VersionPlan, decision_threshold

SEED = 20_260_126
ALMATY = dt.timezone(dt.timedelta(hours=5))  # Asia/Almaty, UTC+5 all year since March 2024

T = TypeVar("T")

DFC_SPECIALIST = "Главный специалист районного отдела занятости и социальных программ"
DFC_HEAD = "Руководитель районного отдела занятости и социальных программ"
TAX_INSPECTOR = "Главный специалист управления камерального контроля департамента государственных доходов"


# --------------------------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class Person:
    iin: str
    sex: str  # "F" or "M"
    birth: dt.date
    disability: bool = False

    def age_band(self, on: dt.date) -> str:
        age = on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))
        if age < 18:
            return "0-17"
        if age < 30:
            return "18-29"
        if age < 45:
            return "30-44"
        if age < 60:
            return "45-59"
        return "60+"


def century_sex_digit(birth: dt.date, sex: str) -> int:
    """The 7th IIN digit: 1/2 born in the 1800s, 3/4 in the 1900s, 5/6 in the 2000s; odd male, even female."""
    base = {18: 1, 19: 3, 20: 5}[birth.year // 100]
    return base + (1 if sex == "F" else 0)


class IinMaker:
    """Valid, unique IINs from birth date, century/sex digit and a serial (make_iin adds the check digit)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: dt.date, sex: str, serial: int | None = None) -> str:
        prefix = f"{birth:%y%m%d}{century_sex_digit(birth, sex)}"
        serial = self.rng.randrange(1, 10_000) if serial is None else serial
        for step in range(10_000):
            try:
                iin = make_iin(f"{prefix}{(serial + step) % 10_000:04d}")
            except ValueError:  # this serial can never be issued: take the next one
                continue
            if iin not in self.used:
                self.used.add(iin)
                return iin
        raise RuntimeError(f"no free IIN for {birth} {sex}")

    def adult(self, on: dt.date, sex: str, *, min_age: int = 18, max_age: int = 78) -> Person:
        age = self.rng.randint(min_age, max_age)
        birth = dt.date(on.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        return Person(self.make(birth, sex), sex, birth)


# --------------------------------------------------------------------------------------------------------------
# Records


@dataclass
class Record:
    """One decision as posted by the agency, with what the demo knows about it."""

    system: str
    payload: dict[str, Any]
    kind: str = "normal"  # normal | mismatch | correction | original
    near: str = ""  # "", "below" or "above": within the system's near band of the cut-off


@dataclass
class DemoData:
    batches: list[tuple[str, list[dict[str, Any]]]]  # (system code, records) in ingest order
    records: list[Record]
    citizens: dict[str, Person] = field(default_factory=dict)


def choose(rng: random.Random, weighted: dict[T, float]) -> T:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def sample(draw: Callable[[], T], accept: Callable[[T], bool], tries: int = 3000) -> T:
    """Draw until ``accept`` holds; the last draw if it never does (the data stays plausible either way)."""
    value = draw()
    for _ in range(tries):
        if accept(value):
            return value
        value = draw()
    return value


def near_side(score: float, cutoff: float, band: float) -> str:
    """'below'/'above' when the score lies within ``band`` of the cut-off on that side, else ''."""
    if score < cutoff:
        return "below" if cutoff - score <= band + 1e-9 else ""
    return "above" if score - cutoff <= band + 1e-9 else ""


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def generic_value(rng: random.Random, feature: dict[str, Any]) -> Any:
    """A plausible value for a feature the demo has no story for (keeps the demo working if a spec grows)."""
    kind = feature["type"]
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "category":
        return rng.choice(feature["categories"])
    if kind == "date":
        return (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2000))).isoformat()
    lo, hi = feature["min"], feature["max"]
    if kind == "integer":
        return rng.randint(int(lo), int(min(hi, lo + 10)))
    return round(rng.uniform(lo, min(hi, lo + (hi - lo) / 10)), 2)


def fit(spec: dict[str, Any], values: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Exactly the spec's features: known values clipped to bounds, unknown features given a plausible value."""
    out: dict[str, Any] = {}
    for feature in spec["features"]:
        name = feature["name"]
        if name not in values:
            out[name] = generic_value(rng, feature)
            continue
        value = values[name]
        if feature["type"] in ("number", "integer"):
            value = min(max(value, feature["min"]), feature["max"])
            value = int(value) if feature["type"] == "integer" else float(value)
        out[name] = value
    return out


def make_inputs(
    spec: dict[str, Any],
    values: dict[str, Any],
    on: dt.date,
    lags: dict[str, int],
    overrides: dict[str, tuple[str, str]] | None = None,
    as_of: dict[str, dt.date] | None = None,
) -> dict[str, Any]:
    """The inputs object: each value with its source registry, the date it refers to and how it was collected."""
    overrides = overrides or {}
    as_of = as_of or {}
    inputs = {}
    for feature in spec["features"]:
        name = feature["name"]
        source, collection = overrides.get(name, (feature["source"], "registry"))
        date = as_of.get(name) or on - dt.timedelta(days=lags.get(source, 2))
        inputs[name] = {
            "value": values[name],
            "source": source,
            "as_of_date": date.isoformat(),
            "collection": collection,
        }
    return inputs


# --------------------------------------------------------------------------------------------------------------
# Digital Family Card households

DFC_LAGS = {"ENPF_CONTRIBUTIONS": 35, "FCB_CREDIT": 3, "NOBD": 20, "MOA_LIVESTOCK": 45, "TAX_REGISTRY": 60}


@dataclass(frozen=True)
class Household:
    id: str
    region: Region
    settlement: str
    adults: tuple[Person, ...]  # adults registered in the household: each gets the household's decision
    size: int
    children: int
    unemployed: int
    disabled: int
    income: float  # per person per month, tenge
    informal: bool  # no contributions at all: income is imputed
    entrepreneur: bool  # income comes from the tax registry
    housing: str
    space: float
    vehicle: bool
    livestock: int
    out_of_school: int
    overdue_days: int
    insured: bool

    def values(self) -> dict[str, Any]:
        return {
            "income_per_person": float(round(self.income)),
            "household_size": self.size,
            "children_under_18": self.children,
            "working_age_unemployed": self.unemployed,
            "persons_with_disability": self.disabled,
            "housing_status": self.housing,
            "living_space_per_person": self.space,
            "owns_vehicle": self.vehicle,
            "livestock_units": self.livestock,
            "children_out_of_school": self.out_of_school,
            "overdue_loan_days": self.overdue_days,
            "insured_all_members": self.insured,
        }


class HouseholdMaker:
    def __init__(self, rng: random.Random, iins: IinMaker) -> None:
        self.rng = rng
        self.iins = iins
        self.serial = 0
        self.region_weights = {r: float(r.population_k) for r in REGIONS}

    def _income(self, region: Region, rural: bool, earners: int, size: int, pensioners: int) -> float:
        rng = self.rng
        median = (210_000 if rural else 320_000) / region.poverty
        wages = sum(math.exp(rng.gauss(math.log(median), 0.45)) for _ in range(earners))
        return (wages + pensioners * rng.uniform(70_000, 120_000)) / size

    def make(
        self,
        on: dt.date,
        *,
        region: Region | None = None,
        settlement: str | None = None,
        adults: tuple[Person, ...] | None = None,
    ) -> Household:
        rng = self.rng
        region = region or choose(rng, self.region_weights)
        if settlement is None:
            settlement = "URBAN" if rng.random() < region.urban_share else "RURAL"
        rural = settlement == "RURAL"
        n_adults = len(adults) if adults else choose(rng, {1: 0.2, 2: 0.6, 3: 0.15, 4: 0.05})
        children = choose(rng, {0: 0.3, 1: 0.22, 2: 0.22, 3: 0.14, 4: 0.07, 5: 0.03, 6: 0.02})
        if rural and rng.random() < 0.3:
            children += 1
        if n_adults == 1 and children == 0 and rng.random() < 0.5:
            children = 1
        size = n_adults + children
        if adults is None:
            first_sex = rng.choice("FM")
            people = [self.iins.adult(on, first_sex, min_age=20, max_age=75)]
            if n_adults >= 2:
                people.append(self.iins.adult(on, "M" if first_sex == "F" else "F", min_age=20, max_age=75))
            people.extend(self.iins.adult(on, rng.choice("FM")) for _ in range(n_adults - len(people)))
            adults = tuple(people)
        disabled = sum(rng.random() < 0.035 for _ in range(size))
        adults = tuple(
            replace(p, disability=i < disabled and rng.random() < 0.7) for i, p in enumerate(adults)
        )
        pensioners = sum(1 for p in adults if on.year - p.birth.year >= 63)
        working = len(adults) - pensioners
        p_unemployed = min(0.12 * region.poverty + (0.06 if rural else 0.0), 0.8)
        unemployed = sum(rng.random() < p_unemployed for _ in range(working))
        earners = working - unemployed
        informal = earners == 0 and pensioners == 0
        income = (
            rng.uniform(15_000, 38_000)
            if informal
            else self._income(region, rural, earners, size, pensioners)
        )
        housing = choose(
            rng,
            {"owned": 0.85, "rented": 0.05, "social": 0.02, "none": 0.08}
            if rural
            else {"owned": 0.68, "rented": 0.22, "social": 0.04, "none": 0.06},
        )
        area = {
            "owned": rng.uniform(45, 140) if rural else rng.uniform(35, 110),
            "rented": rng.uniform(25, 70),
            "social": rng.uniform(30, 60),
            "none": 0.0,
        }[housing]
        space = round(area / size * 2) / 2
        vehicle = rng.random() < min(0.2 + income / 400_000, 0.8)
        livestock = choose(rng, {0: 0.4, 1: 0.35, 2: 0.2, 3: 0.05}) if rural else 0
        livestock = {0: 0, 1: rng.randint(1, 9), 2: rng.randint(10, 49), 3: rng.randint(50, 150)}[livestock]
        out_of_school = 1 if children and rng.random() < 0.03 else 0
        overdue = choose(rng, {0: 0.75, 1: 0.17, 2: 0.08})
        overdue = {0: 0, 1: rng.randint(1, 89), 2: rng.randint(90, 900)}[overdue]
        self.serial += 1
        return Household(
            id=f"DFC-HH-{self.serial:07d}",
            region=region,
            settlement=settlement,
            adults=adults,
            size=size,
            children=children,
            unemployed=unemployed,
            disabled=disabled,
            income=income,
            informal=informal,
            entrepreneur=not informal and rng.random() < 0.06,
            housing=housing,
            space=space,
            vehicle=vehicle,
            livestock=livestock,
            out_of_school=out_of_school,
            overdue_days=overdue,
            insured=rng.random() < 0.88,
        )

    def drift(self, hh: Household) -> Household:
        """The same household a year later: wages move, a child may be born, debts and jobs change."""
        rng = self.rng
        born = 1 if hh.children < 6 and rng.random() < 0.07 else 0
        unemployed = hh.unemployed
        if rng.random() < 0.2:
            unemployed = max(0, min(len(hh.adults), unemployed + rng.choice((-1, 1))))
        overdue = hh.overdue_days
        if rng.random() < 0.3:
            overdue = choose(rng, {0: 0.6, rng.randint(1, 89): 0.25, rng.randint(90, 900): 0.15})
        size = hh.size + born
        income = hh.income * hh.size / size * rng.uniform(0.9, 1.2)
        return replace(
            hh,
            size=size,
            children=hh.children + born,
            unemployed=unemployed,
            income=income,
            space=round(hh.space * hh.size / size * 2) / 2,
            overdue_days=overdue,
            vehicle=hh.vehicle or rng.random() < 0.04,
            insured=hh.insured if rng.random() < 0.9 else not hh.insured,
        )


@dataclass
class Scored:
    hh: Household
    values: dict[str, Any]
    score: float
    outcome: str


class DfcBuilder:
    """Decisions of the Digital Family Card: one per adult of a household, sharing the household's score."""

    def __init__(self, rng: random.Random, iins: IinMaker, plans: dict[str, VersionPlan]) -> None:
        self.rng = rng
        self.iins = iins
        self.houses = HouseholdMaker(rng, iins)
        self.plans = plans
        self.models = {version: compile_spec(plan.spec) for version, plan in plans.items()}
        self.band = float(DFC_SYSTEM["near_threshold_band"])
        self.seq = 0
        self.records: list[Record] = []

    def cutoff(self, version: str) -> float:
        return decision_threshold(self.plans[version].spec)

    def score(self, version: str, hh: Household) -> Scored:
        spec = self.plans[version].spec
        values = fit(spec, hh.values(), self.rng)
        result = self.models[version].score(values)
        return Scored(hh, values, float(result.score or 0.0), result.outcome)

    def zone_ok(self, version: str, zone: str) -> Callable[[Scored], bool]:
        cutoff = self.cutoff(version)
        band = self.band
        tests: dict[str, Callable[[float], bool]] = {
            "any": lambda s: True,
            "below_near": lambda s: near_side(s, cutoff, band) == "below",
            "above_near": lambda s: near_side(s, cutoff, band) == "above",
            "below_far": lambda s: s < cutoff - band,
            "above_far": lambda s: s > cutoff + band,
            "below": lambda s: s < cutoff,
        }
        test = tests[zone]
        return lambda scored: test(scored.score)

    def new(self, version: str, on: dt.date, zone: str = "any", **kwargs: Any) -> Scored:
        return sample(
            lambda: self.score(version, self.houses.make(on, **kwargs)), self.zone_ok(version, zone)
        )

    def again(self, version: str, hh: Household, zone: str = "any") -> Scored:
        return sample(
            lambda: self.score(version, self.houses.drift(hh)), self.zone_ok(version, zone), tries=60
        )

    def pair(
        self, old: str, new: str, on: dt.date, zones: tuple[str, str], **kwargs: Any
    ) -> tuple[Scored, Scored]:
        """A household assessed under ``old`` and, a year later, under ``new``, landing in the given zones."""
        first_ok, second_ok = self.zone_ok(old, zones[0]), self.zone_ok(new, zones[1])

        def draw() -> tuple[Scored, Scored]:
            first = self.score(old, self.houses.make(on, **kwargs))
            return first, self.score(new, self.houses.drift(first.hh))

        return sample(draw, lambda pair: first_ok(pair[0]) and second_ok(pair[1]))

    def emit(
        self,
        version: str,
        scored: Scored,
        decided_at: dt.datetime,
        *,
        notified: bool | None = None,
        kind: str = "normal",
        recorded: tuple[float, str] | None = None,
        supersedes: dict[str, str] | None = None,
        human: dict[str, str] | None = None,
        overrides: dict[str, tuple[str, str]] | None = None,
        as_of: dict[str, dt.date] | None = None,
    ) -> dict[str, str]:
        """Append one record per adult; returns {iin: external_id}."""
        rng = self.rng
        spec = self.plans[version].spec
        hh = scored.hh
        cutoff = self.cutoff(version)
        side = near_side(scored.score, cutoff, self.band)
        support = scored.score < cutoff
        if notified is None:
            notified = rng.random() < (0.97 if support else 0.7 if side == "above" else 0.9)
        if human is None:
            human = {"kind": "NONE"}
            if support and scored.score < cutoff - 20 and rng.random() < 0.5:
                human = {
                    "kind": "REVIEWED",
                    "role": DFC_SPECIALIST,
                    "note": "Данные регистров подтверждены при посещении семьи.",
                }
                if rng.random() < 0.2:
                    human = {
                        "kind": "DECIDED",
                        "role": DFC_HEAD,
                        "note": "Срочная помощь назначена по результатам посещения семьи.",
                    }
        base_overrides = dict(overrides or {})
        if hh.entrepreneur:
            base_overrides.setdefault("income_per_person", ("TAX_REGISTRY", "registry"))
        if hh.informal:
            base_overrides.setdefault("income_per_person", ("ENPF_CONTRIBUTIONS", "imputed"))
        if hh.housing in ("none", "rented") and int(hh.id[-3:]) % 5 < 2:
            base_overrides.setdefault("housing_status", ("ASP_APPLICATIONS", "declared"))
            base_overrides.setdefault("living_space_per_person", ("ASP_APPLICATIONS", "declared"))
        inputs = make_inputs(spec, scored.values, decided_at.date(), DFC_LAGS, base_overrides, as_of)
        score, outcome = recorded or (scored.score, scored.outcome)
        notified_at = decided_at + dt.timedelta(days=1, hours=rng.randint(6, 12), minutes=rng.randint(0, 59))
        ids = {}
        for person in hh.adults:
            self.seq += 1
            external_id = f"DFC-{decided_at.year}-{self.seq:07d}"
            group: dict[str, Any] = {
                "region": hh.region.name,
                "settlement": hh.settlement,
                "sex": person.sex,
                "age_band": person.age_band(decided_at.date()),
                "disability": person.disability,
            }
            payload: dict[str, Any] = {
                "external_id": external_id,
                "model_version": version,
                "subject_iin": person.iin,
                "household_id": hh.id,
                "group": group,
                "decided_at": iso(decided_at),
                "notified": notified,
                "notified_at": iso(notified_at) if notified else None,
                "outcome": outcome,
                "score": score,
                "inputs": copy.deepcopy(inputs),
                "human_involvement": dict(human),
            }
            if supersedes:
                payload["supersedes"] = supersedes[person.iin]
            self.records.append(Record(DFC, payload, kind, side))
            ids[person.iin] = external_id
        return ids


def _run_date(year: int, month: int, rng: random.Random) -> dt.datetime:
    """A monthly assessment run: the 5th of the month, during the night, Almaty time."""
    return dt.datetime(year, month, 5, 1, rng.randint(0, 59), rng.randint(0, 59), tzinfo=ALMATY)


def build_dfc(
    rng: random.Random, iins: IinMaker, plans: dict[str, VersionPlan], citizens: dict[str, Person]
) -> tuple[list[list[dict[str, Any]]], list[Record]]:
    """Three batches: the 2025 assessments, the 2026 assessments (with the agency's errors), the corrections."""
    b = DfcBuilder(rng, iins, plans)
    old, new = "v2025.1", "v2026.1"
    zones = {"any": 0.76, "below_near": 0.12, "above_near": 0.12}

    # The two demo citizens first, so that their households are the same on every run.
    aigul, erlan = citizens["aigul"], citizens["erlan"]
    turkestan = next(r for r in REGIONS if r.name == "Turkestan")
    karaganda = next(r for r in REGIONS if r.name == "Karaganda")
    husband = iins.adult(dt.date(2025, 6, 5), "M", min_age=40, max_age=42)
    wife = iins.adult(dt.date(2025, 4, 5), "F", min_age=43, max_age=45)
    a25, a26 = b.pair(
        old,
        new,
        dt.date(2025, 6, 5),
        ("above_far", "above_near"),
        region=turkestan,
        settlement="RURAL",
        adults=(aigul, husband),
    )
    b.emit(old, a25, _run_date(2025, 6, rng), notified=True)
    b.emit(new, a26, _run_date(2026, 3, rng), notified=False)  # a silent assessment just above the cut-off
    e25, e26 = b.pair(
        old,
        new,
        dt.date(2025, 4, 5),
        ("below", "below_near"),
        region=karaganda,
        settlement="URBAN",
        adults=(erlan, wife),
    )
    b.emit(old, e25, _run_date(2025, 4, rng), notified=True)
    b.emit(new, e26, _run_date(2026, 4, rng), notified=True)

    # 2025: 450 households assessed under v2025.1, in monthly runs February to December.
    assessed: list[Household] = []
    for i in range(450):
        month = 2 + i % 11
        scored = b.new(old, dt.date(2025, month, 5), choose(rng, zones))
        b.emit(old, scored, _run_date(2025, month, rng))
        assessed.append(scored.hh)
    batch_2025 = [r.payload for r in b.records]
    start = len(b.records)

    # 2026: 380 of them re-assessed and 170 new households, February to October, under v2026.1.
    for i, hh in enumerate(assessed[:380]):
        month = 2 + i % 9
        b.emit(new, b.again(new, hh, choose(rng, zones)), _run_date(2026, month, rng))
    for i in range(170):
        month = 2 + i % 9
        b.emit(new, b.new(new, dt.date(2026, month, 5), choose(rng, zones)), _run_date(2026, month, rng))

    # The agency's error: in February 2026 the Kyzylorda regional module still applied the 2025 income bands
    # and cut-off while labelling its results v2026.1. The recorded scores differ from the portal's replay.
    kyzylorda = next(r for r in REGIONS if r.name == "Kyzylorda")
    stale_model = compile_spec(plans[old].spec)

    def stale(scored: Scored) -> tuple[float, str]:
        result = stale_model.score(fit(plans[old].spec, scored.values, rng))
        return float(result.score or 0.0), result.outcome

    for _ in range(4):
        scored = sample(
            lambda: b.score(new, b.houses.make(dt.date(2026, 2, 5), region=kyzylorda)),
            lambda s: len(s.hh.adults) <= 2 and stale(s)[0] != s.score,
        )
        b.emit(new, scored, _run_date(2026, 2, rng), kind="mismatch", recorded=stale(scored))

    # Outdated vehicle records: families just above the cut-off because of a car sold long ago. Each is
    # corrected a few weeks later by a new decision that supersedes the first.
    corrections: list[tuple[Scored, dict[str, str], dt.datetime]] = []
    cutoff = b.cutoff(new)
    for i in range(4):
        month = 3 + i
        on = dt.date(2026, month, 5)
        scored = sample(
            lambda on=on: b.score(new, replace(b.houses.make(on), vehicle=True)),  # type: ignore[misc]
            lambda s: cutoff <= s.score < cutoff + 5 and len(s.hh.adults) <= 2,
        )
        decided = _run_date(2026, month, rng)
        ids = b.emit(new, scored, decided, notified=True, kind="original")
        corrections.append((scored, ids, decided))
    batch_2026 = [r.payload for r in b.records[start:]]
    start = len(b.records)

    for scored, ids, decided in corrections:
        fixed = b.score(new, replace(scored.hh, vehicle=False))
        when = decided + dt.timedelta(days=rng.randint(30, 50), hours=8)
        sold = when.date() - dt.timedelta(days=rng.randint(400, 900))
        b.emit(
            new,
            fixed,
            when,
            notified=True,
            kind="correction",
            supersedes=ids,
            human={
                "kind": "REVIEWED",
                "role": DFC_SPECIALIST,
                "note": f"Автомобиль продан {sold:%d.%m.%Y}; запись в реестре МВД исправлена по обращению семьи.",
            },
            as_of={"owns_vehicle": when.date() - dt.timedelta(days=3)},
        )
    batch_fix = [r.payload for r in b.records[start:]]
    return [batch_2025, batch_2026, batch_fix], b.records


# --------------------------------------------------------------------------------------------------------------
# Tax risk

TAX_LAGS = {"SRC_DECLARATIONS": 12, "SRC_VAT": 20, "SRC_KKM": 1, "SRC_RISK_REGISTER": 5, "SRC_AUDITS": 30}
SECTORS = {"trade": 0.4, "services": 0.3, "construction": 0.12, "manufacturing": 0.08, "agriculture": 0.1}


@dataclass(frozen=True)
class Entrepreneur:
    person: Person
    region: Region
    settlement: str
    sector: str
    years: int
    values: dict[str, Any]


class TaxBuilder:
    def __init__(self, rng: random.Random, iins: IinMaker, plans: dict[str, VersionPlan]) -> None:
        self.rng = rng
        self.iins = iins
        self.plans = plans
        self.models = {version: compile_spec(plan.spec) for version, plan in plans.items()}
        self.band = float(TAX_SYSTEM["near_threshold_band"])
        self.seq = 0
        self.records: list[Record] = []

    def values(self, sector: str, years: int, risky: bool) -> dict[str, Any]:
        rng = self.rng
        risk = 1.8 if risky else 1.0
        return {
            "declared_income_change_pct": round(
                min(max(rng.gauss(8, 30) - (25 if risky else 0), -100), 1000), 1
            ),
            "vat_refund_share": 0.0 if rng.random() < 0.75 / risk else round(rng.uniform(0.01, 0.35), 2),
            "cash_share": round(rng.betavariate(3, 3) if sector == "trade" else rng.betavariate(2, 5), 2),
            "flagged_counterparties": 0 if rng.random() < 0.82 / risk else rng.randint(1, 6),
            "late_filings_24m": 0 if rng.random() < 0.72 / risk else rng.randint(1, 4),
            "years_registered": years,
            "prior_violation": rng.random() < 0.1 * risk,
            "sector": sector,
        }

    def make(
        self,
        on: dt.date,
        person: Person | None = None,
        region: Region | None = None,
        settlement: str | None = None,
        sector: str | None = None,
        years: int | None = None,
        risky: bool = False,
    ) -> Entrepreneur:
        rng = self.rng
        region = region or choose(rng, {r: float(r.population_k) for r in REGIONS})
        settlement = settlement or ("URBAN" if rng.random() < min(region.urban_share + 0.15, 1) else "RURAL")
        person = person or self.iins.adult(on, rng.choice("FM"), min_age=21, max_age=66)
        sector = sector or choose(rng, SECTORS)
        years = rng.randint(0, 25) if years is None else years
        return Entrepreneur(person, region, settlement, sector, years, self.values(sector, years, risky))

    def score(self, version: str, ent: Entrepreneur) -> tuple[Entrepreneur, dict[str, Any], float, str]:
        spec = self.plans[version].spec
        values = fit(spec, ent.values, self.rng)
        result = self.models[version].score(values)
        return ent, values, float(result.score or 0.0), result.outcome

    def new(
        self, version: str, on: dt.date, zone: str = "any", **kwargs: Any
    ) -> tuple[Entrepreneur, dict[str, Any], float, str]:
        cutoff = decision_threshold(self.plans[version].spec)
        tests: dict[str, Callable[[float], bool]] = {
            "any": lambda s: True,
            "below_near": lambda s: near_side(s, cutoff, self.band) == "below",
            "above_near": lambda s: near_side(s, cutoff, self.band) == "above",
            "above_far": lambda s: s > cutoff + self.band,
            "below_far": lambda s: s < cutoff - self.band,
        }
        risky = zone != "any" and zone != "below_far"
        return sample(
            lambda: self.score(version, self.make(on, risky=risky, **kwargs)), lambda r: tests[zone](r[2])
        )

    def emit(
        self,
        version: str,
        scored: tuple[Entrepreneur, dict[str, Any], float, str],
        decided_at: dt.datetime,
        *,
        notified: bool | None = None,
        kind: str = "normal",
        recorded: tuple[float, str] | None = None,
        supersedes: str | None = None,
        human: dict[str, str] | None = None,
    ) -> str:
        rng = self.rng
        ent, values, score, outcome = scored
        spec = self.plans[version].spec
        flagged = not next(o["favourable"] for o in spec["outcomes"] if o["code"] == outcome)
        if notified is None:
            notified = rng.random() < (0.95 if flagged else 0.08)
        if human is None:
            human = {"kind": "NONE"}
            if flagged:
                human = (
                    {
                        "kind": "DECIDED",
                        "role": TAX_INSPECTOR,
                        "note": "Назначен камеральный контроль; налогоплательщику направлено уведомление.",
                    }
                    if rng.random() < 0.6
                    else {
                        "kind": "REVIEWED",
                        "role": TAX_INSPECTOR,
                        "note": "Отбор подтверждён инспектором, выявленные расхождения требуют пояснений.",
                    }
                )
        overrides = {"declared_income_change_pct": ("SRC_DECLARATIONS", "derived")}
        inputs = make_inputs(spec, values, decided_at.date(), TAX_LAGS, overrides)
        self.seq += 1
        external_id = f"RISK-{decided_at.year}-{self.seq:06d}"
        recorded_score, recorded_outcome = recorded or (score, outcome)
        payload: dict[str, Any] = {
            "external_id": external_id,
            "model_version": version,
            "subject_iin": ent.person.iin,
            "group": {
                "region": ent.region.name,
                "settlement": ent.settlement,
                "sex": ent.person.sex,
                "age_band": ent.person.age_band(decided_at.date()),
            },
            "decided_at": iso(decided_at),
            "notified": notified,
            "notified_at": iso(decided_at + dt.timedelta(days=rng.randint(3, 10), hours=4))
            if notified
            else None,
            "outcome": recorded_outcome,
            "score": recorded_score,
            "inputs": inputs,
            "human_involvement": human,
        }
        if supersedes:
            payload["supersedes"] = supersedes
        side = near_side(score, decision_threshold(spec), self.band)
        self.records.append(Record(TAX, payload, kind, side))
        return external_id


def _tax_date(year: int, month: int, rng: random.Random) -> dt.datetime:
    return dt.datetime(year, month, rng.randint(1, 28), rng.randint(9, 18), rng.randint(0, 59), tzinfo=ALMATY)


def build_tax(
    rng: random.Random, iins: IinMaker, plans: dict[str, VersionPlan], citizens: dict[str, Person]
) -> tuple[list[list[dict[str, Any]]], list[Record]]:
    b = TaxBuilder(rng, iins, plans)
    old, new = "v1.0", "v1.1"
    zones = {"any": 0.8, "below_near": 0.08, "above_near": 0.08, "above_far": 0.04}
    turkestan = next(r for r in REGIONS if r.name == "Turkestan")
    karaganda = next(r for r in REGIONS if r.name == "Karaganda")

    # Erlan: a silent assessment in 2025, then a selection for inspection just above the 2026 threshold.
    b.emit(
        old,
        b.new(
            old,
            dt.date(2025, 7, 1),
            "below_far",
            person=citizens["erlan"],
            region=karaganda,
            settlement="URBAN",
            sector="trade",
            years=9,
        ),
        _tax_date(2025, 7, rng),
        notified=False,
    )
    b.emit(
        new,
        b.new(
            new,
            dt.date(2026, 6, 1),
            "above_near",
            person=citizens["erlan"],
            region=karaganda,
            settlement="URBAN",
            sector="trade",
            years=10,
        ),
        _tax_date(2026, 6, rng),
        notified=True,
        human={
            "kind": "DECIDED",
            "role": TAX_INSPECTOR,
            "note": "Назначен камеральный контроль: доля наличных расчётов выше средней по отрасли.",
        },
    )
    # Aigul registered as an entrepreneur (felt crafts) in 2025: a silent assessment in 2026.
    b.emit(
        new,
        b.new(
            new,
            dt.date(2026, 5, 1),
            "below_far",
            person=citizens["aigul"],
            region=turkestan,
            settlement="RURAL",
            sector="manufacturing",
            years=1,
        ),
        _tax_date(2026, 5, rng),
        notified=False,
    )

    seen: list[Entrepreneur] = []
    for i in range(500):
        month = 4 + i % 9
        scored = b.new(old, dt.date(2025, month, 1), choose(rng, zones))
        b.emit(old, scored, _tax_date(2025, month, rng))
        seen.append(scored[0])
    batch_2025 = [r.payload for r in b.records]
    start = len(b.records)

    for i, ent in enumerate(seen[:350]):
        month = 4 + i % 7
        zone = choose(rng, zones)
        b.emit(
            new,
            b.new(
                new,
                dt.date(2026, month, 1),
                zone,
                person=ent.person,
                region=ent.region,
                settlement=ent.settlement,
                sector=ent.sector,
                years=ent.years + 1,
            ),
            _tax_date(2026, month, rng),
        )
    for i in range(170):
        month = 4 + i % 7
        b.emit(new, b.new(new, dt.date(2026, month, 1), choose(rng, zones)), _tax_date(2026, month, rng))

    # The agency's error: returns scored by the Almaty regional risk module with the v1.0 coefficients in April
    # 2026, recorded as v1.1.
    almaty = next(r for r in REGIONS if r.name == "Almaty")
    stale_model = compile_spec(plans[old].spec)
    for _ in range(4):
        scored = b.new(new, dt.date(2026, 4, 1), "any", region=almaty, settlement="URBAN")
        stale = stale_model.score(fit(plans[old].spec, scored[1], rng))
        b.emit(
            new,
            scored,
            _tax_date(2026, 4, rng),
            kind="mismatch",
            recorded=(float(stale.score or 0), stale.outcome),
        )

    # Returns counted as late because of an outage of the reporting system: selected, then corrected.
    fixes = []
    cutoff = decision_threshold(plans[new].spec)
    for _ in range(2):

        def draw() -> tuple[Entrepreneur, dict[str, Any], float, str]:
            ent = b.make(dt.date(2026, 5, 1), risky=True)
            return b.score(new, replace(ent, values=ent.values | {"late_filings_24m": 2}))

        def ok(r: tuple[Entrepreneur, dict[str, Any], float, str]) -> bool:
            fixed = b.score(new, replace(r[0], values=r[0].values | {"late_filings_24m": 0}))
            return r[2] >= cutoff > fixed[2]

        scored = sample(draw, ok)
        decided = _tax_date(2026, 5, rng)
        fixes.append((scored, b.emit(new, scored, decided, notified=True, kind="original"), decided))
    batch_2026 = [r.payload for r in b.records[start:]]
    start = len(b.records)
    for scored, external_id, decided in fixes:
        ent = scored[0]
        fixed = b.score(new, replace(ent, values=ent.values | {"late_filings_24m": 0}))
        b.emit(
            new,
            fixed,
            decided + dt.timedelta(days=rng.randint(15, 25)),
            notified=True,
            kind="correction",
            supersedes=external_id,
            human={
                "kind": "REVIEWED",
                "role": TAX_INSPECTOR,
                "note": "Декларации поданы в срок: задержка приёма вызвана сбоем системы приёма отчётности.",
            },
        )
    batch_fix = [r.payload for r in b.records[start:]]
    return [batch_2025, batch_2026, batch_fix], b.records


# --------------------------------------------------------------------------------------------------------------


def demo_citizens(iins: IinMaker) -> dict[str, Person]:
    """The two citizens who sign in: fixed birth dates and serials, so their IINs never change."""
    return {
        "aigul": Person(iins.make(dt.date(1986, 3, 14), "F", serial=4217), "F", dt.date(1986, 3, 14)),
        "erlan": Person(iins.make(dt.date(1979, 9, 2), "M", serial=1385), "M", dt.date(1979, 9, 2)),
    }


def build(plans: list[VersionPlan]) -> DemoData:
    """Every demo decision, in the batches an agency would post them."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
    iins = IinMaker(rng)
    citizens = demo_citizens(iins)
    dfc_batches, dfc_records = build_dfc(
        rng, iins, {p.version: p for p in plans if p.system == DFC}, citizens
    )
    tax_batches, tax_records = build_tax(
        rng, iins, {p.version: p for p in plans if p.system == TAX}, citizens
    )
    batches = [(DFC, batch) for batch in dfc_batches] + [(TAX, batch) for batch in tax_batches]
    return DemoData([(code, batch) for code, batch in batches if batch], dfc_records + tax_records, citizens)
