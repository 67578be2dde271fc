"""Sign-in: citizens by one-time code or the identity provider, staff by password and an authenticator app's
code (RFC 6238); sessions ended. Every write audited.

One-time codes are keyed by the IIN's look-up hash, so an unknown IIN goes through the same steps (hash,
throttle, a code row, an audit event, one task published after commit) as a registered one; only the outbox
rows differ, and a Celery worker sends them, so the response time does not tell whether anything was sent.

Nothing here ever logs or audits an IIN, a code, a password, a TOTP secret or a token: events carry user ids and
short prefixes of keyed hashes.
"""

import dataclasses
import datetime as dt
import enum
import hmac
import logging
import re
import secrets
import smtplib
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from portal import jobs, outbox, sms
from portal.audit.services import audit_record
from portal.crypto import decrypt, encrypt, lookup_hash
from portal.identifiers import iin_is_valid

from . import permissions, selectors, throttle, totp
from .devices import Requester
from .models import CodeDelivery, OneTimeCode, Role, User

logger = logging.getLogger(__name__)

OTP_DIGITS = 6
OTP_LIFETIME = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
# Keep rows a day past expiry for investigations, then purge.
OTP_RETENTION = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window_seconds: int


# One-time codes are limited with exponential waits (throttle.Backoff: a few free, then 1, 2, 4, 8, 16 minutes
# between attempts, forgotten after an hour without any), never a fixed lock-out, and per *requester*
# (devices.Requester):
# - a known device (its signed cookie says it signed in with this IIN before) is counted per IIN and device
#   only, so attempts by anyone else against the IIN never slow its owner down;
# - every other client is counted per IIN hash (registered or not, so a wait says nothing about
#   registration) and per client address.
# IINs are not secret, so the per-IIN counters must never be able to lock the owner out: they apply only to
# devices that have not signed in with the IIN. Guesses stay far below reliability.md's ≤100 failures per
# account-hour: per IIN about a dozen failures an hour from unknown devices, and a code allows 5 attempts.
_MINUTE = 60
_CAP = 16 * _MINUTE
OTP_ISSUE_PER_DEVICE = throttle.Backoff("otp-issue-device", free=5, base_seconds=_MINUTE, cap_seconds=_CAP)
OTP_ISSUE_PER_IIN = throttle.Backoff("otp-issue-iin", free=3, base_seconds=_MINUTE, cap_seconds=_CAP)
OTP_ISSUE_PER_ADDRESS = throttle.Backoff("otp-issue-ip", free=10, base_seconds=_MINUTE, cap_seconds=_CAP)
OTP_FAILURES_PER_DEVICE = throttle.Backoff("otp-fail-device", free=10, base_seconds=_MINUTE, cap_seconds=_CAP)
OTP_FAILURES_PER_IIN = throttle.Backoff("otp-fail-iin", free=5, base_seconds=_MINUTE, cap_seconds=_CAP)
OTP_FAILURES_PER_ADDRESS = throttle.Backoff("otp-fail-ip", free=10, base_seconds=_MINUTE, cap_seconds=_CAP)

PURPOSE_SIGN_IN = "sign_in"
_PURPOSE = re.compile(r"^[a-z_]{1,20}(:[A-Za-z0-9_-]{1,58})?$")

METHOD_CODE = "otp"
METHOD_OIDC = "oidc"


def lookup_purpose(reference: str) -> str:
    """The purpose of a code that lets a person holding a letter see the decision with this reference."""
    return f"lookup:{reference}"


class OtpResult(enum.Enum):
    VALID = "valid"
    WRONG = "wrong"
    EXPIRED = "expired"
    # No live code: never issued, already used, or replaced by a newer one.
    MISSING = "missing"
    TOO_MANY_ATTEMPTS = "too_many_attempts"


class SignInRefused(Exception):
    """The identity is genuine but this account may not sign in here (e.g. a staff or deactivated account)."""


# --- delivery ---------------------------------------------------------------------------------------------


# One-time codes go through the same kind of outbox as every other message (portal/outbox.py): a CodeDelivery
# row per contact, written in the code's transaction, sent by the accounts.deliver_code task after commit. Eager
# Celery (make run) sends at once in the request's thread, after commit; production's worker sends within a
# moment. A code is worth nothing after OTP_LIFETIME, so retries are quick and few.
def _delivery_policy() -> outbox.Policy:
    # The lease must outlast the SMS gateway's time-outs.
    timeouts = float(settings.SMS_HTTP_CONNECT_TIMEOUT) + float(settings.SMS_HTTP_TIMEOUT)
    return outbox.Policy(
        max_attempts=6,
        backoff_seconds=5,
        backoff_max_seconds=60,
        lease_seconds=max(60, int(2 * timeouts)),
        relay_age_seconds=30,
    )


SENT, SKIPPED, FAILED, SUPERSEDED = "sent", "skipped", "failed", "superseded"


class _Undeliverable(Exception):
    """The contact can never receive this message as addressed."""


# The accounts app's task names (portal/accounts/tasks.py declares them; services enqueue by name: portal/jobs.py).
DELIVER_CODES = "accounts.deliver_codes"
DELIVER_CODE = "accounts.deliver_code"
CODE_DELIVERY_RELAY = "accounts.code_delivery_relay"


def code_deliveries_enqueue(*, code_id: int) -> int:
    """Enqueue the delivery rows of one code that are still waiting; returns how many."""
    ids = list(
        CodeDelivery.objects.filter(code_id=code_id, state=outbox.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for pk in ids:
        jobs.send(DELIVER_CODE, delivery_id=pk)
    return len(ids)


def _send_email(*, row: CodeDelivery, subject: str, body: str) -> str:
    message_id = f"<{row.message_id.replace(':', '.')}@accounts.portal>"
    email = EmailMessage(
        subject,
        body,
        to=[row.recipient.email],
        headers={
            "Message-ID": message_id,
            "Idempotency-Key": row.message_id,
            "Content-Language": row.language,
        },
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise _Undeliverable("recipient refused") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise
        raise _Undeliverable(f"SMTP {exc.smtp_code}") from exc
    return message_id


def code_delivery_send(*, delivery_id: int) -> str:
    """Send one code to one contact if it is due: "sent", "skipped" (already sent, or another worker holds
    it), "failed" (permanently, after the last attempt, or the code expired first), "superseded" (our lease ran
    out and another claim sends it with the same id). Raises outbox.RetryLater after a transient failure.

    At least once: a worker killed after the provider accepted and before the row was marked leaves it
    SENDING, and once the lease runs out it is sent again with the same message id, which the provider (SMS)
    or the Message-ID/Idempotency-Key (e-mail) lets deliver once. Logs carry no address, code or text.
    """
    policy = _delivery_policy()
    now = timezone.now()
    claim = outbox.claim(
        CodeDelivery.objects.select_related("recipient"), delivery_id, now=now, policy=policy
    )
    if claim is None:
        return SKIPPED
    row: CodeDelivery = claim.row
    if row.expires_at <= now:
        outbox.give_up(claim, "the code expired before it could be sent", sealed_code=b"")
        return FAILED
    code = decrypt(bytes(row.sealed_code), associated=row.message_id.encode())
    subject, body = _render_message(code=code, purpose=row.purpose, language=row.language)
    try:
        if row.channel == CodeDelivery.Channel.SMS:
            if not row.recipient.phone:
                raise _Undeliverable("no phone number on record")
            message = sms.SMSMessage(message_id=row.message_id, to=row.recipient.phone, text=body)
            provider_id = sms.send(message=message, now=now)
        else:
            if not row.recipient.email:
                raise _Undeliverable("no e-mail address on record")
            provider_id = _send_email(row=row, subject=subject, body=body)
    except (sms.PermanentSMSError, _Undeliverable) as exc:
        logger.warning("one-time code %s to user %s failed for good: %s", row.channel, row.recipient_id, exc)
        outbox.give_up(claim, f"{type(exc).__name__}: {exc}", sealed_code=b"")
        return FAILED
    except Exception as exc:  # anything else is transient, bounded by the policy's attempts
        if not isinstance(exc, sms.SMSError | smtplib.SMTPException | OSError):
            logger.exception("unexpected error sending one-time code delivery %s", row.pk)
        logger.warning(
            "one-time code %s to user %s failed: %s", row.channel, row.recipient_id, type(exc).__name__
        )
        delay = outbox.retry_or_fail(
            claim, type(exc).__name__, now=timezone.now(), policy=policy, sealed_code=b""
        )
        if delay is None:
            return FAILED
        raise outbox.RetryLater(type(exc).__name__, delay) from exc
    sent = outbox.mark_sent(claim, provider_id=provider_id, now=timezone.now(), sealed_code=b"")
    return SENT if sent else SUPERSEDED


def code_delivery_relay(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue code deliveries that may have been lost (see outbox.relay); returns how many."""

    def publish(ids: list[int]) -> None:
        for pk in ids:
            jobs.send(DELIVER_CODE, delivery_id=pk)

    return outbox.relay(
        CodeDelivery, now=now or timezone.now(), policy=_delivery_policy(), batch_size=200, publish=publish
    )


def _render_message(*, code: str, purpose: str, language: str) -> tuple[str, str]:
    minutes = int(OTP_LIFETIME.total_seconds() // 60)
    with translation.override(language):
        if purpose == PURPOSE_SIGN_IN:
            subject = gettext("Your sign-in code")
        else:
            subject = gettext("Your code to see a decision")
        body = gettext(
            "Your code is %(code)s. It expires in %(minutes)d minutes. "
            "Do not share it with anyone: we will never ask you for it."
        ) % {"code": code, "minutes": minutes}
    return subject, body


# --- one-time codes ---------------------------------------------------------------------------------------


def _code_hash(*, code: str, iin_hash: str, purpose: str) -> str:
    return salted_hmac(
        "portal.accounts.one-time-code", f"{iin_hash}\x00{purpose}\x00{code}", algorithm="sha256"
    ).hexdigest()


def _hash_prefix(iin_hash: str) -> str:
    return iin_hash[:12]


def _checked(iin: str, purpose: str) -> str:
    if not iin_is_valid(iin):
        raise ValueError("not a valid IIN")
    if not _PURPOSE.match(purpose):
        raise ValueError("not a valid purpose")
    return lookup_hash(iin)


@transaction.atomic
def _record_throttled(*, action: str, scope: str, iin_hash: str, purpose: str, now: dt.datetime) -> None:
    audit_record(
        action=action,
        actor="anonymous",
        object_type="throttle",
        object_id=scope,
        data={"purpose": purpose, "iin_hash_prefix": _hash_prefix(iin_hash)},
        now=now,
    )


def _gates(
    requester: Requester | None,
    iin_hash: str,
    *,
    device: throttle.Backoff,
    iin: throttle.Backoff,
    address: throttle.Backoff,
) -> list[tuple[throttle.Backoff, str]]:
    """The counters that apply to this requester and IIN (see the limits above)."""
    if requester is not None and requester.knows(iin_hash):
        return [(device, f"{iin_hash}:{requester.device}")]
    gates = [(iin, iin_hash)]
    if requester is not None:
        gates.append((address, requester.address))
    return gates


def _refuse_if_waiting(
    gates: list[tuple[throttle.Backoff, str]], *, iin_hash: str, purpose: str, now: dt.datetime
) -> None:
    waits = [(throttle.backoff_wait(b, key, now=now.timestamp()), b.scope) for b, key in gates]
    wait, scope = max(waits)
    if wait > 0:
        _record_throttled(
            action="accounts.otp.throttled", scope=scope, iin_hash=iin_hash, purpose=purpose, now=now
        )
        raise throttle.RateLimited(scope=scope, retry_after=wait)


def otp_issue(*, iin: str, purpose: str, now: dt.datetime, requester: Requester | None = None) -> None:
    """Create a code for this IIN and purpose and, after commit, send it to the contact on record.

    Behaves the same for an unknown IIN (a row nobody receives and that never verifies). Ends earlier codes
    for the same IIN and purpose asked for by the same device (a code asked for elsewhere never ends this
    device's code). Raises throttle.RateLimited (with the seconds to wait) while a wait is running for the
    requester (see the limits above; without a requester only the per-IIN one); ValueError for an invalid IIN
    or purpose (validate input first).
    """
    iin_hash = _checked(iin, purpose)
    gates = _gates(
        requester, iin_hash, device=OTP_ISSUE_PER_DEVICE, iin=OTP_ISSUE_PER_IIN, address=OTP_ISSUE_PER_ADDRESS
    )
    _refuse_if_waiting(gates, iin_hash=iin_hash, purpose=purpose, now=now)
    for backoff, key in gates:
        throttle.backoff_strike(backoff, key, now=now.timestamp())
    _otp_create(iin_hash=iin_hash, purpose=purpose, binding=requester.binding if requester else "", now=now)


@transaction.atomic
def _otp_create(*, iin_hash: str, purpose: str, binding: str, now: dt.datetime) -> None:
    recipient = selectors.citizen_by_iin_hash(iin_hash=iin_hash)
    if recipient is not None and not permissions.can_receive_code(recipient):
        recipient = None
    code = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
    OneTimeCode.objects.filter(
        iin_hash=iin_hash,
        purpose=purpose,
        requester=binding,
        used_at__isnull=True,
        expires_at__gt=now,
        created_at__lte=now,
    ).update(expires_at=now)
    row = OneTimeCode.objects.create(
        iin_hash=iin_hash,
        purpose=purpose,
        requester=binding,
        recipient=recipient,
        code_hash=_code_hash(code=code, iin_hash=iin_hash, purpose=purpose),
        created_at=now,
        expires_at=now + OTP_LIFETIME,
    )
    audit_record(
        action="accounts.otp.issued",
        actor=recipient or "anonymous",
        object_type="one_time_code",
        object_id=row.pk,
        data={"purpose": purpose, "iin_hash_prefix": _hash_prefix(iin_hash), "sent": recipient is not None},
        now=now,
    )
    if recipient is not None:
        language = recipient.preferred_language or (translation.get_language() or "kk")
        for channel, address in (
            (CodeDelivery.Channel.EMAIL, recipient.email),
            (CodeDelivery.Channel.SMS, recipient.phone),
        ):
            if address:
                message_id = f"otp:{row.pk}:{channel.lower()}"
                CodeDelivery.objects.create(
                    message_id=message_id,
                    code=row,
                    recipient=recipient,
                    channel=channel,
                    language=language,
                    purpose=purpose,
                    sealed_code=encrypt(code, associated=message_id.encode()),
                    expires_at=row.expires_at,
                    created_at=now,
                )
    # Published for unknown IINs too (the task finds nothing to send), so both paths do the same work here.
    jobs.after_commit(DELIVER_CODES, code_id=row.pk)


def otp_check(
    *, iin: str, purpose: str, code: str, now: dt.datetime, requester: Requester | None = None
) -> OtpResult:
    """Check a code: VALID at most once per code; every other answer counts as a failure.

    Looks only at the newest code this device asked for. Counts the attempt on the code (TOO_MANY_ATTEMPTS
    once OTP_MAX_ATTEMPTS were used) and the failure on the requester's counters (see the limits above);
    raises throttle.RateLimited while a wait is running, before looking at the code.
    """
    iin_hash = _checked(iin, purpose)
    gates = _gates(
        requester,
        iin_hash,
        device=OTP_FAILURES_PER_DEVICE,
        iin=OTP_FAILURES_PER_IIN,
        address=OTP_FAILURES_PER_ADDRESS,
    )
    _refuse_if_waiting(gates, iin_hash=iin_hash, purpose=purpose, now=now)
    binding = requester.binding if requester else ""
    result = _otp_check(iin_hash=iin_hash, purpose=purpose, binding=binding, code=code, now=now)
    for backoff, key in gates:
        if result is not OtpResult.VALID:
            throttle.backoff_strike(backoff, key, now=now.timestamp())
        elif backoff is not OTP_FAILURES_PER_ADDRESS:
            # The IIN's owner is back: forget the failures against it. Not the address's: signing in with
            # one's own IIN must not clear failures against others' IINs from the same address.
            throttle.backoff_reset(backoff, key)
    return result


def otp_verify(
    *, iin: str, purpose: str, code: str, now: dt.datetime, requester: Requester | None = None
) -> bool:
    """True when the code is the live code for this IIN and purpose (it is then used up). See otp_check."""
    return otp_check(iin=iin, purpose=purpose, code=code, now=now, requester=requester) is OtpResult.VALID


@transaction.atomic
def _otp_check(*, iin_hash: str, purpose: str, binding: str, code: str, now: dt.datetime) -> OtpResult:
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(iin_hash=iin_hash, purpose=purpose, requester=binding)
        .order_by("-created_at", "-pk")
        .first()
    )
    candidate = _code_hash(code=code, iin_hash=iin_hash, purpose=purpose)
    if row is None or row.used_at is not None:
        result = OtpResult.MISSING
    elif row.expires_at <= now:
        result = OtpResult.EXPIRED
    elif row.attempts >= OTP_MAX_ATTEMPTS:
        result = OtpResult.TOO_MANY_ATTEMPTS
    else:
        row.attempts += 1
        # A code nobody received (unknown IIN) never verifies, even if guessed.
        if hmac.compare_digest(candidate, row.code_hash) and row.recipient_id is not None:
            row.used_at = now
            result = OtpResult.VALID
        elif row.attempts >= OTP_MAX_ATTEMPTS:
            result = OtpResult.TOO_MANY_ATTEMPTS
        else:
            result = OtpResult.WRONG
        row.save(update_fields=["attempts", "used_at"])
    audit_record(
        action="accounts.otp.verified" if result is OtpResult.VALID else "accounts.otp.failed",
        actor=(row.recipient if row is not None and row.recipient_id is not None else "anonymous"),
        object_type="one_time_code",
        object_id=row.pk if row is not None else "",
        data={
            "purpose": purpose,
            "iin_hash_prefix": _hash_prefix(iin_hash),
            "result": result.value,
            "attempts": row.attempts if row is not None else 0,
        },
        now=now,
    )
    return result


@transaction.atomic
def otp_purge(*, now: dt.datetime) -> int:
    """Delete codes that expired more than OTP_RETENTION ago, with their outbox rows; returns how many codes."""
    _, per_model = OneTimeCode.objects.filter(expires_at__lt=now - OTP_RETENTION).delete()
    deleted = per_model.get(OneTimeCode._meta.label, 0)  # their outbox rows go with them
    if deleted:
        audit_record(
            action="accounts.otp.purged",
            actor="system",
            object_type="one_time_code",
            data={"count": deleted},
            now=now,
        )
    return deleted


# --- sign-in ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CodeSignIn:
    result: OtpResult
    user: User | None = None


def citizen_authenticate_with_code(
    *, iin: str, code: str, now: dt.datetime, requester: Requester | None = None
) -> CodeSignIn:
    """Check a sign-in code; when VALID, the citizen to sign in (the sign-in is audited).

    Raises throttle.RateLimited like otp_check.
    """
    result = otp_check(iin=iin, purpose=PURPOSE_SIGN_IN, code=code, now=now, requester=requester)
    if result is not OtpResult.VALID:
        return CodeSignIn(result)
    return _code_sign_in(iin_hash=lookup_hash(iin), now=now)


@transaction.atomic
def _code_sign_in(*, iin_hash: str, now: dt.datetime) -> CodeSignIn:
    user = selectors.citizen_by_iin_hash(iin_hash=iin_hash)
    if not permissions.can_sign_in_as_citizen(user):
        # Deactivated between the code and its use.
        return CodeSignIn(OtpResult.MISSING)
    assert user is not None
    _record_sign_in(user=user, method=METHOD_CODE, now=now)
    return CodeSignIn(OtpResult.VALID, user)


def _record_sign_in(*, user: User, method: str, now: dt.datetime, **data: Any) -> None:
    audit_record(
        action="accounts.sign_in.succeeded",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"method": method, **data},
        now=now,
    )


def citizen_sign_in_with_identity(*, iin: str, full_name: str, issuer: str, now: dt.datetime) -> User:
    """The citizen an identity provider vouched for, created on first sign-in; the sign-in is audited.

    Raises SignInRefused (audited) when the IIN belongs to an account that may not sign in as a citizen.
    """
    if not iin_is_valid(iin):
        raise ValueError("not a valid IIN")
    user, refused_id = _identity_sign_in(iin=iin, full_name=full_name, issuer=issuer, now=now)
    if user is None:
        _record_refusal(user_id=refused_id, method=METHOD_OIDC, now=now)
        raise SignInRefused("this account cannot sign in as a citizen")
    return user


@transaction.atomic
def _identity_sign_in(
    *, iin: str, full_name: str, issuer: str, now: dt.datetime
) -> tuple[User | None, int | None]:
    iin_hash = lookup_hash(iin)
    user = selectors.user_by_iin_hash(iin_hash=iin_hash)
    created = False
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create(
                    username=f"citizen-{secrets.token_hex(8)}",
                    role=Role.CITIZEN,
                    iin_hash=iin_hash,
                    iin_encrypted=encrypt(iin),
                    full_name=full_name[:200],
                    preferred_language=(translation.get_language() or "kk")[:2],
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
                created = True
        except IntegrityError:  # the same person signing in twice at once
            user = selectors.user_by_iin_hash(iin_hash=iin_hash)
    if user is None or not permissions.can_sign_in_as_citizen(user):
        return None, (user.pk if user is not None else None)
    if created:
        audit_record(
            action="accounts.citizen.registered",
            actor=user,
            object_type="user",
            object_id=user.pk,
            data={"method": METHOD_OIDC, "issuer": issuer},
            now=now,
        )
    _record_sign_in(user=user, method=METHOD_OIDC, now=now, issuer=issuer)
    return user, None


@transaction.atomic
def _record_refusal(*, user_id: int | None, method: str, now: dt.datetime) -> None:
    audit_record(
        action="accounts.sign_in.refused",
        actor="anonymous",
        object_type="user",
        object_id=user_id or "",
        data={"method": method, "reason": "not_a_citizen_account"},
        now=now,
    )


@transaction.atomic
def sign_in_failure_record(*, method: str, reason: str, now: dt.datetime) -> None:
    """Audit a failed sign-in that has no account to name (e.g. an identity-provider error)."""
    audit_record(
        action="accounts.sign_in.failed",
        actor="anonymous",
        object_type="sign_in",
        object_id=method,
        data={"method": method, "reason": reason},
        now=now,
    )


@transaction.atomic
def sign_out_record(*, user: Any, now: dt.datetime) -> None:
    """Audit a sign-out (the view ends the session itself)."""
    audit_record(action="accounts.signed_out", actor=user, object_type="user", object_id=user.pk, now=now)


@transaction.atomic
def session_expiry_record(*, user: Any, reason: str, now: dt.datetime) -> None:
    """Audit a session ended by a timeout: reason is "idle" or "absolute"."""
    audit_record(
        action="accounts.session.expired",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"reason": reason},
        now=now,
    )


# --- staff sign-in: a password, then a time-based code (RFC 6238) ----------------------------------------------
#
# The password alone signs nobody in: staff_password_check only says whose password it is, and the view keeps
# that for a few minutes while the person enters a code (staff_totp_sign_in), or sets up an authenticator app on
# their first sign-in (staff_totp_enrol). Audit events never carry a password, a code or a secret; a username
# (which may be a password typed into the wrong box) only as a short keyed hash.

METHOD_PASSWORD = "password"  # noqa: S105 - the name of a sign-in method
METHOD_PASSWORD_TOTP = "password+totp"  # noqa: S105

# Per username, whether or not such an account exists. Well within reliability.md's ≤100 failures per
# account-hour, and loose enough that someone else's typing cannot lock a reviewer out for long.
STAFF_PASSWORD_FAILURES_PER_USERNAME = Limit("staff-password-fail-user", 20, 3600)
# Per account: wrong codes (a code is 6 digits, and 3 of them are accepted at any moment).
STAFF_TOTP_FAILURES_PER_USER = Limit("staff-totp-fail-user", 10, 3600)


class TotpResult(enum.Enum):
    VALID = "valid"
    WRONG = "wrong"
    # The code's time step, or a later one, was already used: a code works once.
    REUSED = "reused"
    NOT_ENROLLED = "not_enrolled"
    ALREADY_ENROLLED = "already_enrolled"
    # The account may no longer use the staff sign-in (deactivated, or its role changed, since the password).
    REFUSED = "refused"
    # The stored secret cannot be read (another key, tampered with): an administrator must reset it.
    UNAVAILABLE = "unavailable"


@dataclasses.dataclass(frozen=True)
class StaffSignIn:
    result: TotpResult
    user: User | None = None


class SecondFactorResetRefused(Exception):
    """The actor may not reset this person's second factor."""


def _username_key(username: str) -> str:
    # Variants of one username in case or surrounding spaces share one counter.
    return username.strip().casefold()


def _username_digest(username: str) -> str:
    return salted_hmac(
        "portal.accounts.staff-username", _username_key(username), algorithm="sha256"
    ).hexdigest()[:12]


@transaction.atomic
def _record_staff_throttled(*, scope: str, data: dict[str, Any], now: dt.datetime) -> None:
    audit_record(
        action="accounts.sign_in.throttled",
        actor="anonymous",
        object_type="throttle",
        object_id=scope,
        data=data,
        now=now,
    )


def staff_password_check(*, username: str, password: str, now: dt.datetime) -> User | None:
    """The staff account these credentials belong to, or None (unknown username, wrong password, inactive, or
    not a staff account: one answer for all). Audited either way. It signs nobody in: a code must follow.

    Counts a failure on the username; raises throttle.RateLimited once STAFF_PASSWORD_FAILURES_PER_USERNAME is
    reached, before the password is checked.
    """
    key = _username_key(username)
    limit = STAFF_PASSWORD_FAILURES_PER_USERNAME
    if throttle.is_limited(limit.scope, key, limit.limit, limit.window_seconds, now=now.timestamp()):
        _record_staff_throttled(
            scope=limit.scope, data={"username_hash_prefix": _username_digest(username)}, now=now
        )
        raise throttle.RateLimited(scope=limit.scope, retry_after=limit.window_seconds)
    # Without a request: nothing here depends on HTTP. ModelBackend hashes a dummy password for unknown
    # usernames, so both failures take about as long.
    found = authenticate(None, username=username, password=password)
    user = found if isinstance(found, User) else None
    if user is None or not permissions.can_sign_in_as_staff(user):
        throttle.hit(limit.scope, key, limit.limit, limit.window_seconds, now=now.timestamp())
        _record_password_failure(username=username, user=user, now=now)
        return None
    _record_password_verified(user=user, now=now)
    return user


@transaction.atomic
def _record_password_failure(*, username: str, user: User | None, now: dt.datetime) -> None:
    audit_record(
        action="accounts.sign_in.failed",
        actor="anonymous",
        object_type="user",
        # Set only when the password was right but the account may not sign in here (e.g. a citizen's).
        object_id=user.pk if user is not None else "",
        data={
            "method": METHOD_PASSWORD,
            "reason": "bad_credentials" if user is None else "not_a_staff_account",
            "username_hash_prefix": _username_digest(username),
        },
        now=now,
    )


@transaction.atomic
def _record_password_verified(*, user: User, now: dt.datetime) -> None:
    audit_record(
        action="accounts.sign_in.password_verified",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"method": METHOD_PASSWORD, "next_step": "totp" if user.totp_secret else "totp_enrolment"},
        now=now,
    )


def staff_totp_sign_in(*, user_id: int, code: str, now: dt.datetime) -> StaffSignIn:
    """Check a code from the person's authenticator app; when VALID, the account to sign in (audited).

    A code is accepted once: its time step is stored and no code of that step or an earlier one passes again.
    Counts failures on the account; raises throttle.RateLimited once STAFF_TOTP_FAILURES_PER_USER is reached,
    before looking at the code. Call only after staff_password_check accepted this account's password.
    """
    _refuse_if_throttled(user_id=user_id, now=now)
    outcome = _staff_totp_check(user_id=user_id, code=code, new_secret=None, now=now)
    _count_totp_outcome(outcome, user_id=user_id, now=now)
    return outcome


def staff_totp_enrol(*, user_id: int, secret: str, code: str, now: dt.datetime) -> StaffSignIn:
    """Save a new authenticator secret for an account that has none, once a first code from it is right; when
    VALID, the account to sign in (both audited). The secret is stored sealed (totp.seal_secret).

    ALREADY_ENROLLED if the account got a secret meanwhile (it is never replaced here: see
    staff_totp_reset). Throttled like staff_totp_sign_in; ValueError for a malformed secret.
    """
    if not totp.is_valid_secret(secret):
        raise ValueError("not a valid TOTP secret")
    _refuse_if_throttled(user_id=user_id, now=now)
    outcome = _staff_totp_check(user_id=user_id, code=code, new_secret=secret, now=now)
    _count_totp_outcome(outcome, user_id=user_id, now=now)
    return outcome


def _refuse_if_throttled(*, user_id: int, now: dt.datetime) -> None:
    limit = STAFF_TOTP_FAILURES_PER_USER
    if throttle.is_limited(limit.scope, str(user_id), limit.limit, limit.window_seconds, now=now.timestamp()):
        _record_staff_throttled(scope=limit.scope, data={"user_id": user_id}, now=now)
        raise throttle.RateLimited(scope=limit.scope, retry_after=limit.window_seconds)


def _count_totp_outcome(outcome: StaffSignIn, *, user_id: int, now: dt.datetime) -> None:
    limit = STAFF_TOTP_FAILURES_PER_USER
    if outcome.user is not None:
        # Both factors passed: forget this account's failures at either step.
        throttle.reset(limit.scope, str(user_id), limit.window_seconds, now=now.timestamp())
        password = STAFF_PASSWORD_FAILURES_PER_USERNAME
        throttle.reset(
            password.scope, _username_key(outcome.user.username), password.window_seconds, now=now.timestamp()
        )
    elif outcome.result in (TotpResult.WRONG, TotpResult.REUSED):
        throttle.hit(limit.scope, str(user_id), limit.limit, limit.window_seconds, now=now.timestamp())


@transaction.atomic
def _staff_totp_check(*, user_id: int, code: str, new_secret: str | None, now: dt.datetime) -> StaffSignIn:
    # The row lock serialises two submissions of one code, so only one of them can pass.
    user = User.objects.select_for_update().filter(pk=user_id).first()
    enrolling = new_secret is not None
    secret: str | None = new_secret
    step: int | None = None
    if user is None or not permissions.can_sign_in_as_staff(user):
        result = TotpResult.REFUSED
    elif enrolling and user.totp_secret:
        result = TotpResult.ALREADY_ENROLLED
    elif not enrolling and not user.totp_secret:
        result = TotpResult.NOT_ENROLLED
    else:
        if not enrolling:
            secret = totp.unseal_secret(user.totp_secret)
        if secret is None:
            result = TotpResult.UNAVAILABLE
        else:
            step = totp.matching_step(secret=secret, code=code, now=now)
            if step is None:
                result = TotpResult.WRONG
            elif user.totp_last_counter is not None and step <= user.totp_last_counter:
                result = TotpResult.REUSED
            else:
                result = TotpResult.VALID
    if result is not TotpResult.VALID or user is None:
        audit_record(
            action="accounts.sign_in.failed",
            actor=user or "anonymous",
            object_type="user",
            object_id=user_id,
            data={"method": METHOD_PASSWORD_TOTP, "reason": result.value, "enrolment": enrolling},
            now=now,
        )
        return StaffSignIn(result)
    assert secret is not None and step is not None
    user.totp_last_counter = step
    fields = ["totp_last_counter"]
    if enrolling:
        user.totp_secret = totp.seal_secret(secret)
        fields.append("totp_secret")
    user.save(update_fields=fields)
    if enrolling:
        audit_record(
            action="accounts.totp.enrolled", actor=user, object_type="user", object_id=user.pk, now=now
        )
    _record_sign_in(user=user, method=METHOD_PASSWORD_TOTP, now=now)
    return StaffSignIn(result, user)


@transaction.atomic
def staff_totp_reset(*, user_id: int, actor: Any, now: dt.datetime) -> None:
    """Clear a person's authenticator secret (a lost or replaced phone): their next sign-in sets up a new one.

    Raises SecondFactorResetRefused unless permissions.can_reset_second_factor. Audited.
    """
    user = User.objects.select_for_update().get(pk=user_id)
    if not permissions.can_reset_second_factor(actor, user):
        raise SecondFactorResetRefused("this person may not reset that second factor")
    had_secret = bool(user.totp_secret)
    user.totp_secret = ""
    user.totp_last_counter = None
    user.save(update_fields=["totp_secret", "totp_last_counter"])
    audit_record(
        action="accounts.totp.reset",
        actor=actor,
        object_type="user",
        object_id=user.pk,
        data={"had_secret": had_secret},
        now=now,
    )


@transaction.atomic
def second_factor_missing_record(*, user: Any, now: dt.datetime) -> None:
    """Audit a staff session refused because it was not signed in with both factors (the caller ends it)."""
    audit_record(
        action="accounts.session.refused",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"reason": "second_factor_missing"},
        now=now,
    )
