"""Register entries for page tests (here and in tests/e2e), built directly: the pages only read them.

Every text field holds different words per language, so a test can tell which language a page shows.
"""

import datetime as dt
import itertools
from typing import Any

from explanations.models import AlgorithmicSystem, ModelVersion
from portal.accounts.models import Organisation, OrganisationKind

_seq = itertools.count(1)
ALMATY = dt.timezone(dt.timedelta(hours=5))


def texts(kk: str, ru: str, en: str) -> dict[str, str]:
    return {"kk": kk, "ru": ru, "en": en}


def make_organisation(**overrides: Any) -> Organisation:
    fields: dict[str, Any] = {
        "code": f"agency-{next(_seq)}",
        "kind": OrganisationKind.AGENCY,
        "name": texts("Еңбек министрлігі", "Министерство труда", "Ministry of Labour"),
        "website": "https://www.gov.kz/memleket/entities/enbek",
    }
    fields.update(overrides)
    return Organisation.objects.create(**fields)


def make_system(**overrides: Any) -> AlgorithmicSystem:
    fields: dict[str, Any] = {
        "code": f"social-aid-{next(_seq)}",
        "name": texts("Атаулы әлеуметтік көмек", "Адресная социальная помощь", "Targeted social assistance"),
        "summary": texts(
            "Жүйе отбасының әл-ауқатын бағалайды.",
            "Система оценивает благосостояние семьи.",
            "The system rates how well off a household is.",
        ),
        "purpose": texts(
            "Көмекті мұқтаж отбасыларға бағыттау.",
            "Направить помощь нуждающимся семьям.",
            "Direct help to the households that need it.",
        ),
        "legal_basis": texts(
            "Әлеуметтік кодекс, 1-бап", "Социальный кодекс, статья 1", "Social Code, article 1"
        ),
        "legal_basis_url": "https://adilet.zan.kz/kaz/docs/K2300000224",
        "decision_type": "BENEFIT",
        "affected_population": texts(
            "Көмек сұраған барлық отбасылар",
            "Все семьи, подавшие заявление",
            "Every household that applies",
        ),
        "decisions_per_year": 1234567,
        "automation_level": "RECOMMENDS",
        "human_involvement": texts(
            "Маман әр шешімді тексереді.",
            "Специалист проверяет каждое решение.",
            "An officer checks every decision.",
        ),
        "impact_level": "HIGH",
        "data_sources": [
            {
                "code": "MLSPP_INCOME",
                "name": texts("Табыс тізілімі", "Реестр доходов", "Income register"),
                "contributes": texts("Айлық табыс", "Ежемесячный доход", "Monthly income"),
            },
            {
                "code": "GBD_FL",
                "name": texts("Жеке тұлғалар базасы", "База физических лиц", "Register of persons"),
                "contributes": texts("Отбасы құрамы", "Состав семьи", "Who lives in the household"),
            },
        ],
        "known_limitations": texts(
            "Ресми емес табысты көрмейді.",
            "Не видит неофициальный доход.",
            "It cannot see informal income.",
        ),
        "appeal_window_days": 30,
        "review_deadline_working_days": 15,
        "near_threshold_band": 0.05,
        "responsible_official": "Айгүл Серікқызы",
        "contact_email": "appeals@enbek.example.kz",
        "contact_phone": "+7 7172 00 00 00",
    }
    fields.update(overrides)
    if "operator" not in fields:
        fields["operator"] = make_organisation()
    return AlgorithmicSystem.objects.create(**fields)


def make_version(system: AlgorithmicSystem, **overrides: Any) -> ModelVersion:
    fields: dict[str, Any] = {
        "system": system,
        "version": "2.1",
        "kind": "scorecard",
        "spec": {"kind": "scorecard"},
        "spec_hash": "c" * 64,
        "released_at": dt.datetime(2025, 3, 5, 10, 0, tzinfo=ALMATY),
        "retired_at": None,
        "dataset_name": "Household snapshot",
        "dataset_version": "2024-12",
        "dataset_sha256": "d" * 64,
        "parameters": {"subsistence_minimum_kzt": 46228, "cut_off": 0.5},
        "change_note": texts("Жаңа шекті мән", "Новый порог", "New threshold"),
        "artifact_sha256": "e" * 64,
        "performance": {
            "overall": {"accuracy": 0.912, "false_negative_rate": 0.081},
            "groups": [
                {"attribute": "settlement", "value": "RURAL", "metrics": {"false_negative_rate": 0.12}},
                {"attribute": "region", "value": "Абай облысы", "metrics": {"accuracy": 0.9}},
            ],
        },
        "registered_at": dt.datetime(2025, 3, 1, 9, 0, tzinfo=ALMATY),
    }
    fields.update(overrides)
    return ModelVersion.objects.create(**fields)


def make_entry_with_versions(**overrides: Any) -> AlgorithmicSystem:
    """A register entry with a current model version (with performance) and a retired one (without)."""
    entry = make_system(**overrides)
    make_version(entry)
    make_version(
        entry,
        version="1.0",
        released_at=dt.datetime(2024, 1, 15, 10, 0, tzinfo=ALMATY),
        retired_at=dt.datetime(2025, 3, 5, 10, 0, tzinfo=ALMATY),
        change_note=texts("Алғашқы нұсқа", "Первая версия", "First version"),
        artifact_sha256="",
        performance={},
        parameters={},
    )
    return entry
