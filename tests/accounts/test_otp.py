"""One-time codes as a service: 6 random digits, 10 minutes, single use, 5 attempts, throttled per IIN, and the
same work for unknown IINs."""

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail

from portal.accounts import services, throttle
from portal.accounts.models import OneTimeCode, User
from portal.accounts.services import OtpResult, lookup_purpose, otp_check, otp_issue, otp_verify
from portal.audit.models import AuditEvent
from portal.crypto import lookup_hash

from .conftest import fresh_iin, last_code, make_citizen

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SIGN_IN = services.PURPOSE_SIGN_IN


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def issue(django_capture_on_commit_callbacks: Any) -> Any:
    def run(iin: str, purpose: str = SIGN_IN, now: dt.datetime = NOW) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            otp_issue(iin=iin, purpose=purpose, now=now)

    return run


def test_a_code_is_six_digits_sent_by_email_and_sms_after_commit(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]

    code = last_code(citizen.email)
    assert len(code) == 6 and code.isdigit()
    assert mail.outbox[-1].to == [citizen.email]
    ((to, text),) = services.LocmemSMSBackend.outbox
    assert to == citizen.phone and code in text


def test_nothing_is_sent_before_the_transaction_commits(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        otp_issue(iin=citizen.plain_iin, purpose=SIGN_IN, now=NOW)  # type: ignore[attr-defined]

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_the_code_is_stored_only_as_a_keyed_hash(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]

    row = OneTimeCode.objects.get(recipient=citizen)
    code = last_code()
    assert code not in json.dumps([row.code_hash, row.iin_hash, row.purpose])
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)


def test_a_code_verifies_once(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]
    code = last_code()

    first = otp_check(iin=citizen.plain_iin, purpose=SIGN_IN, code=code, now=NOW)  # type: ignore[attr-defined]
    second = otp_check(iin=citizen.plain_iin, purpose=SIGN_IN, code=code, now=NOW)  # type: ignore[attr-defined]

    assert (first, second) == (OtpResult.VALID, OtpResult.MISSING)


def test_a_wrong_code_fails_and_counts_an_attempt(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]
    wrong = other_than(last_code())

    result = otp_check(iin=citizen.plain_iin, purpose=SIGN_IN, code=wrong, now=NOW)  # type: ignore[attr-defined]

    assert result is OtpResult.WRONG
    assert OneTimeCode.objects.get(recipient=citizen).attempts == 1


def test_a_code_expires_after_ten_minutes(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]
    code = last_code()
    iin = citizen.plain_iin  # type: ignore[attr-defined]

    late = otp_check(iin=iin, purpose=SIGN_IN, code=code, now=NOW + dt.timedelta(minutes=10))

    assert late is OtpResult.EXPIRED
    assert otp_verify(iin=iin, purpose=SIGN_IN, code=code, now=NOW + dt.timedelta(minutes=9, seconds=59))


def test_five_wrong_attempts_end_the_code_even_for_the_right_code(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]
    code = last_code()
    wrong = other_than(code)
    iin = citizen.plain_iin  # type: ignore[attr-defined]

    results = [otp_check(iin=iin, purpose=SIGN_IN, code=wrong, now=NOW) for _ in range(5)]
    after = otp_check(iin=iin, purpose=SIGN_IN, code=code, now=NOW)

    assert results == [OtpResult.WRONG] * 4 + [OtpResult.TOO_MANY_ATTEMPTS]
    assert after is OtpResult.TOO_MANY_ATTEMPTS


def test_a_new_code_ends_the_earlier_one(citizen: User, issue: Any) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    issue(iin)
    old = last_code()
    issue(iin, now=NOW + dt.timedelta(seconds=30))
    new = last_code()

    later = NOW + dt.timedelta(minutes=1)
    if old != new:
        assert otp_check(iin=iin, purpose=SIGN_IN, code=old, now=later) is OtpResult.WRONG
    assert otp_verify(iin=iin, purpose=SIGN_IN, code=new, now=later)


def test_a_code_is_bound_to_its_purpose(citizen: User, issue: Any) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    issue(iin, purpose=lookup_purpose("ABCD1234EFGH5"))
    code = last_code()

    assert not otp_verify(iin=iin, purpose=SIGN_IN, code=code, now=NOW)
    assert otp_verify(iin=iin, purpose=lookup_purpose("ABCD1234EFGH5"), code=code, now=NOW)


def test_an_unknown_iin_gets_a_row_that_nobody_receives_and_that_never_verifies(
    db: None, issue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    iin = fresh_iin()
    monkeypatch.setattr(services.secrets, "randbelow", lambda _n: 123456)

    issue(iin)

    row = OneTimeCode.objects.get(iin_hash=lookup_hash(iin))
    assert row.recipient is None
    assert mail.outbox == [] and services.LocmemSMSBackend.outbox == []
    assert otp_check(iin=iin, purpose=SIGN_IN, code="123456", now=NOW) is OtpResult.WRONG


def test_a_citizen_without_any_contact_is_treated_like_an_unknown_iin(db: None, issue: Any) -> None:
    user = make_citizen(email="", phone="")

    issue(user.plain_iin)  # type: ignore[attr-defined]

    assert OneTimeCode.objects.get(iin_hash=user.iin_hash).recipient is None
    assert mail.outbox == []


@pytest.mark.parametrize("known", [True, False], ids=["registered", "unknown"])
def test_code_requests_are_limited_per_iin_whether_registered_or_not(
    db: None, issue: Any, known: bool
) -> None:
    iin = make_citizen().plain_iin if known else fresh_iin()  # type: ignore[attr-defined]
    for _ in range(services.OTP_ISSUE_PER_IIN.limit):
        issue(iin)

    with pytest.raises(throttle.RateLimited) as caught:
        issue(iin)

    assert caught.value.retry_after == services.OTP_ISSUE_PER_IIN.window_seconds
    assert AuditEvent.objects.filter(action="accounts.otp.throttled").exists()


def test_failures_are_limited_per_iin_across_codes(citizen: User, issue: Any) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    rounds = services.OTP_FAILURES_PER_IIN.limit // services.OTP_MAX_ATTEMPTS
    for _ in range(rounds):
        issue(iin)
        wrong = other_than(last_code())
        for _ in range(services.OTP_MAX_ATTEMPTS):
            otp_check(iin=iin, purpose=SIGN_IN, code=wrong, now=NOW)
    issue(iin)

    with pytest.raises(throttle.RateLimited):
        otp_check(iin=iin, purpose=SIGN_IN, code=last_code(), now=NOW)


def test_invalid_input_is_refused_before_any_work(db: None) -> None:
    with pytest.raises(ValueError):
        otp_issue(iin="123456789012", purpose=SIGN_IN, now=NOW)
    with pytest.raises(ValueError):
        otp_issue(iin=fresh_iin(), purpose="sign in; drop table", now=NOW)

    assert not OneTimeCode.objects.exists()


def test_the_audit_trail_records_issue_failure_and_use_without_the_iin_or_the_code(
    citizen: User, issue: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    issue(iin)
    code = last_code()
    otp_check(iin=iin, purpose=SIGN_IN, code=other_than(code), now=NOW)
    otp_check(iin=iin, purpose=SIGN_IN, code=code, now=NOW)

    events = list(AuditEvent.objects.order_by("seq").values("action", "actor", "data", "object_id"))
    actions = [e["action"] for e in events]
    assert actions == ["accounts.otp.issued", "accounts.otp.failed", "accounts.otp.verified"]
    assert all(e["actor"] == f"citizen:{citizen.pk}" for e in events)
    text = json.dumps(events)
    assert iin not in text
    assert f'"{code}"' not in text and f" {code}" not in text


def test_expired_codes_are_purged_a_day_after_expiry(citizen: User, issue: Any) -> None:
    issue(citizen.plain_iin)  # type: ignore[attr-defined]

    kept = services.otp_purge(now=NOW + dt.timedelta(hours=23))
    purged = services.otp_purge(now=NOW + dt.timedelta(days=2))

    assert (kept, purged) == (0, 1)
