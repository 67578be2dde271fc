"""Staff sign-in with a second factor: password, then a code from an authenticator app (RFC 6238)."""

import datetime as dt
import logging
import re
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts import services, staff_views, totp
from portal.accounts.models import Organisation, OrganisationKind, Role, User
from portal.accounts.services import Limit, TotpResult
from portal.audit.models import AuditEvent

from .conftest import make_citizen, url

T0 = dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC)  # 5 s into a 30-second step
PASSWORD = "a long staff password 1"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_orgs = iter(range(1, 10_000))


def make_staff(
    *, role: str = Role.REVIEWER, secret: str | None = SECRET, username: str | None = None, **extra: Any
) -> User:
    n = next(_orgs)
    org = Organisation.objects.create(code=f"body-{n}", kind=OrganisationKind.REVIEW_BODY, name={"en": "B"})
    user = User.objects.create(username=username or f"staff-totp-{n}", role=role, organisation=org, **extra)
    user.set_password(PASSWORD)
    if secret:
        user.totp_secret = totp.seal_secret(secret)
    user.save()
    return user


def code(secret: str = SECRET, *, shift_steps: int = 0) -> str:
    now = timezone.now() + dt.timedelta(seconds=totp.TOTP_INTERVAL_SECONDS * shift_steps)
    return totp.code_at(secret=secret, now=now)


def wrong(value: str) -> str:
    return f"{(int(value) + 1) % 10**6:06d}"


def password_step(
    client: Client, user: User | str, password: str = PASSWORD, *, next: str = "", ip: str = "127.0.0.1"
) -> Any:
    username = user if isinstance(user, str) else user.username
    data = {"username": username, "password": password, "next": next}
    return client.post(url("accounts:staff-login"), data, REMOTE_ADDR=ip)


def code_step(client: Client, value: str) -> Any:
    return client.post(url("accounts:staff-totp"), {"code": value})


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def pending(client: Client) -> Any:
    return client.session.get(staff_views.PENDING)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(db: None) -> User:
    return make_staff()


# --- the password ----------------------------------------------------------------------------------------------


def test_a_wrong_password_leaves_no_pending_marker_and_reads_like_an_unknown_username(
    client: Client, staff: User
) -> None:
    wrong_password = password_step(client, staff, "not the password at all")
    unknown = password_step(client, "nobody-at-all", "not the password at all")

    for response in (wrong_password, unknown):
        assert response.status_code == 200, response.content
        assert "Enter a correct username and password" in response.content.decode()
    assert pending(client) is None
    assert signed_in_as(client) is None
    failures = AuditEvent.objects.filter(action="accounts.sign_in.failed", data__method="password")
    assert failures.count() == 2
    assert {event.data["reason"] for event in failures} == {"bad_credentials"}


def test_a_right_password_asks_for_a_code_under_a_new_session_key_without_signing_in(
    client: Client, staff: User, clock: Any
) -> None:
    client.get(url("accounts:staff-login"))
    client.session.save()
    before = client.session.session_key

    response = password_step(client, staff)

    assert response.status_code == 302, response.content
    assert response["Location"] == url("accounts:staff-totp")
    assert signed_in_as(client) is None
    assert client.session.session_key != before
    marker = pending(client)
    assert marker["user_id"] == staff.pk
    assert marker["expires_at"] == pytest.approx(T0.timestamp() + 300)
    assert AuditEvent.objects.filter(
        action="accounts.sign_in.password_verified", object_id=str(staff.pk)
    ).exists()


def test_the_code_page_without_a_password_first_goes_back_to_the_password(client: Client, db: None) -> None:
    for name in ("accounts:staff-totp", "accounts:staff-totp-enrol"):
        response = client.get(url(name))

        assert response.status_code == 302
        assert response["Location"] == url("accounts:staff-login")


def test_citizens_cannot_use_the_staff_sign_in_even_with_their_password(client: Client, db: None) -> None:
    citizen = make_citizen()
    citizen.set_password(PASSWORD)
    citizen.save()

    response = password_step(client, citizen)

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert pending(client) is None
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(
        action="accounts.sign_in.failed", object_id=str(citizen.pk), data__reason="not_a_staff_account"
    ).exists()


def test_an_inactive_staff_account_gets_the_same_message(client: Client, db: None) -> None:
    make_staff(username="gone-staff", is_active=False)

    response = password_step(client, "gone-staff")

    assert "Enter a correct username and password" in response.content.decode()
    assert pending(client) is None


# --- the code --------------------------------------------------------------------------------------------------


def test_the_right_password_and_a_wrong_code_do_not_sign_in(client: Client, staff: User, clock: Any) -> None:
    password_step(client, staff)

    response = code_step(client, wrong(code()))

    assert response.status_code == 200, response.content
    assert "The code is not correct" in response.content.decode()
    assert signed_in_as(client) is None
    assert pending(client)["attempts"] == 1
    assert AuditEvent.objects.filter(
        action="accounts.sign_in.failed", data__method="password+totp", data__reason="wrong"
    ).exists()


def test_the_right_code_signs_in_with_a_new_session_key_and_records_the_method(
    client: Client, staff: User, clock: Any
) -> None:
    password_step(client, staff)
    pending_key = client.session.session_key

    response = code_step(client, code())

    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("review:home")
    assert signed_in_as(client) == str(staff.pk)
    assert client.session.session_key != pending_key
    assert not Session.objects.filter(session_key=pending_key).exists()
    assert client.session["auth_method"] == "password+totp"
    assert pending(client) is None
    assert AuditEvent.objects.filter(
        action="accounts.sign_in.succeeded", actor=f"reviewer:{staff.pk}", data__method="password+totp"
    ).exists()


def test_a_safe_next_address_is_kept_through_both_steps_and_an_outside_one_is_not(
    client: Client, staff: User, clock: Any
) -> None:
    target = reverse("review:team")
    password_step(client, staff, next=target)
    assert code_step(client, code())["Location"] == target

    other = Client()
    password_step(other, staff, next="https://evil.example/")
    clock.shift(dt.timedelta(seconds=totp.TOTP_INTERVAL_SECONDS))
    assert code_step(other, code())["Location"] == reverse("review:home")


def test_a_code_is_refused_a_second_time_in_the_same_time_step(
    client: Client, staff: User, clock: Any
) -> None:
    used = code()
    password_step(client, staff)
    assert code_step(client, used).status_code == 302
    client.post(url("accounts:sign-out"))

    password_step(client, staff)
    response = code_step(client, used)

    assert response.status_code == 200
    assert "This code has already been used" in response.content.decode()
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="accounts.sign_in.failed", data__reason="reused").exists()


def test_after_a_code_is_used_an_earlier_code_of_the_window_is_refused_but_the_next_step_passes(
    staff: User, clock: Any
) -> None:
    now = timezone.now()
    later = services.staff_totp_sign_in(user_id=staff.pk, code=code(shift_steps=1), now=now)
    earlier = services.staff_totp_sign_in(user_id=staff.pk, code=code(), now=now)
    clock.shift(dt.timedelta(seconds=2 * totp.TOTP_INTERVAL_SECONDS))
    fresh = services.staff_totp_sign_in(user_id=staff.pk, code=code(), now=timezone.now())

    assert later.result is TotpResult.VALID
    assert earlier.result is TotpResult.REUSED
    assert fresh.result is TotpResult.VALID


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_a_code_is_accepted_one_time_step_either_side_and_no_further(
    staff: User, clock: Any, steps: int, accepted: bool
) -> None:
    outcome = services.staff_totp_sign_in(user_id=staff.pk, code=code(shift_steps=steps), now=timezone.now())

    assert (outcome.result is TotpResult.VALID) is accepted


def test_the_pending_marker_ends_after_five_minutes(client: Client, staff: User, clock: Any) -> None:
    password_step(client, staff)
    clock.shift(dt.timedelta(seconds=staff_views.PENDING_SECONDS))

    response = code_step(client, code())

    assert response.status_code == 302
    assert response["Location"] == url("accounts:staff-login")
    assert signed_in_as(client) is None
    assert pending(client) is None
    assert "The time to enter a code ran out" in client.get(response["Location"]).content.decode()


def test_a_password_change_meanwhile_ends_the_pending_sign_in(
    client: Client, staff: User, clock: Any
) -> None:
    password_step(client, staff)
    staff.set_password("another long password 2")
    staff.save()

    response = code_step(client, code())

    assert response["Location"] == url("accounts:staff-login")
    assert signed_in_as(client) is None


def test_too_many_wrong_codes_send_the_person_back_to_the_password(
    client: Client, staff: User, clock: Any
) -> None:
    password_step(client, staff)
    bad = wrong(code())
    for _ in range(staff_views.MAX_CODE_ATTEMPTS - 1):
        assert code_step(client, bad).status_code == 200

    response = code_step(client, bad)

    assert response.status_code == 302
    assert response["Location"] == url("accounts:staff-login")
    assert pending(client) is None
    assert code_step(client, code())["Location"] == url("accounts:staff-login")
    assert signed_in_as(client) is None


def test_a_secret_that_cannot_be_read_refuses_the_code_without_offering_a_new_enrolment(
    client: Client, clock: Any, db: None
) -> None:
    user = make_staff(secret=None)
    user.totp_secret = SECRET  # plain text, as the column could once hold: never trusted
    user.save()
    password_step(client, user)

    response = code_step(client, code())

    assert response.status_code == 200
    assert "Ask an administrator to reset it" in response.content.decode()
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="accounts.sign_in.failed", data__reason="unavailable").exists()


# --- setting up the authenticator ------------------------------------------------------------------------------


def shown_secret(page: str) -> str:
    found = re.search(r"otpauth://totp/[^\"<\s]*[?&]secret=([A-Z2-7]+)", page)
    assert found, page
    return found.group(1)


def test_first_sign_in_shows_a_new_secret_and_saves_it_only_after_a_right_code(
    client: Client, clock: Any, db: None
) -> None:
    user = make_staff(secret=None)

    response = password_step(client, user)
    assert response["Location"] == url("accounts:staff-totp-enrol")
    page = client.get(response["Location"]).content.decode()
    secret = shown_secret(page)
    assert totp.grouped(secret) in page
    assert f"otpauth://totp/{totp.TOTP_ISSUER.replace(' ', '%20')}:{user.username}" in page
    assert client.get(url("accounts:staff-totp-enrol")).content.decode().count(totp.grouped(secret)) == 1

    refused = client.post(url("accounts:staff-totp-enrol"), {"code": wrong(code(secret))})
    user.refresh_from_db()
    assert refused.status_code == 200
    assert user.totp_secret == ""
    assert signed_in_as(client) is None

    accepted = client.post(url("accounts:staff-totp-enrol"), {"code": code(secret)})

    assert accepted.status_code == 302, accepted.content
    assert signed_in_as(client) == str(user.pk)
    assert client.session["auth_method"] == "password+totp"
    user.refresh_from_db()
    assert secret not in user.totp_secret
    assert totp.unseal_secret(user.totp_secret) == secret
    assert user.totp_last_counter == totp.time_step(timezone.now())
    assert AuditEvent.objects.filter(action="accounts.totp.enrolled", object_id=str(user.pk)).exists()


def test_after_enrolment_the_next_sign_in_asks_for_a_code_from_the_same_secret(
    client: Client, clock: Any, db: None
) -> None:
    user = make_staff(secret=None)
    password_step(client, user)
    secret = shown_secret(client.get(url("accounts:staff-totp-enrol")).content.decode())
    client.post(url("accounts:staff-totp-enrol"), {"code": code(secret)})
    client.post(url("accounts:sign-out"))
    clock.shift(dt.timedelta(seconds=totp.TOTP_INTERVAL_SECONDS))

    response = password_step(client, user)

    assert response["Location"] == url("accounts:staff-totp")
    assert client.get(url("accounts:staff-totp-enrol"))["Location"] == url("accounts:staff-totp")
    assert code_step(client, code(secret)).status_code == 302
    assert signed_in_as(client) == str(user.pk)


def test_someone_whose_time_ran_out_during_set_up_sees_the_same_secret_again(
    client: Client, clock: Any, db: None
) -> None:
    user = make_staff(secret=None)
    password_step(client, user)
    first = shown_secret(client.get(url("accounts:staff-totp-enrol")).content.decode())
    clock.shift(dt.timedelta(seconds=staff_views.PENDING_SECONDS + 1))
    assert client.get(url("accounts:staff-totp-enrol"))["Location"] == url("accounts:staff-login")

    password_step(client, user)

    assert shown_secret(client.get(url("accounts:staff-totp-enrol")).content.decode()) == first


def test_enrolment_never_replaces_an_existing_secret(staff: User, clock: Any) -> None:
    other = totp.new_secret()

    outcome = services.staff_totp_enrol(user_id=staff.pk, secret=other, code=code(other), now=timezone.now())

    staff.refresh_from_db()
    assert outcome.result is TotpResult.ALREADY_ENROLLED
    assert totp.unseal_secret(staff.totp_secret) == SECRET


def test_an_administrator_can_reset_someone_elses_authenticator_and_nobody_else_can(
    staff: User, clock: Any
) -> None:
    admin = make_staff(role=Role.ADMIN)
    with pytest.raises(services.SecondFactorResetRefused):
        services.staff_totp_reset(
            user_id=staff.pk, actor=make_staff(role=Role.SUPERVISOR), now=timezone.now()
        )
    with pytest.raises(services.SecondFactorResetRefused):
        services.staff_totp_reset(user_id=admin.pk, actor=admin, now=timezone.now())

    services.staff_totp_reset(user_id=staff.pk, actor=admin, now=timezone.now())

    staff.refresh_from_db()
    assert staff.totp_secret == ""
    assert staff.totp_last_counter is None
    assert AuditEvent.objects.filter(action="accounts.totp.reset", actor=f"admin:{admin.pk}").exists()


# --- the secret at rest, the demo secret, the demo command -----------------------------------------------------


def test_the_secret_is_stored_encrypted_and_bound_to_its_purpose(staff: User) -> None:
    stored = staff.totp_secret

    assert SECRET not in stored
    assert totp.unseal_secret(stored) == SECRET
    assert totp.seal_secret(SECRET) != stored  # a fresh nonce every time
    assert totp.unseal_secret(SECRET) is None
    assert totp.unseal_secret(stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")) is None
    with pytest.raises(ValueError):
        totp.seal_secret("not base32!")


def test_the_demo_secret_is_a_fixed_base32_secret() -> None:
    assert totp.demo_totp_secret() == totp.demo_totp_secret()
    assert totp.is_valid_secret(totp.demo_totp_secret())


def test_the_demo_command_prints_the_current_code_only_with_debug_on(
    db: None, clock: Any, settings: Any
) -> None:
    user = make_staff(secret=totp.demo_totp_secret())
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("staff_totp_code", user.username)

    settings.DEBUG = True
    out = StringIO()
    call_command("staff_totp_code", user.username, stdout=out)

    assert out.getvalue().startswith(code(totp.demo_totp_secret()))
    with pytest.raises(CommandError):
        call_command("staff_totp_code", make_staff(secret=None).username)


# --- enforcement -----------------------------------------------------------------------------------------------


def test_the_second_factor_is_required_by_default_and_the_middleware_is_installed() -> None:
    from portal.settings import base

    assert base.STAFF_REQUIRE_TOTP is True
    middleware = django_settings.MIDDLEWARE
    assert middleware.index("portal.accounts.middleware.StaffSecondFactorMiddleware") > middleware.index(
        "portal.accounts.middleware.SessionTimeoutMiddleware"
    )


def test_a_staff_session_that_skipped_the_code_is_ended_and_sent_to_the_staff_sign_in(
    client: Client, staff: User, settings: Any
) -> None:
    settings.STAFF_REQUIRE_TOTP = True
    client.force_login(staff)
    key = client.session.session_key
    target = reverse("review:mine")

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:staff-login"))
    assert "next=" in response["Location"]
    assert signed_in_as(client) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(
        action="accounts.session.refused", actor=f"reviewer:{staff.pk}", data__reason="second_factor_missing"
    ).exists()
    assert "a code from an authenticator app" in client.get(response["Location"]).content.decode()


def test_a_session_from_the_admin_sites_own_sign_in_is_refused(
    client: Client, db: None, settings: Any
) -> None:
    settings.STAFF_REQUIRE_TOTP = True
    admin = make_staff(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.post(reverse("admin:login"), {"username": admin.username, "password": PASSWORD})

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:staff-login"))
    assert signed_in_as(client) is None


def test_a_staff_session_signed_in_with_both_factors_and_a_citizen_session_pass(
    client: Client, staff: User, clock: Any, settings: Any
) -> None:
    settings.STAFF_REQUIRE_TOTP = True
    password_step(client, staff)
    code_step(client, code())
    assert client.get(reverse("review:mine")).status_code == 200
    assert signed_in_as(client) == str(staff.pk)

    citizen_client = Client()
    citizen_client.force_login(make_citizen())
    assert citizen_client.get(url("accounts:signed-out")).status_code == 200
    assert signed_in_as(citizen_client) is not None


def test_with_the_setting_off_force_login_keeps_working_for_other_tests(client: Client, staff: User) -> None:
    assert django_settings.STAFF_REQUIRE_TOTP is False
    client.force_login(staff)

    assert client.get(reverse("review:mine")).status_code == 200
    assert signed_in_as(client) == str(staff.pk)


def test_a_staff_session_gets_the_idle_limit_too(client: Client, staff: User, clock: Any) -> None:
    password_step(client, staff)
    code_step(client, code())
    clock.shift(dt.timedelta(seconds=django_settings.SESSION_IDLE_SECONDS + 1))

    client.get(url("accounts:signed-out"))

    assert signed_in_as(client) is None


# --- limits ----------------------------------------------------------------------------------------------------


def test_the_per_account_limits_are_within_the_reliability_target() -> None:
    for limit in (services.STAFF_PASSWORD_FAILURES_PER_USERNAME, services.STAFF_TOTP_FAILURES_PER_USER):
        assert limit.limit * 3600 / limit.window_seconds <= 100


def test_wrong_passwords_for_one_username_are_refused_with_429(client: Client, staff: User) -> None:
    limit = services.STAFF_PASSWORD_FAILURES_PER_USERNAME
    for i in range(limit.limit):
        # From many addresses, so only the per-username limit applies.
        password_step(client, staff, "wrong password", ip=f"10.0.{i // 200}.{i % 200}")

    response = client.post(
        url("accounts:staff-login"),
        {"username": staff.username.upper(), "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )

    assert response.status_code == 429
    assert response["Retry-After"] == str(limit.window_seconds)
    assert pending(client) is None
    assert AuditEvent.objects.filter(action="accounts.sign_in.throttled", object_id=limit.scope).exists()


def test_wrong_passwords_from_one_address_are_refused_with_429(client: Client, db: None) -> None:
    limit = staff_views.STAFF_PASSWORD_FAILURES_PER_IP
    for i in range(limit.limit):
        password_step(client, f"someone-{i}", "wrong password")

    response = password_step(client, "someone-else", "wrong password")

    assert response.status_code == 429


def test_wrong_codes_for_one_account_are_refused_with_429(
    client: Client, staff: User, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "STAFF_TOTP_FAILURES_PER_USER", Limit("staff-totp-fail-user", 3, 3600))
    password_step(client, staff)
    bad = wrong(code())
    for _ in range(3):
        assert code_step(client, bad).status_code == 200

    response = code_step(client, code())

    assert response.status_code == 429
    assert signed_in_as(client) is None


def test_the_service_refuses_codes_past_the_per_account_limit(staff: User, clock: Any) -> None:
    limit = services.STAFF_TOTP_FAILURES_PER_USER
    bad = wrong(code())
    for _ in range(limit.limit):
        services.staff_totp_sign_in(user_id=staff.pk, code=bad, now=timezone.now())

    with pytest.raises(services.throttle.RateLimited):
        services.staff_totp_sign_in(user_id=staff.pk, code=code(), now=timezone.now())


def test_a_full_sign_in_forgets_earlier_password_failures(client: Client, staff: User, clock: Any) -> None:
    limit = services.STAFF_PASSWORD_FAILURES_PER_USERNAME
    for _ in range(limit.limit - 1):
        password_step(client, staff, "wrong password", ip="10.1.1.1")
    password_step(client, staff)
    code_step(client, code())
    client.post(url("accounts:sign-out"))

    for _ in range(limit.limit - 1):
        assert password_step(client, staff, "wrong", ip="10.2.2.2").status_code == 200


# --- logs and the audit chain ----------------------------------------------------------------------------------


def test_no_secret_code_or_password_reaches_a_log_line_or_the_audit_chain(
    client: Client, clock: Any, caplog: pytest.LogCaptureFixture, settings: Any, db: None
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.STAFF_REQUIRE_TOTP = True
    user = make_staff(secret=None)
    password_step(client, user, "a wrong password here")
    password_step(client, user)
    secret = shown_secret(client.get(url("accounts:staff-totp-enrol")).content.decode())
    bad = wrong(code(secret))
    client.post(url("accounts:staff-totp-enrol"), {"code": bad})
    good = code(secret)
    client.post(url("accounts:staff-totp-enrol"), {"code": good})
    client.post(url("accounts:sign-out"))
    password_step(client, user)
    code_step(client, good)  # reused
    intruder = Client()
    intruder.force_login(user)
    intruder.get(reverse("review:mine"))

    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    audited = " ".join(str(event.data) for event in AuditEvent.objects.all())
    for text in (logged, audited):
        for value in (secret, totp.grouped(secret), good, bad, PASSWORD, "a wrong password here"):
            assert value not in text
