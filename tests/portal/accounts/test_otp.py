"""One-time codes as a service: 6 random digits, 10 minutes, single use, 5 attempts, throttled per IIN, and the
same work for unknown IINs."""

import contextlib
import datetime as dt
import json
from typing import Any, ClassVar

import pytest
import time_machine
from django.core import mail

from portal import sms
from portal.accounts import devices, services, throttle
from portal.accounts.devices import Requester
from portal.accounts.models import OneTimeCode, User
from portal.accounts.services import OtpResult, lookup_purpose, otp_check, otp_issue, otp_verify
from portal.audit.models import AuditEvent
from portal.crypto import lookup_hash

from .conftest import fresh_iin, last_code, make_citizen

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SIGN_IN = services.PURPOSE_SIGN_IN


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    """The outbox's worker reads the real clock (a code is not sent after it expired): it is NOW here."""
    with time_machine.travel(NOW, tick=True):
        yield


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
    (message,) = sms.LocmemSMSGateway.outbox
    assert message.to == citizen.phone and code in message.text


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
    assert mail.outbox == [] and sms.LocmemSMSGateway.outbox == []
    assert otp_check(iin=iin, purpose=SIGN_IN, code="123456", now=NOW) is OtpResult.WRONG


def test_a_citizen_without_any_contact_is_treated_like_an_unknown_iin(db: None, issue: Any) -> None:
    user = make_citizen(email="", phone="")

    issue(user.plain_iin)  # type: ignore[attr-defined]

    assert OneTimeCode.objects.get(iin_hash=user.iin_hash).recipient is None
    assert mail.outbox == []


def _owner_device(iin: str, device: str = "owner-browser") -> Requester:
    """The requester of a browser that signed in with this IIN before (as devices.remember makes it)."""

    class _Request:
        COOKIES: ClassVar[dict[str, str]] = {}
        META: ClassVar[dict[str, str]] = {"REMOTE_ADDR": "203.0.113.10"}

        def get_signed_cookie(self, *args: Any, **kwargs: Any) -> str:
            return f"{device}:"

    request = _Request()
    devices.remember(request, iin_hash=lookup_hash(iin))  # type: ignore[arg-type]
    return devices.requester(request)  # type: ignore[arg-type]


def _elsewhere(n: int) -> Requester:
    return Requester(address=f"198.51.100.{n}", device=f"attacker-{n}")


@pytest.mark.parametrize("known", [True, False], ids=["registered", "unknown"])
def test_code_requests_from_unknown_devices_wait_exponentially_per_iin_whether_registered_or_not(
    db: None, django_capture_on_commit_callbacks: Any, known: bool
) -> None:
    iin = make_citizen().plain_iin if known else fresh_iin()  # type: ignore[attr-defined]
    limit = services.OTP_ISSUE_PER_IIN
    now = NOW
    waits = []
    for n in range(limit.free + 7):
        try:
            with django_capture_on_commit_callbacks(execute=True):
                otp_issue(iin=iin, purpose=SIGN_IN, now=now, requester=_elsewhere(n))
        except throttle.RateLimited as exc:
            assert exc.scope == limit.scope
            waits.append(exc.retry_after)
            now += dt.timedelta(seconds=exc.retry_after)  # wait exactly as long as told, then it works
            otp_issue(iin=iin, purpose=SIGN_IN, now=now, requester=_elsewhere(100 + n))

    # 1, 2, 4, 8 minutes, then capped at 16: never a fixed hour.
    assert waits == [60, 120, 240, 480, 960, 960]
    assert AuditEvent.objects.filter(action="accounts.otp.throttled").exists()


def test_an_attacker_burning_the_iin_budget_does_not_stop_the_owners_device(
    citizen: User, issue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    owner = _owner_device(iin)
    for n in range(30):  # codes and wrong codes from many addresses
        with contextlib.suppress(throttle.RateLimited):
            otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=_elsewhere(n))
        with contextlib.suppress(throttle.RateLimited):
            otp_check(iin=iin, purpose=SIGN_IN, code="000000", now=NOW, requester=_elsewhere(n))
    with pytest.raises(throttle.RateLimited):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=_elsewhere(99))

    with django_capture_on_commit_callbacks(execute=True):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=owner)
    code = last_code()
    # The attacker asking for yet another code does not end the owner's.
    with pytest.raises(throttle.RateLimited):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=_elsewhere(99))
    otp_issue(iin=iin, purpose=SIGN_IN, now=NOW + dt.timedelta(minutes=20), requester=_elsewhere(98))

    assert (
        otp_check(iin=iin, purpose=SIGN_IN, code=code, now=NOW + dt.timedelta(minutes=1), requester=owner)
        is OtpResult.VALID
    )


def test_a_code_asked_for_by_another_device_never_ends_or_unlocks_this_devices_code(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    mine, theirs = _elsewhere(1), _elsewhere(2)
    with django_capture_on_commit_callbacks(execute=True):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=mine)
    my_code = last_code()
    with django_capture_on_commit_callbacks(execute=True):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=theirs)

    assert otp_check(iin=iin, purpose=SIGN_IN, code=my_code, now=NOW, requester=theirs) is not OtpResult.VALID
    assert otp_check(iin=iin, purpose=SIGN_IN, code=my_code, now=NOW, requester=mine) is OtpResult.VALID


def test_wrong_codes_from_unknown_devices_wait_exponentially_per_iin_but_not_on_the_owners_device(
    citizen: User, issue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    limit = services.OTP_FAILURES_PER_IIN
    for n in range(limit.free + 1):
        otp_check(iin=iin, purpose=SIGN_IN, code="000000", now=NOW, requester=_elsewhere(n))

    with pytest.raises(throttle.RateLimited) as caught:
        otp_check(iin=iin, purpose=SIGN_IN, code="000000", now=NOW, requester=_elsewhere(50))
    assert (caught.value.scope, caught.value.retry_after) == (limit.scope, 60)
    owner = _owner_device(iin)
    with django_capture_on_commit_callbacks(execute=True):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=owner)
    assert otp_check(iin=iin, purpose=SIGN_IN, code=last_code(), now=NOW, requester=owner) is OtpResult.VALID


def test_one_address_asking_for_many_iins_waits_exponentially(db: None) -> None:
    limit = services.OTP_ISSUE_PER_ADDRESS
    same_address = [Requester(address="192.0.2.7", device=f"d{n}") for n in range(limit.free + 2)]
    for requester in same_address[: limit.free + 1]:
        otp_issue(iin=fresh_iin(), purpose=SIGN_IN, now=NOW, requester=requester)

    with pytest.raises(throttle.RateLimited) as caught:
        otp_issue(iin=fresh_iin(), purpose=SIGN_IN, now=NOW, requester=same_address[-1])

    assert (caught.value.scope, caught.value.retry_after) == (limit.scope, 60)
    otp_issue(iin=fresh_iin(), purpose=SIGN_IN, now=NOW, requester=Requester(address="192.0.2.8"))


def test_the_owners_device_has_its_own_exponential_wait(citizen: User) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    owner = _owner_device(iin)
    for _ in range(services.OTP_ISSUE_PER_DEVICE.free + 1):
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=owner)

    with pytest.raises(throttle.RateLimited) as caught:
        otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=owner)

    assert (caught.value.scope, caught.value.retry_after) == (services.OTP_ISSUE_PER_DEVICE.scope, 60)
    # Another device of the owner's, never signed in with, is not held up by it.
    otp_issue(iin=iin, purpose=SIGN_IN, now=NOW, requester=_elsewhere(3))


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
