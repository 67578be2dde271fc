"""Agency API tokens: issued once in clear, stored as SHA-256, revocable; every action audited."""

import hashlib
import hmac
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import AgencyToken, Organisation, OrganisationKind
from portal.audit.services import audit_record
from portal.exceptions import NotFound, Problem, ValidationFailed

TOKEN_PREFIX = "ap"  # noqa: S105 - a public marker, not a secret


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic(durable=True)
def token_issue(
    *, organisation_code: str, name: str, actor: str, now: datetime | None = None
) -> tuple[AgencyToken, str]:
    """Create a token for an agency; returns the row and the only copy of the clear token."""
    org = Organisation.objects.filter(code=organisation_code).first()
    if org is None:
        raise NotFound(f"no organisation {organisation_code!r}")
    if org.kind != OrganisationKind.AGENCY:
        raise ValidationFailed([Problem("organisation", "only agencies that operate systems get API tokens")])
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = AgencyToken.objects.create(
        organisation=org, name=name, prefix=prefix, key_hash=_hash(secret), created_at=now or timezone.now()
    )
    audit_record(
        action="api.token.issued",
        actor=actor,
        object_type="agency_token",
        object_id=token.pk,
        data={"organisation": org.code, "prefix": prefix, "name": name},
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic(durable=True)
def token_revoke(*, prefix: str, actor: str, now: datetime | None = None) -> AgencyToken:
    """Revoke a token by its public prefix; revoking twice is an error, not a silent success."""
    token = AgencyToken.objects.select_for_update().filter(prefix=prefix).first()
    if token is None:
        raise NotFound(f"no token with prefix {prefix!r}")
    if token.revoked_at is not None:
        raise ValidationFailed([Problem("prefix", "this token is already revoked")])
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        action="api.token.revoked",
        actor=actor,
        object_type="agency_token",
        object_id=token.pk,
        data={"organisation": token.organisation.code, "prefix": prefix},
    )
    return token


def token_authenticate(raw: str) -> AgencyToken | None:
    """The live token for a clear token string, or None (malformed, unknown, wrong secret or revoked)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        AgencyToken.objects.select_related("organisation")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _hash(parts[2])):
        return None
    return token
