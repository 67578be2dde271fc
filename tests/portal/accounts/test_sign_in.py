"""The citizen sign-in pages: IIN, then the code sent to the contact on record."""

import datetime as dt
import logging
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.html import escape

from portal import jobs, sms
from portal.accounts import devices, services, views
from portal.accounts.models import OneTimeCode, User
from portal.audit.models import AuditEvent
from portal.crypto import lookup_hash

from .conftest import fresh_iin, last_code, make_citizen, make_staff, url

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def home_after_sign_in() -> str:
    try:
        return url("explanations:my-decisions")
    except NoReverseMatch:
        return "/"


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def start(client: Client, post_with_commit: Callable[..., Any], iin: str, **extra: Any) -> Any:
    return post_with_commit(client, url("accounts:sign-in"), {"iin": iin}, **extra)


def enter_code(client: Client, code: str, **extra: Any) -> Any:
    return client.post(url("accounts:sign-in-code"), {"code": code}, **extra)


# --- the IIN page ----------------------------------------------------------------------------------------------


def test_the_sign_in_page_asks_for_the_iin_and_hides_the_provider_button_when_unconfigured(
    client: Client, db: None
) -> None:
    response = client.get(url("accounts:sign-in"))

    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert "What is your IIN?" in html
    assert 'name="iin"' in html and 'inputmode="numeric"' in html
    assert url("accounts:oidc-start") not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your IIN"),
        ("   ", "Enter your IIN"),
        ("12345", "The IIN must be 12 digits"),
        ("90010130012a", "The IIN must be 12 digits"),
        ("9001013001234", "The IIN must be 12 digits"),
        ("949940000385", "Check the IIN: the last digit does not match"),
    ],
)
def test_a_wrong_iin_gets_a_specific_message_and_no_code(
    client: Client, db: None, typed: str, message: str
) -> None:
    response = client.post(url("accounts:sign-in"), {"iin": typed})

    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert message in html
    assert "govuk-error-summary" in html and "govuk-form-group--error" in html
    assert response.context["form"].errors["iin"] == [message]
    assert "<title>Error:" in html
    assert not OneTimeCode.objects.exists()


def test_a_post_without_the_field_is_an_empty_answer(client: Client, db: None) -> None:
    response = client.post(url("accounts:sign-in"), {})

    assert response.status_code == 200
    assert response.context["form"].errors["iin"] == ["Enter your IIN"]


def test_an_iin_typed_with_spaces_is_accepted(client: Client, citizen: User, post_with_commit: Any) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]

    response = start(client, post_with_commit, f"{iin[:6]} {iin[6:]}")

    assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_the_pages_are_translated(client: Client, db: None) -> None:
    response = client.post(url("accounts:sign-in", "ru"), {"iin": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["iin"]


# --- the happy path ----------------------------------------------------------------------------------------------


def test_a_citizen_signs_in_with_the_code_sent_to_them(
    client: Client, citizen: User, post_with_commit: Any
) -> None:
    response = start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]
    assert response.status_code == 302
    assert response["Location"] == url("accounts:sign-in-code")
    anonymous_key = client.session.session_key

    response = client.get(url("accounts:sign-in-code"))
    assert response.status_code == 200
    assert "If this IIN is registered, we sent a code to the contact on record." in response.content.decode()

    response = enter_code(client, last_code(citizen.email))

    assert response.status_code == 302, response.content
    assert response["Location"] == home_after_sign_in()
    session = client.session
    assert session["_auth_user_id"] == str(citizen.pk)
    assert session["auth_method"] == "otp"
    assert session.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()
    assert "citizen_sign_in" not in session
    assert AuditEvent.objects.filter(
        action="accounts.sign_in.succeeded", actor=f"citizen:{citizen.pk}"
    ).exists()


def test_the_pending_iin_is_never_stored_in_clear_in_the_session(
    client: Client, citizen: User, post_with_commit: Any
) -> None:
    start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]

    stored = Session.objects.get(session_key=client.session.session_key).session_data
    decoded = str(client.session.load())
    assert citizen.plain_iin not in stored and citizen.plain_iin not in decoded  # type: ignore[attr-defined]


def test_a_safe_next_address_is_followed(client: Client, citizen: User, post_with_commit: Any) -> None:
    target = "/en/decisions/ABCD/"
    post_with_commit(client, url("accounts:sign-in"), {"iin": citizen.plain_iin, "next": target})  # type: ignore[attr-defined]

    response = enter_code(client, last_code())

    assert response["Location"] == target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_an_unsafe_next_address_is_ignored(
    client: Client, citizen: User, post_with_commit: Any, target: str
) -> None:
    post_with_commit(client, url("accounts:sign-in"), {"iin": citizen.plain_iin, "next": target})  # type: ignore[attr-defined]

    response = enter_code(client, last_code())

    assert response["Location"] == home_after_sign_in()


def test_the_code_page_without_an_iin_sends_the_person_back(client: Client, db: None) -> None:
    response = client.get(url("accounts:sign-in-code"))

    assert response.status_code == 302
    assert response["Location"] == url("accounts:sign-in")


def test_a_code_works_once_through_the_pages(client: Client, citizen: User, post_with_commit: Any) -> None:
    start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]
    code = last_code()
    enter_code(client, code)
    client.post(url("accounts:sign-out"))

    other = Client()
    start(other, post_with_commit, fresh_iin())  # a pending sign-in for someone else
    response = enter_code(other, code)

    assert "_auth_user_id" not in other.session
    assert response.status_code == 200


def test_send_a_new_code_replaces_the_first(client: Client, citizen: User, post_with_commit: Any) -> None:
    start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]
    first = last_code()

    response = post_with_commit(client, url("accounts:sign-in-code-resend"), {})

    assert response.status_code == 302
    assert len(mail.outbox) == 2
    page = client.get(response["Location"]).content.decode()
    assert "we sent a new code" in page
    second = last_code()
    if first != second:
        assert "not correct" in enter_code(client, first).content.decode()
    assert enter_code(client, second).status_code == 302


# --- failures ----------------------------------------------------------------------------------------------------


def test_a_wrong_code_is_refused_with_a_message(client: Client, citizen: User, post_with_commit: Any) -> None:
    start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]

    response = enter_code(client, other_than(last_code()))

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["The code is not correct. Check it and try again"]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("typed", "message"), [("", "Enter the code"), ("12345", "The code must be 6 digits")]
)
def test_a_malformed_code_gets_a_specific_message(
    client: Client, citizen: User, post_with_commit: Any, typed: str, message: str
) -> None:
    start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]

    response = enter_code(client, typed)

    assert response.context["form"].errors["code"] == [message]
    assert OneTimeCode.objects.get(recipient=citizen).attempts == 0


def test_an_expired_code_is_refused_with_a_message(
    client: Client, citizen: User, post_with_commit: Any
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]
        clock.shift(dt.timedelta(minutes=10, seconds=1))

        response = enter_code(client, last_code())

    assert response.context["form"].errors["code"] == ["The code has expired. Request a new code"]
    assert "_auth_user_id" not in client.session


def test_too_many_wrong_codes_end_the_code(client: Client, citizen: User, post_with_commit: Any) -> None:
    start(client, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]
    code = last_code()
    for _ in range(services.OTP_MAX_ATTEMPTS - 1):
        enter_code(client, other_than(code))

    fifth = enter_code(client, other_than(code))
    right = enter_code(client, code)

    too_many = ["You entered a wrong code too many times. Request a new code"]
    assert fifth.context["form"].errors["code"] == too_many
    assert right.context["form"].errors["code"] == too_many
    assert "_auth_user_id" not in client.session


def test_a_staff_account_cannot_sign_in_with_a_code(client: Client, db: None, post_with_commit: Any) -> None:
    iin = fresh_iin()
    make_staff(iin)

    start(client, post_with_commit, iin)

    assert mail.outbox == []
    assert OneTimeCode.objects.get(iin_hash=lookup_hash(iin)).recipient is None


# --- throttling --------------------------------------------------------------------------------------------------


def _burn(iin: str, post_with_commit: Callable[..., Any], rounds: int = 12) -> list[int]:
    """What an attacker who knows the IIN does: ask for codes and enter wrong ones from fresh clients."""
    statuses = []
    for n in range(rounds):
        attacker = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        statuses.append(start(attacker, post_with_commit, iin).status_code)
        if statuses[-1] == 302:
            statuses.append(enter_code(attacker, "000000").status_code)
    return statuses


def test_an_attacker_burning_the_iin_budget_does_not_stop_the_owners_device(
    client: Client, citizen: User, post_with_commit: Any, signed_in: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    signed_in(client)  # the owner's browser, once: it now holds a signed device cookie
    client.post(url("accounts:sign-out"))

    statuses = _burn(iin, post_with_commit)
    locked_out = start(Client(REMOTE_ADDR="198.51.100.200"), post_with_commit, iin)
    response = start(client, post_with_commit, iin)
    signed = enter_code(client, last_code(citizen.email))

    assert 429 in statuses and locked_out.status_code == 429
    assert response.status_code == 302, response.content
    assert signed.status_code == 302, signed.content
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_the_device_cookie_is_signed_http_only_and_bound_to_the_iin(
    client: Client, citizen: User, post_with_commit: Any, signed_in: Any
) -> None:
    signed_in(client)
    cookie = client.cookies[devices.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert devices.requester(_request_with(cookie.value)).knows(citizen.iin_hash)
    assert not devices.requester(_request_with(cookie.value)).knows(lookup_hash(fresh_iin()))
    device, _, rest = cookie.value.partition(":")
    forged = f"{device}:{rest.replace(rest[0], 'f' if rest[0] != 'f' else 'e', 1)}"
    assert not devices.requester(_request_with(forged)).knows(citizen.iin_hash)


def _request_with(cookie_value: str) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES[devices.DEVICE_COOKIE] = cookie_value
    return request


def test_code_requests_for_one_iin_from_new_devices_wait_longer_each_time_and_say_until_when(
    citizen: User, post_with_commit: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    waits = []
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for n in range(services.OTP_ISSUE_PER_IIN.free + 4):
            response = start(Client(REMOTE_ADDR=f"10.1.0.{n}"), post_with_commit, iin)
            if response.status_code == 429:
                waits.append(int(response["Retry-After"]))
                page = response.content.decode()
                clock.shift(int(response["Retry-After"]))
                assert start(Client(REMOTE_ADDR=f"10.2.0.{n}"), post_with_commit, iin).status_code == 302

    assert waits == [60, 120, 240]
    assert "Too many attempts" in page
    # Refused at 09:03 UTC (after the 1- and 2-minute waits) for 4 minutes, shown in Almaty time (UTC+5).
    assert "You can try again at 14:07, in 4 minutes." in page
    assert "A device you have signed in on before is not affected." in page


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_wait_is_explained_in_the_visitors_language(db: None, post_with_commit: Any, lang: str) -> None:
    iin = fresh_iin()
    for n in range(services.OTP_ISSUE_PER_IIN.free + 2):
        response = post_with_commit(
            Client(REMOTE_ADDR=f"10.3.0.{n}"), url("accounts:sign-in", lang), {"iin": iin}
        )

    assert response.status_code == 429
    with translation.override(lang):
        reason = str(views._WAIT_REASONS["iin"])
    with translation.override("en"):
        assert reason != str(views._WAIT_REASONS["iin"])  # translated, not the English text
    assert escape(reason) in response.content.decode()


def test_code_requests_from_one_address_wait_but_other_addresses_do_not(
    db: None, post_with_commit: Any
) -> None:
    limit = services.OTP_ISSUE_PER_ADDRESS
    statuses = [
        start(Client(REMOTE_ADDR="192.0.2.50"), post_with_commit, fresh_iin()).status_code
        for _ in range(limit.free + 2)
    ]
    elsewhere = start(Client(REMOTE_ADDR="198.51.100.9"), post_with_commit, fresh_iin()).status_code

    assert statuses == [302] * (limit.free + 1) + [429]
    assert elsewhere == 302


def test_wrong_codes_for_one_iin_from_new_devices_wait_but_the_right_code_still_works_later(
    client: Client, citizen: User, post_with_commit: Any
) -> None:
    iin = citizen.plain_iin  # type: ignore[attr-defined]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        start(client, post_with_commit, iin)
        code = last_code()
        attacker = Client(REMOTE_ADDR="10.4.0.1")
        start(attacker, post_with_commit, iin)
        for _ in range(services.OTP_FAILURES_PER_IIN.free + 1):
            assert enter_code(attacker, "000000").status_code == 200

        waiting = enter_code(client, code)
        clock.shift(int(waiting["Retry-After"]))
        later = enter_code(client, code)

    assert waiting.status_code == 429 and int(waiting["Retry-After"]) == 60
    assert later.status_code == 302, later.content


# --- unknown IINs look the same -----------------------------------------------------------------------------------


def _without_csrf(content: bytes) -> str:
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', content.decode())


def test_an_unknown_iin_gets_exactly_the_same_pages_and_no_message(
    citizen: User, post_with_commit: Any
) -> None:
    known, unknown = Client(), Client()

    known_post = start(known, post_with_commit, citizen.plain_iin)  # type: ignore[attr-defined]
    wrong = other_than(last_code())
    mail.outbox.clear()
    sms.LocmemSMSGateway.outbox.clear()
    unknown_post = start(unknown, post_with_commit, fresh_iin())

    assert (known_post.status_code, known_post["Location"]) == (
        unknown_post.status_code,
        unknown_post["Location"],
    )
    assert known_post.content == unknown_post.content
    known_page = known.get(known_post["Location"])
    unknown_page = unknown.get(unknown_post["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert _without_csrf(known_page.content) == _without_csrf(unknown_page.content)
    assert mail.outbox == [] and sms.LocmemSMSGateway.outbox == []

    known_wrong = enter_code(known, wrong)
    unknown_wrong = enter_code(unknown, wrong)
    assert known_wrong.status_code == unknown_wrong.status_code == 200
    assert _without_csrf(known_wrong.content) == _without_csrf(unknown_wrong.content)


def test_known_and_unknown_iins_take_similar_time(
    db: None, post_with_commit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The production path: the request only publishes one task after commit, known or unknown; a worker sends.
    published: list[int] = []
    monkeypatch.setattr(
        jobs,
        "send",
        lambda name, *, code_id: published.append(code_id) if name == services.DELIVER_CODES else None,
    )
    rounds = 20
    known_iins = [make_citizen().plain_iin for _ in range(rounds + 2)]  # type: ignore[attr-defined]
    unknown_iins = [fresh_iin() for _ in range(rounds + 2)]
    timings: dict[str, list[float]] = {"known": [], "unknown": []}

    def timed(kind: str, iin: str, n: int) -> float:
        client = Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250}")
        began = time.perf_counter()
        response = start(client, post_with_commit, iin)
        elapsed = time.perf_counter() - began
        assert response.status_code == 302, (kind, response.status_code)
        return elapsed

    for n in range(2):  # warm-up
        timed("known", known_iins[n], n)
        timed("unknown", unknown_iins[n], 100 + n)
    for n in range(2, rounds + 2):  # interleaved, so drift hits both alike
        timings["known"].append(timed("known", known_iins[n], n))
        timings["unknown"].append(timed("unknown", unknown_iins[n], 100 + n))

    assert len(published) == 2 * (rounds + 2)  # one task per request on both paths
    known, unknown = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    print(f"median sign-in POST: known {known * 1000:.2f} ms, unknown {unknown * 1000:.2f} ms")
    assert max(known, unknown) / min(known, unknown) < 3, (known, unknown)


# --- logs and settings --------------------------------------------------------------------------------------------


def test_no_log_line_holds_the_iin_or_the_code_after_a_full_sign_in(
    client: Client, citizen: User, post_with_commit: Any, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.SMS_GATEWAY = "portal.sms.ConsoleSMSGateway"
    settings.DEBUG = False
    caplog.set_level(logging.DEBUG)
    iin = citizen.plain_iin  # type: ignore[attr-defined]

    start(client, post_with_commit, iin)
    code = last_code()
    enter_code(client, other_than(code))
    response = enter_code(client, code)
    client.post(url("accounts:sign-out"))

    assert response.status_code == 302
    assert caplog.records, "expected at least the SMS line"
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert iin not in logged
    assert code not in logged
    assert citizen.phone not in logged


def test_login_url_is_the_citizen_sign_in_and_the_staff_page_stays(client: Client, db: None) -> None:
    with translation.override("en"):
        assert resolve_url(settings.LOGIN_URL) == url("accounts:sign-in", "en")
    assert client.get(url("accounts:staff-login")).status_code == 200


def test_a_page_that_needs_sign_in_sends_an_anonymous_visitor_to_the_citizen_sign_in(
    client: Client, db: None
) -> None:
    target = home_after_sign_in()
    if target == "/":
        pytest.skip("no citizen page to protect yet")

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert "next=" in response["Location"]
