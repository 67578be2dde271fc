"""Outcomes for the agencies that operate the systems: a poll feed, a signed webhook, and the acknowledgement
that an overturn was carried out.

One OutcomeDelivery row per decided appeal, written in the deciding transaction. Agencies poll them by id
(keyset), and an agency with a webhook gets each pushed:

    POST <url>
    Content-Type: application/json
    Idempotency-Key: outcome-<delivery id>
    X-Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The push is a side effect that cannot be rolled back, so it uses the same claim-and-lease outbox as
notifications (portal/outbox.py: PENDING → SENDING with a claim token and a lease, committed → POST → SENT
only if the token still matches). The body is frozen at the first attempt, so every retry sends the same bytes under the
same Idempotency-Key. Retries back off exponentially (WEBHOOK_RETRY_BASE_SECONDS · 2^(n-1), capped) and are
found by a beat scan of due rows, never by long ETA tasks; after WEBHOOK_MAX_ATTEMPTS the row is FAILED.

Receivers verify: recompute the HMAC over "<t>." + raw body with their secret, compare in constant time,
and reject a timestamp more than five minutes old.
"""

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import crypto, outbox
from portal.accounts.models import Organisation, OrganisationKind
from portal.audit.services import audit_record
from portal.exceptions import Conflict, NotFound, Problem, ValidationFailed

from ..models import AgencyWebhook, Appeal, OutcomeDelivery, TimelineEvent
from ..states import Outcome
from . import jobs
from .messages import APPELLANT
from .notify import appeal_context, enqueue

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Portal-Signature"
WEBHOOK_SECRET_AD = b"webhook"
CARRY_OUT_OUTCOMES = frozenset({Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED})
NOTE_MAX = 2000
POLL_MAX = 500


# --- recording and reading ----------------------------------------------------------------------------------


def outcome_record(*, appeal: Appeal, now: dt.datetime) -> OutcomeDelivery:
    """Inside the deciding transaction: the outcome row for the operating agency (idempotent per appeal); a
    first push is attempted right after commit when the agency has an active webhook."""

    operator_id = appeal.decision.system.operator_id
    has_webhook = AgencyWebhook.objects.filter(organisation_id=operator_id, active=True).exists()
    delivery, created = OutcomeDelivery.objects.get_or_create(
        appeal=appeal,
        defaults={
            "organisation_id": operator_id,
            "created_at": now,
            "next_attempt_at": now,
            "state": OutcomeDelivery.State.PENDING if has_webhook else OutcomeDelivery.State.POLL_ONLY,
        },
    )
    if created and has_webhook:
        jobs.after_commit(jobs.DELIVER_OUTCOME_WEBHOOK, delivery_id=delivery.pk)
    return delivery


def outcome_payload(delivery: OutcomeDelivery) -> dict[str, Any]:
    """What an agency learns of one outcome: references, the outcome and the data corrections — never the
    citizen's identity, statement or evidence."""
    appeal = delivery.appeal
    decision = appeal.decision
    return {
        "id": delivery.pk,
        "type": "appeal.outcome",
        "appeal_reference": appeal.reference,
        "decision_reference": decision.reference,
        "system": decision.system.code,
        "external_id": decision.external_id,
        "original_outcome": decision.outcome,
        "outcome": appeal.outcome,
        "new_outcome": appeal.new_outcome or None,
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "action_required": appeal.outcome in CARRY_OUT_OUTCOMES,
        "corrections": [
            {
                "feature": c.feature,
                "source": c.source,
                "recorded_value": c.recorded_value,
                "correct_value": c.correct_value,
                "status": c.status,
            }
            for c in appeal.corrections.order_by("id")
        ],
    }


def outcome_view(delivery: OutcomeDelivery) -> dict[str, Any]:
    """The poll and acknowledgement representation: the payload plus the carry-out state."""
    return {
        **outcome_payload(delivery),
        "carried_out_at": delivery.carried_out_at.isoformat() if delivery.carried_out_at else None,
        "carried_out_note": delivery.carried_out_note or None,
    }


def _deliveries() -> Any:
    return OutcomeDelivery.objects.select_related("appeal__decision__system").prefetch_related(
        "appeal__corrections"
    )


def outcomes_for_agency(
    *, organisation: Organisation, after: int = 0, limit: int = 100
) -> list[OutcomeDelivery]:
    """The agency's outcomes with id > `after`, oldest first (keyset pagination: the last id is the
    cursor)."""
    limit = max(1, min(limit, POLL_MAX))
    return list(_deliveries().filter(organisation=organisation, pk__gt=after).order_by("id")[:limit])


@transaction.atomic(durable=True)
def outcome_acknowledge(
    *, organisation: Organisation, delivery_id: int, note: str, actor: str, now: dt.datetime | None = None
) -> OutcomeDelivery:
    """The agency confirms it carried out an overturn. Idempotent: a repeat returns the first record.

    NotFound for another agency's outcome; Conflict when the outcome requires nothing to be carried out;
    ValidationFailed without a note. Audited, on the appeal's timeline, and the appellant is told.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise ValidationFailed([Problem("note", f"say what was done, in 1 to {NOTE_MAX} characters")])
    delivery = (
        OutcomeDelivery.objects.select_for_update(of=("self",))
        .select_related("appeal__appellant")
        .filter(pk=delivery_id, organisation=organisation)
        .first()
    )
    if delivery is None:
        raise NotFound("No such outcome among your systems.")
    appeal = delivery.appeal
    if appeal.outcome not in CARRY_OUT_OUTCOMES:
        raise Conflict("This outcome leaves the decision as it was: there is nothing to carry out.")
    if delivery.carried_out_at is not None:
        return delivery
    delivery.carried_out_at = now
    delivery.carried_out_note = note
    delivery.carried_out_by = actor[:100]
    delivery.save(update_fields=["carried_out_at", "carried_out_note", "carried_out_by"])
    TimelineEvent.objects.create(
        appeal=appeal,
        code="appeal.outcome.carried_out",
        actor=None,
        actor_role="agency",
        from_state=appeal.state,
        to_state=appeal.state,
        reason=note,
        data={"delivery": delivery.pk, "by": actor[:100]},
        at=now,
    )
    audit_record(
        action="appeal.outcome.carried_out",
        actor=actor,
        object_type="appeal",
        object_id=appeal.pk,
        data={
            "delivery": delivery.pk,
            "reference": appeal.reference,
            "note_sha256": hashlib.sha256(note.encode()).hexdigest(),
        },
        now=now,
    )
    enqueue(
        appeal=appeal,
        recipient=appeal.appellant,
        event="appeal.outcome.carried_out",
        now=now,
        key=f"appeal.outcome.carried_out:{appeal.pk}",
        context=appeal_context(appeal, audience=APPELLANT),
    )
    return delivery


# --- webhooks -----------------------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    allowed = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
        raise ValidationFailed(
            [Problem("url", f"give an absolute {' or '.join(sorted(allowed))} URL without credentials")]
        )
    return url


@transaction.atomic(durable=True)
def webhook_register(
    *, organisation_code: str, url: str, actor: Any, now: dt.datetime | None = None
) -> tuple[AgencyWebhook, str]:
    """Set the agency's webhook (replacing an active one) and return it with its signing secret, which is
    shown this once and stored only encrypted."""
    now = now or timezone.now()
    organisation = Organisation.objects.filter(code=organisation_code, kind=OrganisationKind.AGENCY).first()
    if organisation is None:
        raise NotFound(f"no agency {organisation_code!r}")
    _check_url(url)
    AgencyWebhook.objects.filter(organisation=organisation, active=True).update(
        active=False, deactivated_at=now
    )
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = AgencyWebhook.objects.create(
        organisation=organisation,
        url=url,
        secret_encrypted=crypto.encrypt(secret, associated=WEBHOOK_SECRET_AD),
        created_at=now,
    )
    audit_record(
        action="agency.webhook.registered",
        actor=actor,
        object_type="organisation",
        object_id=organisation.pk,
        data={"webhook": hook.pk, "url": url},
        now=now,
    )
    return hook, secret


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Portal-Signature value: t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_signature_valid(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = 300
) -> bool:
    """What a receiver does (and what tests use): check the signature and the timestamp's freshness."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def _policy() -> outbox.Policy:
    """Retries back off base·2^(n-1) up to the maximum; the beat scan, not a task retry, sends them again, so
    a retry is due exactly after its backoff (no relay age)."""
    return outbox.Policy(
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        backoff_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS,
        backoff_max_seconds=settings.WEBHOOK_RETRY_MAX_SECONDS,
        lease_seconds=settings.WEBHOOK_LEASE_SECONDS,
        relay_age_seconds=0,
    )


def retry_delay(attempts: int) -> int:
    return _policy().retry_delay(attempts)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is a failed delivery: the registered URL is the only destination


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the HTTP status (raises OSError on network failures)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - checked
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _due(now: dt.datetime) -> Q:
    """A push is due once its backoff has passed, or when the worker pushing it died (its lease ran out)."""
    return (
        Q(state=OutcomeDelivery.State.PENDING)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    ) | Q(state=OutcomeDelivery.State.SENDING, lease_expires_at__lt=now)


def _claim(deliveries: list[OutcomeDelivery], now: dt.datetime) -> list[outbox.Claim]:
    """Inside a transaction holding the rows' locks: each row taken for one attempt (portal.outbox.take), the
    body frozen on the first attempt. An agency without an active webhook is left to poll."""
    hooked = set(
        AgencyWebhook.objects.filter(
            organisation_id__in={d.organisation_id for d in deliveries}, active=True
        ).values_list("organisation_id", flat=True)
    )
    claims = []
    for delivery in deliveries:
        if delivery.organisation_id not in hooked:
            delivery.state = OutcomeDelivery.State.POLL_ONLY
            delivery.save(update_fields=["state"])
            continue
        if delivery.payload is None:
            delivery.payload = outcome_payload(delivery)
        claims.append(outbox.take(delivery, now=now, policy=_policy(), update_fields=("payload",)))
    return claims


def webhook_deliver(*, delivery_id: int, claim_token: str | None = None) -> str:
    """Push one outcome: "delivered", "retry" (back to PENDING with a backed-off next attempt), "failed"
    (after the last attempt), "skipped" (not due, held by another worker, delivered, or no webhook), or
    "superseded" (our lease ran out and another attempt took over; it sends the same body and key).

    Without `claim_token` the row is claimed here (the first push after commit); the beat scan claims rows
    itself and passes the token.
    """
    if claim_token is None:
        with transaction.atomic():
            rows = list(
                _deliveries()
                .select_for_update(skip_locked=True, of=("self",))
                .filter(_due(timezone.now()), pk=delivery_id)
            )
            claims = _claim(rows, timezone.now())
        claim = claims[0] if claims else None
    else:
        claim = outbox.holding(OutcomeDelivery, delivery_id, claim_token)
    if claim is None:
        return "skipped"
    delivery: OutcomeDelivery = claim.row
    hook = AgencyWebhook.objects.filter(organisation_id=delivery.organisation_id, active=True).first()
    if hook is None or delivery.payload is None:
        return "skipped"
    secret = crypto.decrypt(bytes(hook.secret_encrypted), associated=WEBHOOK_SECRET_AD)
    body = orjson.dumps(delivery.payload, option=orjson.OPT_SORT_KEYS)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "appeal-portal-webhooks/1",
        "Idempotency-Key": f"outcome-{delivery.pk}",
        "X-Portal-Delivery-Attempt": str(delivery.attempts),
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=int(time.time()), body=body),
    }
    status: int | None = None
    error = ""
    try:
        status = _post(hook.url, body, headers)
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    if status is not None and 200 <= status < 300:
        sent = outbox.mark_sent(claim, provider_id="", now=timezone.now(), last_status=status)
        return "delivered" if sent else "superseded"
    error = error or f"HTTP {status}"
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        return "failed" if outbox.give_up(claim, error, last_status=status) else "superseded"
    delay = outbox.retry_or_fail(
        claim, error, now=timezone.now(), policy=_policy(), fields={"last_status": status}
    )
    return "retry" if delay is not None else "superseded"


def webhook_scan(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Beat scan: claim every outcome whose next push is due (or whose pushing worker died: its lease ran
    out) and enqueue the push with its claim token. SKIP LOCKED batches; returns how many were enqueued."""

    now = now or timezone.now()
    batch_size = batch_size or settings.APPEAL_SCAN_BATCH
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                _deliveries()
                .select_for_update(skip_locked=True, of=("self",))
                .filter(_due(now))
                .order_by("id")[:batch_size]
            )
            claims = _claim(rows, now)
            transaction.on_commit(partial(_publish, claims), robust=True)
        total += len(claims)
        if len(rows) < batch_size:
            return total


def _publish(claims: list[outbox.Claim]) -> None:
    for c in claims:
        jobs.send(jobs.DELIVER_OUTCOME_WEBHOOK, delivery_id=c.row.pk, claim_token=c.token)
