"""Loading the demo: organisations, register entries, model versions, decisions, users and agency tokens.

Model versions, decisions and tokens go through the production services (``model_version_register``,
``decisions_ingest``, ``token_issue``), so they are validated, replayed, hashed and audited exactly as when an
agency posts them. Organisations, register entries and users have no service yet: they are created here with
the ORM, and each organisation and register entry gets its audit event.

Idempotent: when the demo organisations, systems, versions, users and decisions are all present, nothing is
written. Everything but the tokens is loaded in one transaction; ``token_issue`` is durable (it commits on its
own), so tokens are issued afterwards, only for an agency that has no demo token yet.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from explanations.models import AlgorithmicSystem, Decision, ModelVersion, Reproducibility
from explanations.services.ingest import decisions_ingest
from explanations.services.model_versions import model_version_register
from portal import crypto
from portal.accounts.models import AgencyToken, Organisation, Role, User
from portal.accounts.totp import demo_totp_secret, seal_secret
from portal.api.tokens import token_issue
from portal.audit.services import audit_record

from . import content
from .generate import DemoData, IinMaker, build, demo_citizens
from .versions import VersionPlan, version_plans

ACTOR = "system:load_demo"
DEMO_LABEL = "demo"
#: A system with fewer decisions than this was not loaded by this command (or not completely).
MIN_DECISIONS_PER_SYSTEM = 500


class DemoStateError(Exception):
    """Some demo objects exist but not all: the database holds something else under the demo's codes."""


@dataclass(frozen=True)
class DemoUser:
    key: str
    username: str
    password: str
    role: str
    organisation: str | None
    full_name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    language: str
    superuser: bool = False


# Fixed demo passwords: printed by the command, never for production (the command refuses production settings).
USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "aigul",
        "aigul.omarova",
        "Saryarka-Steppe-4821",
        Role.CITIZEN,
        None,
        "Айгүл Серікқызы Омарова",
        "Айгүл",
        "Омарова",
        "aigul.omarova@example.org",
        "+7 701 000 42 17",
        "kk",
    ),
    DemoUser(
        "erlan",
        "erlan.zhumabayev",
        "Irtysh-River-7305",
        Role.CITIZEN,
        None,
        "Ерлан Маратович Жумабаев",
        "Ерлан",
        "Жумабаев",
        "erlan.zhumabayev@example.org",
        "+7 705 000 13 85",
        "ru",
    ),
    DemoUser(
        "reviewer",
        "reviewer.sarsenova",
        "Altai-Cedar-9150",
        Role.REVIEWER,
        content.REVIEW_BODY,
        "Динара Болатқызы Сәрсенова",
        "Динара",
        "Сәрсенова",
        "d.sarsenova@commission.example.org",
        "+7 7172 00 03 11",
        "kk",
    ),
    DemoUser(
        "supervisor",
        "supervisor.kim",
        "Caspian-Tern-3378",
        Role.SUPERVISOR,
        content.REVIEW_BODY,
        "Андрей Сергеевич Ким",
        "Андрей",
        "Ким",
        "a.kim@commission.example.org",
        "+7 7172 00 03 12",
        "ru",
    ),
    DemoUser(
        "agency",
        "mlsp.ismailova",
        "Charyn-Canyon-6042",
        Role.AGENCY_STAFF,
        content.MLSP,
        "Гүлнар Ахметқызы Исмаилова",
        "Гүлнар",
        "Исмаилова",
        "g.ismailova@mlsp.example.org",
        "+7 7172 00 01 21",
        "kk",
    ),
    DemoUser(
        "ombudsman",
        "ombudsman.bekmukhambetov",
        "Tengri-Sky-5519",
        Role.OMBUDSMAN,
        content.OMBUDSMAN,
        "Нұрлан Қайратұлы Бекмұхамбетов",
        "Нұрлан",
        "Бекмұхамбетов",
        "n.bekmukhambetov@ombudsman.example.org",
        "+7 7172 00 04 11",
        "ru",
    ),
    DemoUser(
        "admin",
        "portal.admin",
        "Baiterek-Tower-2264",
        Role.ADMIN,
        content.PORTAL,
        "Portal Administrator",
        "Portal",
        "Administrator",
        "admin@portal.example.org",
        "+7 7172 00 05 11",
        "en",
        superuser=True,
    ),
)


@dataclass(frozen=True)
class SignIn:
    role: str
    username: str
    password: str
    organisation: str
    full_name: str
    iin: str


@dataclass
class DemoReport:
    created: bool
    counts: dict[str, int]
    sign_ins: list[SignIn]
    tokens: dict[str, str] = field(default_factory=dict)  # organisation code -> clear token (issued now)
    existing_tokens: dict[str, str] = field(default_factory=dict)  # organisation code -> prefix
    seconds: float = 0.0


def _citizen_iins() -> dict[str, str]:
    """The citizens' fixed IINs (the same the generated decisions carry)."""
    makers = IinMaker(random.Random(0))  # noqa: S311 - serials are fixed; the generator is not consulted
    return {key: person.iin for key, person in demo_citizens(makers).items()}


def sign_ins() -> list[SignIn]:
    """The demo accounts with their passwords (and IINs for citizens), in the order they are printed."""
    iins = _citizen_iins()
    return [
        SignIn(u.role, u.username, u.password, u.organisation or "", u.full_name, iins.get(u.key, ""))
        for u in USERS
    ]


# --------------------------------------------------------------------------------------------------------------
# State


def _state() -> str:
    """'absent', 'complete' or 'partial' (some demo objects exist, others do not)."""
    org_codes = [o.code for o in content.ORGANISATIONS]
    orgs = Organisation.objects.filter(code__in=org_codes).count()
    systems = AlgorithmicSystem.objects.filter(code__in=[content.DFC, content.TAX]).count()
    users = User.objects.filter(username__in=[u.username for u in USERS]).count()
    if orgs == systems == users == 0:
        return "absent"
    versions = ModelVersion.objects.filter(system__code__in=[content.DFC, content.TAX]).count()
    per_system = Counter(
        Decision.objects.filter(system__code__in=[content.DFC, content.TAX]).values_list(
            "system__code", flat=True
        )
    )
    complete = (
        orgs == len(org_codes)
        and systems == 2
        and users == len(USERS)
        and versions >= 4
        and all(per_system[code] >= MIN_DECISIONS_PER_SYSTEM for code in (content.DFC, content.TAX))
    )
    return "complete" if complete else "partial"


def demo_counts() -> dict[str, int]:
    """What the demo systems hold now (for the summary)."""
    decisions = Decision.objects.filter(system__code__in=[content.DFC, content.TAX])
    return {
        "organisations": Organisation.objects.filter(
            code__in=[o.code for o in content.ORGANISATIONS]
        ).count(),
        "systems": AlgorithmicSystem.objects.filter(code__in=[content.DFC, content.TAX]).count(),
        "model versions": ModelVersion.objects.filter(system__code__in=[content.DFC, content.TAX]).count(),
        "decisions": decisions.count(),
        "silent assessments": decisions.filter(notified=False).count(),
        "not reproducible": decisions.filter(reproducibility=Reproducibility.MISMATCH).count(),
        "corrections": decisions.filter(supersedes__isnull=False).count(),
        "with human involvement": decisions.exclude(human_involvement="NONE").count(),
        "households": decisions.exclude(household_id="").values("household_id").distinct().count(),
        "people": decisions.values("subject_iin_hash").distinct().count(),
        "users": User.objects.filter(username__in=[u.username for u in USERS]).count(),
    }


# --------------------------------------------------------------------------------------------------------------
# Writers (inside the load transaction)


def _create_organisations() -> dict[str, Organisation]:
    out = {}
    for spec in content.ORGANISATIONS:
        org = Organisation.objects.create(
            code=spec.code,
            kind=spec.kind,
            name=spec.name,
            contact_email=spec.contact_email,
            contact_phone=spec.contact_phone,
            website=spec.website,
        )
        audit_record(
            action="organisation.created",
            actor=ACTOR,
            object_type="organisation",
            object_id=org.code,
            data={"code": org.code, "kind": org.kind, "name": org.name},
        )
        out[org.code] = org
    return out


def _data_sources(system_code: str, plans: list[VersionPlan]) -> list[dict[str, Any]]:
    """The registries a system uses: every source its versions' features name, then the extra ones."""
    codes: list[str] = []
    for plan in plans:
        if plan.system == system_code:
            codes.extend(f["source"] for f in plan.spec["features"] if f["source"] not in codes)
    codes.extend(c for c in content.EXTRA_SOURCES.get(system_code, ()) if c not in codes)
    unknown = [c for c in codes if c not in content.REGISTRIES]
    if unknown:
        raise DemoStateError(f"the demo has no description of the registries {', '.join(unknown)}")
    return [content.REGISTRIES[c] for c in codes]


def _create_systems(orgs: dict[str, Organisation], plans: list[VersionPlan]) -> None:
    for entry, operator in ((content.DFC_SYSTEM, content.MLSP), (content.TAX_SYSTEM, content.SRC)):
        system = AlgorithmicSystem.objects.create(
            operator=orgs[operator], data_sources=_data_sources(entry["code"], plans), **entry
        )
        audit_record(
            action="system.registered",
            actor=ACTOR,
            object_type="system",
            object_id=system.code,
            data={
                "code": system.code,
                "operator": operator,
                "decision_type": system.decision_type,
                "impact_level": system.impact_level,
                "automation_level": system.automation_level,
            },
        )


def _register_versions(orgs: dict[str, Organisation], plans: list[VersionPlan]) -> int:
    operators = {content.DFC: orgs[content.MLSP], content.TAX: orgs[content.SRC]}
    created = 0
    for plan in plans:
        _, new = model_version_register(
            organisation=operators[plan.system], system_code=plan.system, payload=plan.payload, actor=ACTOR
        )
        created += new
    return created


def _ingest(orgs: dict[str, Organisation], data: DemoData) -> int:
    operators = {content.DFC: orgs[content.MLSP], content.TAX: orgs[content.SRC]}
    mismatches = 0
    for system_code, records in data.batches:
        result = decisions_ingest(
            organisation=operators[system_code], system_code=system_code, records=records, actor=ACTOR
        )
        mismatches += result.not_reproducible
    return mismatches


def _create_users(orgs: dict[str, Organisation]) -> None:
    iins = _citizen_iins()
    for spec in USERS:
        user = User(
            username=spec.username,
            role=spec.role,
            organisation=orgs[spec.organisation] if spec.organisation else None,
            full_name=spec.full_name,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=spec.email,
            phone=spec.phone,
            preferred_language=spec.language,
            is_staff=spec.superuser,
            is_superuser=spec.superuser,
        )
        if spec.key in iins:
            user.iin_hash = crypto.lookup_hash(iins[spec.key])
            user.iin_encrypted = crypto.encrypt(iins[spec.key])
        if spec.role != Role.CITIZEN:
            # A fixed, published authenticator secret so demo staff can complete the second factor.
            user.totp_secret = seal_secret(demo_totp_secret())
        validate_password(spec.password, user)
        user.set_password(spec.password)
        user.save()


def _issue_tokens() -> tuple[dict[str, str], dict[str, str]]:
    """One demo token per agency that has none yet: (new clear tokens, prefixes of those already issued)."""
    issued: dict[str, str] = {}
    existing: dict[str, str] = {}
    for code in (content.MLSP, content.SRC):
        token = (
            AgencyToken.objects.filter(organisation__code=code, name=DEMO_LABEL, revoked_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if token is not None:
            existing[code] = token.prefix
            continue
        _, clear = token_issue(organisation_code=code, name=DEMO_LABEL, actor=ACTOR)
        issued[code] = clear
    return issued, existing


def demo_load() -> DemoReport:
    """Load the demo unless it is already there; report what was done. Raises DemoStateError on a partial
    state (demo codes taken by other data), and whatever a service raises if the demo data were invalid."""
    started = time.monotonic()
    state = _state()
    if state == "partial":
        raise DemoStateError(
            "Some demo organisations, systems or users exist but the demo is incomplete; "
            "refusing to mix the demo with other data. Use an empty database."
        )
    created = state == "absent"
    if created:
        plans = version_plans()
        data = build(plans)
        with transaction.atomic():
            orgs = _create_organisations()
            _create_systems(orgs, plans)
            _register_versions(orgs, plans)
            _ingest(orgs, data)
            _create_users(orgs)
    tokens, existing = _issue_tokens()
    return DemoReport(
        created=created,
        counts=demo_counts(),
        sign_ins=sign_ins(),
        tokens=tokens,
        existing_tokens=existing,
        seconds=time.monotonic() - started,
    )
