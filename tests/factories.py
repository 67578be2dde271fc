"""Builders for test data. Writes that have a service go through the service."""

import copy
import datetime as dt
import itertools
from typing import Any

from explanations.models import AlgorithmicSystem, ModelVersion
from explanations.services.model_versions import model_version_register
from portal.accounts.models import Organisation, OrganisationKind
from portal.api.tokens import token_issue
from portal.identifiers import make_iin

_seq = itertools.count(1)
LANGS = ("kk", "ru", "en")


def i18n(text: str) -> dict[str, str]:
    return {"kk": f"{text} (kk)", "ru": f"{text} (ru)", "en": text}


def organisation(kind: str = OrganisationKind.AGENCY, code: str | None = None) -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(code=code or f"org-{n}", kind=kind, name=i18n(f"Organisation {n}"))


def system(operator: Organisation | None = None, code: str | None = None, **extra: Any) -> AlgorithmicSystem:
    n = next(_seq)
    fields: dict[str, Any] = dict(
        code=code or f"system-{n}",
        operator=operator or organisation(),
        name=i18n(f"System {n}"),
        summary=i18n("Scores household well-being"),
        purpose=i18n("Target social support"),
        legal_basis=i18n("Social Code, article 1"),
        decision_type="BENEFIT",
        affected_population=i18n("All households"),
        automation_level="DECIDES",
        human_involvement=i18n("None unless appealed"),
        impact_level="HIGH",
        data_sources=[{"code": "REG_INCOME", "name": i18n("Income registry"), "contributes": i18n("Income")}],
        known_limitations=i18n("Informal income is invisible"),
        appeal_window_days=30,
        review_deadline_working_days=20,
        contact_email="contact@example.kz",
    )
    fields.update(extra)
    return AlgorithmicSystem.objects.create(**fields)


SCORECARD_SPEC: dict[str, Any] = {
    "kind": "scorecard",
    "features": [
        {
            "name": "income_per_person",
            "type": "number",
            "unit": "KZT",
            "min": 0,
            "max": 2_000_000,
            "mutable": True,
            "direction": "any",
            "step": 1000,
            "source": "REG_INCOME",
            "label": i18n("Income per person"),
            "description": i18n("Monthly income per household member"),
        },
        {
            "name": "children",
            "type": "integer",
            "min": 0,
            "max": 15,
            "mutable": True,
            "direction": "any",
            "source": "REG_CIVIL",
            "label": i18n("Children"),
            "description": i18n("Children under 18"),
        },
        {
            "name": "has_vehicle",
            "type": "boolean",
            "mutable": True,
            "direction": "any",
            "source": "REG_VEHICLE",
            "label": i18n("Owns a vehicle"),
            "description": i18n("A registered passenger car"),
        },
        {
            "name": "housing",
            "type": "category",
            "categories": ["owned", "rented", "none"],
            "mutable": False,
            "source": "REG_PROPERTY",
            "label": i18n("Housing"),
            "description": i18n("Housing situation"),
        },
    ],
    "outcomes": [
        {"code": "SUPPORT", "label": i18n("Eligible for support"), "favourable": True},
        {"code": "NO_SUPPORT", "label": i18n("Not eligible"), "favourable": False},
    ],
    "base_points": 50,
    "bins": {
        "income_per_person": [
            {"lower": None, "upper": 50000, "points": -30},
            {"lower": 50000, "upper": 100000, "points": -10},
            {"lower": 100000, "upper": None, "points": 0},
        ],
        "children": [
            {"lower": None, "upper": 2, "points": 0},
            {"lower": 2, "upper": 4, "points": -5},
            {"lower": 4, "upper": None, "points": -15},
        ],
        "has_vehicle": [{"category": True, "points": 10}, {"category": False, "points": 0}],
        "housing": [
            {"category": "owned", "points": 5},
            {"category": "rented", "points": 0},
            {"category": "none", "points": -5},
        ],
    },
    "reference_bins": {"income_per_person": 2, "children": 0, "has_vehicle": 1, "housing": 1},
    "bands": [{"min_score": None, "outcome": "SUPPORT"}, {"min_score": 30, "outcome": "NO_SUPPORT"}],
}


def version_payload(version: str = "1.0", spec: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "version": version,
        "released_at": "2026-01-01T00:00:00+05:00",
        "dataset": {"name": "Household snapshot", "version": "2025-12", "sha256": "a" * 64},
        "parameters": {"subsistence_minimum": 46228},
        "change_note": i18n("First version"),
        "performance": {"overall": {"accuracy": 0.91}},
        "spec": copy.deepcopy(spec or SCORECARD_SPEC),
    }
    payload.update(extra)
    return payload


def model_version(
    sys: AlgorithmicSystem, version: str = "1.0", spec: dict[str, Any] | None = None
) -> ModelVersion:
    created, _ = model_version_register(
        organisation=sys.operator, system_code=sys.code, payload=version_payload(version, spec), actor="test"
    )
    return created


def token(org: Organisation) -> str:
    return token_issue(organisation_code=org.code, name="test", actor="test")[1]


def iin(n: int, born: str = "900101", century_sex: str = "3") -> str:
    """A valid IIN: birth date, century/sex digit, a 4-digit serial chosen so a check digit exists."""
    for serial in itertools.count(n * 7 % 9000):
        try:
            return make_iin(f"{born}{century_sex}{serial:04d}")
        except ValueError:
            continue
    raise AssertionError("unreachable")


def decision_record(
    n: int,
    *,
    version: str = "1.0",
    income: float = 40000,
    score: float | None = None,
    outcome: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A record for the ingest API whose score and outcome match the SCORECARD_SPEC replay by default."""
    children, vehicle, housing = 1, False, "rented"
    points = 50 + (-30 if income < 50000 else -10 if income < 100000 else 0) + 0 + 0 + 0
    record: dict[str, Any] = {
        "external_id": f"ext-{n}",
        "model_version": version,
        "subject_iin": iin(n),
        "household_id": f"hh-{n}",
        "group": {
            "region": "Astana",
            "settlement": "URBAN",
            "sex": "F",
            "age_band": "30-44",
            "disability": False,
        },
        "decided_at": (dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)).isoformat(),
        "notified": False,
        "outcome": outcome or ("SUPPORT" if points < 30 else "NO_SUPPORT"),
        "score": points if score is None else score,
        "inputs": {
            "income_per_person": {
                "value": income,
                "source": "REG_INCOME",
                "as_of_date": "2026-02-01",
                "collection": "registry",
            },
            "children": {
                "value": children,
                "source": "REG_CIVIL",
                "as_of_date": "2026-02-01",
                "collection": "registry",
            },
            "has_vehicle": {
                "value": vehicle,
                "source": "REG_VEHICLE",
                "as_of_date": "2026-02-01",
                "collection": "registry",
            },
            "housing": {
                "value": housing,
                "source": "REG_PROPERTY",
                "as_of_date": "2026-02-01",
                "collection": "declared",
            },
        },
        "human_involvement": {"kind": "NONE"},
    }
    record.update(extra)
    return record
