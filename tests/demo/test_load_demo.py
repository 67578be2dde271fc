"""`manage.py load_demo`: plausible, replayable, audited demo data, loaded once."""

import math
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from demo.load import USERS
from demo.versions import decision_threshold
from explanations.models import (
    AlgorithmicSystem,
    Decision,
    ModelKind,
    ModelVersion,
    Reproducibility,
)
from explanations.spec import compile_spec
from portal import crypto
from portal.accounts.models import AgencyToken, Organisation, Role, User
from portal.audit.models import AuditEvent
from portal.audit.services import audit_verify
from portal.identifiers import iin_is_valid

DEMO_SYSTEMS = ("digital-family-card", "tax-risk")


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, AlgorithmicSystem, ModelVersion, Decision, User, AgencyToken, AuditEvent)
    }


def _near_side(decision: Decision) -> str:
    """'below'/'above' when the replayed score lies within the system's band of the cut-off, else ''."""
    cutoff = decision_threshold(decision.model_version.spec)
    band = decision.system.near_threshold_band
    score = decision.replayed_score
    assert score is not None and band is not None
    if score < cutoff:
        return "below" if cutoff - score <= band + 1e-9 else ""
    return "above" if score - cutoff <= band + 1e-9 else ""


@pytest.mark.django_db
def test_load_demo_creates_plausible_replayable_audited_data() -> None:
    output = _load()

    decisions = list(
        Decision.objects.filter(system__code__in=DEMO_SYSTEMS).select_related("system", "model_version")
    )
    per_system = Counter(d.system.code for d in decisions)
    assert 2_500 <= len(decisions) <= 3_500, per_system
    assert all(per_system[code] >= 900 for code in DEMO_SYSTEMS), per_system
    versions = Counter(d.model_version.version for d in decisions)
    assert set(versions) == {"v2025.1", "v2026.1", "v1.0", "v1.1"}, versions
    assert ModelVersion.objects.filter(system__code__in=DEMO_SYSTEMS, retired_at__isnull=True).count() == 2
    assert Organisation.objects.filter(kind="AGENCY", code__in=["mlsp", "src"]).count() == 2
    assert Organisation.objects.filter(kind__in=["REVIEW_BODY", "OMBUDSMAN", "PORTAL"]).count() >= 3
    assert "Demo data loaded" in output

    # Silent assessments, including families just above the support cut-off who were never told.
    silent = [d for d in decisions if not d.notified]
    assert silent
    assert any(d.system.code == "digital-family-card" and _near_side(d) == "above" for d in silent)

    # Near-threshold cases on both sides, for both systems.
    sides = Counter((d.system.code, _near_side(d)) for d in decisions)
    for code in DEMO_SYSTEMS:
        assert sides[(code, "below")] > 0 and sides[(code, "above")] > 0, sides

    # Deliberate agency errors are caught; every reproduced decision equals the replay.
    assert any(d.reproducibility == Reproducibility.MISMATCH for d in decisions)
    for d in decisions:
        if d.model_version.kind == ModelKind.OPAQUE or d.reproducibility != Reproducibility.REPRODUCED:
            continue
        replay = compile_spec(d.model_version.spec).score({k: v["value"] for k, v in d.inputs.items()})
        assert d.outcome == replay.outcome, d.reference
        assert d.score is not None and replay.score is not None
        assert math.isclose(d.score, replay.score, rel_tol=1e-9, abs_tol=1e-9), d.reference

    # Corrections supersede an earlier decision of the same person; humans are named by role.
    corrections = [d for d in decisions if d.supersedes_id is not None]
    assert corrections
    assert all(d.subject_iin_hash == d.supersedes.subject_iin_hash for d in corrections)  # type: ignore[union-attr]
    assert all(d.human_role for d in decisions if d.human_involvement != "NONE")
    assert {d.human_involvement for d in decisions} >= {"NONE", "REVIEWED", "DECIDED"}
    households = Counter(d.household_id for d in decisions if d.household_id)
    assert max(households.values()) >= 2

    # Every IIN is a valid one.
    assert all(iin_is_valid(crypto.decrypt(bytes(d.subject_iin_encrypted))) for d in decisions)
    citizens = list(User.objects.filter(role=Role.CITIZEN, username__in=[u.username for u in USERS]))
    assert len(citizens) == 2
    for citizen in citizens:
        assert citizen.iin_encrypted is not None and citizen.iin_hash
        iin = crypto.decrypt(bytes(citizen.iin_encrypted))
        assert iin_is_valid(iin) and crypto.lookup_hash(iin) == citizen.iin_hash
        theirs = [d for d in decisions if d.subject_iin_hash == citizen.iin_hash]
        assert len(theirs) >= 3, citizen.username
        assert any(not d.notified for d in theirs), citizen.username
        assert any(_near_side(d) for d in theirs), citizen.username

    # One user per role; staff belong to an organisation; one API token per agency.
    roles = Counter(
        User.objects.filter(username__in=[u.username for u in USERS]).values_list("role", flat=True)
    )
    assert roles == {
        Role.CITIZEN: 2,
        Role.REVIEWER: 1,
        Role.SUPERVISOR: 1,
        Role.AGENCY_STAFF: 1,
        Role.OMBUDSMAN: 1,
        Role.ADMIN: 1,
    }
    assert (
        not User.objects.filter(username__in=[u.username for u in USERS])
        .exclude(role=Role.CITIZEN)
        .filter(organisation__isnull=True)
        .exists()
    )
    assert User.objects.get(role=Role.ADMIN, username="portal.admin").is_superuser
    assert set(AgencyToken.objects.values_list("organisation__code", flat=True)) == {"mlsp", "src"}

    assert audit_verify().ok


@pytest.mark.django_db
def test_load_demo_a_second_time_changes_nothing() -> None:
    _load()
    before = _snapshot()

    output = _load()

    assert _snapshot() == before
    assert "nothing changed" in output
    assert "aigul.omarova" in output  # the sign-ins are printed again


@pytest.mark.django_db
def test_load_demo_refuses_to_mix_with_other_data_under_a_demo_code() -> None:
    Organisation.objects.create(code="mlsp", kind="AGENCY", name={"kk": "x", "ru": "x", "en": "x"})

    with pytest.raises(CommandError, match="incomplete"):
        _load()

    assert not Decision.objects.exists()
