"""Decisions for the citizen pages, built the way agencies send them: through the ingest service, with the
published example specs (docs/examples/*.json)."""

import copy
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

from django.conf import settings

from explanations.models import AlgorithmicSystem, Decision
from explanations.services.ingest import decisions_ingest
from explanations.spec import compile_spec
from portal import crypto
from portal.accounts.models import Organisation, OrganisationKind, Role, User
from tests import factories

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"
KINDS = ("scorecard", "logistic", "decision_tree", "rules", "opaque")
_seq = itertools.count(1)

# One case per kind, with values chosen so that each explanation has something to say.
VALUES: dict[str, dict[str, Any]] = {
    "scorecard": {
        "income_per_person": 52300,
        "household_size": 4,
        "children_under_18": 2,
        "working_age_unemployed": 1,
        "persons_with_disability": 0,
        "housing_status": "rented",
        "living_space_per_person": 14.5,
        "owns_vehicle": False,
        "livestock_units": 0,
        "children_out_of_school": 0,
        "overdue_loan_days": 0,
        "insured_all_members": True,
    },
    "logistic": {
        "declared_income_change_pct": -40.0,
        "vat_refund_share": 0.3,
        "cash_share": 0.4,
        "flagged_counterparties": 2,
        "late_filings_24m": 1,
        "years_registered": 3,
        "prior_violation": False,
        "sector": "trade",
    },
    "decision_tree": {
        "income_per_person": 61000,
        "housing_status": "rented",
        "utility_cost_share": 0.2,
        "persons_with_disability": 0,
        "lease_registered_on": "2024-06-01",
    },
    "rules": {
        "children_under_18": 2,
        "persons_with_disability": 1,
        "income_per_person": 65000,
        "housing_status": "owned",
        "owns_vehicle": False,
        "registered_since": "2020-01-15",
    },
    "opaque": {
        "claims_last_36m": 3,
        "employer_age_months": 5,
        "contract_duration_days": 40,
        "dismissal_reason": "employer_liquidation",
        "claim_date": "2026-02-10",
    },
}
OPAQUE_ATTRIBUTIONS = {
    "claims_last_36m": 0.21,
    "employer_age_months": 0.34,
    "contract_duration_days": 0.12,
    "dismissal_reason": 0.08,
    "claim_date": -0.02,
}


DATA_SOURCES = [
    {
        "code": code,
        "name": {"kk": kk, "ru": ru, "en": en},
        "contributes": {"kk": kk, "ru": ru, "en": en},
    }
    for code, kk, ru, en in (
        (
            "ENPF_CONTRIBUTIONS",
            "Бірыңғай жинақтаушы зейнетақы қоры",
            "Единый накопительный пенсионный фонд",
            "Unified Accumulative Pension Fund",
        ),
        (
            "GBD_FL",
            "«Жеке тұлғалар» мемлекеттік деректер қоры",
            "ГБД «Физические лица»",
            "State Database of Individuals",
        ),
        ("GBD_RN", "Жылжымайтын мүлік тізілімі", "Регистр недвижимости", "Real Estate Register"),
        (
            "ESUTD",
            "Еңбек шарттарын есепке алу жүйесі",
            "Система учёта трудовых договоров",
            "Employment Contract Register",
        ),
    )
]


def example_spec(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def system_for(kind: str, **extra: Any) -> AlgorithmicSystem:
    """A register entry with one model version of this kind, registered through the service."""
    texts = {
        "name": {
            "kk": "Отбасының цифрлық картасы",
            "ru": "Цифровая карта семьи",
            "en": "Digital Family Card",
        },
        "legal_basis": {
            "kk": "Қазақстан Республикасының Әлеуметтік кодексі, 1-бап",
            "ru": "Социальный кодекс Республики Казахстан, статья 1",
            "en": "Social Code of the Republic of Kazakhstan, article 1",
        },
        "purpose": {
            "kk": "Қолдауды қажет ететін отбасыларды табу",
            "ru": "Найти семьи, которым нужна поддержка",
            "en": "Find the families that need support",
        },
    }
    operator = Organisation.objects.create(
        code=f"mlsp-{next(_seq)}",
        kind=OrganisationKind.AGENCY,
        name={
            "kk": "Еңбек және халықты әлеуметтік қорғау министрлігі",
            "ru": "Министерство труда и социальной защиты населения",
            "en": "Ministry of Labour and Social Protection of the Population",
        },
    )
    system = factories.system(operator, **{**texts, "data_sources": DATA_SOURCES, **extra})
    factories.model_version(system, "1.0", example_spec(kind))
    return system


def citizen(n: int | None = None, **extra: Any) -> tuple[User, str]:
    """A signed-up citizen and their IIN."""
    n = n if n is not None else next(_seq) + 100
    iin = factories.iin(n)
    user = User.objects.create(
        username=f"citizen-{n}-{next(_seq)}",
        role=Role.CITIZEN,
        iin_hash=crypto.lookup_hash(iin),
        iin_encrypted=crypto.encrypt(iin),
        email=f"citizen{n}@example.org",
        **extra,
    )
    return user, iin


def decide(
    system: AlgorithmicSystem,
    *,
    iin: str,
    kind: str,
    values: dict[str, Any] | None = None,
    notified: bool = True,
    decided_at: dt.datetime | None = None,
    collection: dict[str, str] | None = None,
    recorded: tuple[float | None, str] | None = None,
    supersedes: str | None = None,
    human: dict[str, str] | None = None,
) -> Decision:
    """Ingest one decision about the person with this IIN and return it."""
    spec = example_spec(kind)
    values = copy.deepcopy(values or VALUES[kind])
    if recorded is not None:
        score, outcome = recorded
    elif kind == "opaque":
        score, outcome = 0.71, "REFER_TO_OFFICER"
    else:
        result = compile_spec(spec).score(values)
        score, outcome = result.score, result.outcome
    decided_at = decided_at or dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)
    features = {f["name"]: f for f in spec["features"]}
    external_id = f"case-{next(_seq)}"
    record: dict[str, Any] = {
        "external_id": external_id,
        "model_version": "1.0",
        "subject_iin": iin,
        "decided_at": decided_at.isoformat(),
        "notified": notified,
        "notified_at": (decided_at + dt.timedelta(days=1)).isoformat() if notified else None,
        "outcome": outcome,
        "score": score,
        "inputs": {
            name: {
                "value": value,
                "source": features[name]["source"],
                "as_of_date": "2025-09-01",
                "collection": (collection or {}).get(name, "registry"),
            }
            for name, value in values.items()
        },
        "human_involvement": human or {"kind": "NONE"},
    }
    if kind == "opaque":
        record["attributions"] = OPAQUE_ATTRIBUTIONS
    if supersedes:
        record["supersedes"] = supersedes
    result = decisions_ingest(
        organisation=system.operator, system_code=system.code, records=[record], actor="test"
    )
    return Decision.objects.select_related("system", "model_version").get(
        reference=result.created[0]["reference"]
    )
