"""Sign-in through an OpenID Connect provider, against a local fake provider, through Django's test client.

Every broken step ends on a clear error page with no signed-in session, and is audited with its reason.
"""

import base64
import json
import logging
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from django.contrib.auth import authenticate
from django.test import Client

from portal.accounts.models import Role, User
from portal.audit.models import AuditEvent
from portal.crypto import lookup_hash

from .conftest import fresh_iin, make_citizen, make_staff, url
from .fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider, new_key


@pytest.fixture
def provider(db: None, settings: Any) -> Iterator[FakeProvider]:
    with FakeProvider(iin=fresh_iin()) as fake:
        settings.OIDC_ISSUER = fake.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_PROVIDER_NAME = "eGov"
        yield fake


def begin(client: Client, provider: FakeProvider, **params: str) -> str:
    """Start at the portal; returns the authorize URL the browser is sent to."""
    response = client.get(url("accounts:oidc-start"), params)
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    return location


def come_back(client: Client, callback_url: str) -> Any:
    """The browser arrives back at the portal's callback (only its path and query matter to the test client)."""
    parsed = urllib.parse.urlsplit(callback_url)
    return client.get(f"{parsed.path}?{parsed.query}")


def run_flow(client: Client, provider: FakeProvider, **params: str) -> Any:
    return come_back(client, provider.consent(begin(client, provider, **params)))


def assert_refused(client: Client, response: Any, reason: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    assert "We could not sign you in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not client.session.get("oidc_states")  # no flow left to replay
    assert AuditEvent.objects.filter(data__reason=reason).exists(), list(
        AuditEvent.objects.values_list("action", "data")
    )


# --- the flow -------------------------------------------------------------------------------------------------


def test_the_button_appears_only_when_a_provider_is_configured(
    client: Client, provider: FakeProvider
) -> None:
    html = client.get(url("accounts:sign-in")).content.decode()

    assert url("accounts:oidc-start") in html
    assert "Sign in with eGov" in html


def test_the_start_sends_state_nonce_and_a_pkce_challenge(client: Client, provider: FakeProvider) -> None:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(begin(client, provider)).query))

    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["scope"] == "openid"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["redirect_uri"] == "http://testserver" + url("accounts:oidc-callback")
    flow = client.session["oidc_states"][query["state"]]
    assert flow["nonce"] == query["nonce"]
    assert flow["code_verifier"] and query["code_challenge"] != flow["code_verifier"]
    assert query["ui_locales"] == "en"


def test_a_new_citizen_signs_in_through_the_provider(client: Client, provider: FakeProvider) -> None:
    client.get(url("accounts:sign-in"))
    client.session.save()
    before = client.session.session_key

    response = run_flow(client, provider, next="/en/decisions/X/")

    assert response.status_code == 302, response.content
    assert response["Location"] == "/en/decisions/X/"
    user = User.objects.get(iin_hash=lookup_hash(provider.iin))
    assert user.role == Role.CITIZEN and user.full_name == "Aigerim Test"
    assert not user.has_usable_password()
    session = client.session
    assert session["_auth_user_id"] == str(user.pk)
    assert session["auth_method"] == "oidc"
    assert session.session_key != before
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"accounts.citizen.registered", "accounts.sign_in.succeeded"} <= actions
    # PKCE: the provider got the verifier and checked it against the challenge.
    assert provider.token_requests[-1]["code_verifier"]


def test_an_existing_citizen_is_found_by_iin(client: Client, provider: FakeProvider) -> None:
    citizen = make_citizen(provider.iin)

    response = run_flow(client, provider)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)
    assert User.objects.filter(iin_hash=citizen.iin_hash).count() == 1


def test_the_flow_works_with_client_secret_post(
    client: Client, provider: FakeProvider, monkeypatch: Any
) -> None:
    provider.discovery_overrides["token_endpoint_auth_methods_supported"] = ["client_secret_post"]
    original = provider.token

    def token(form: dict[str, str], authorization: str) -> Any:
        assert form.pop("client_secret") == CLIENT_SECRET and form.pop("client_id") == CLIENT_ID
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return original(form, basic)

    monkeypatch.setattr(provider, "token", token)

    assert run_flow(client, provider).status_code == 302
    assert "_auth_user_id" in client.session


def test_no_log_line_holds_the_iin_or_the_token(
    client: Client, provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens: list[str] = []
    provider.token_rewrite = lambda token: tokens.append(token) or token  # type: ignore[func-returns-value]

    run_flow(client, provider)

    assert tokens
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert provider.iin not in logged
    assert tokens[0] not in logged and tokens[0].split(".")[1] not in logged


# --- every way it can go wrong ---------------------------------------------------------------------------------


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["iin"] = fresh_iin()
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_tampered_token_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.token_rewrite = _tamper

    assert_refused(client, run_flow(client, provider), "id_token_bad_signature")


def test_a_token_signed_by_another_key_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.signing_key = new_key()

    assert_refused(client, run_flow(client, provider), "id_token_bad_signature")


def test_a_token_with_an_hmac_algorithm_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.algorithm = "HS256"
    provider.signing_key = CLIENT_SECRET * 2  # an HMAC key of a sensible length

    assert_refused(client, run_flow(client, provider), "id_token_no_matching_key")


def test_an_unsigned_token_is_refused(client: Client, provider: FakeProvider) -> None:
    def unsigned(token: str) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"test-key-1"}').rstrip(b"=").decode()
        return f"{header}.{token.split('.')[1]}."

    provider.token_rewrite = unsigned

    response = run_flow(client, provider)

    assert_refused(client, response, AuditEvent.objects.latest("seq").data["reason"])
    assert AuditEvent.objects.latest("seq").data["reason"].startswith("id_token")


def test_a_wrong_nonce_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.claim_overrides["nonce"] = "not-the-nonce-we-sent"

    assert_refused(client, run_flow(client, provider), "nonce_mismatch")


def test_a_token_without_a_nonce_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.claims_removed.add("nonce")

    assert_refused(client, run_flow(client, provider), "nonce_mismatch")


def test_a_token_without_a_subject_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.claims_removed.add("sub")

    assert_refused(client, run_flow(client, provider), "id_token_missing_claim")


def test_a_token_for_another_client_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.claim_overrides["aud"] = "someone-else"

    assert_refused(client, run_flow(client, provider), "id_token_wrong_audience")


def test_a_token_for_several_clients_needs_us_as_the_authorized_party(
    client: Client, provider: FakeProvider
) -> None:
    provider.claim_overrides["aud"] = [CLIENT_ID, "someone-else"]
    provider.claim_overrides["azp"] = "someone-else"

    assert_refused(client, run_flow(client, provider), "id_token_wrong_authorized_party")


def test_an_expired_token_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.claim_overrides["iat"] = int(time.time()) - 3600
    provider.claim_overrides["exp"] = int(time.time()) - 600

    assert_refused(client, run_flow(client, provider), "id_token_expired")


def test_a_token_from_another_issuer_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.claim_overrides["iss"] = "https://impostor.example"

    assert_refused(client, run_flow(client, provider), "id_token_wrong_issuer")


def test_a_state_mismatch_is_refused_without_calling_the_provider(
    client: Client, provider: FakeProvider
) -> None:
    back = provider.consent(begin(client, provider))
    forged = back.replace("state=", "state=x")

    response = come_back(client, forged)

    assert_refused(client, response, "state_mismatch")
    assert provider.token_requests == []


def test_a_callback_without_a_started_flow_is_refused(client: Client, provider: FakeProvider) -> None:
    other = Client()
    back = provider.consent(begin(other, provider))  # started in another browser: a login CSRF attempt

    assert_refused(client, come_back(client, back), "no_flow_in_progress")


def test_a_callback_is_single_use(client: Client, provider: FakeProvider) -> None:
    back = provider.consent(begin(client, provider))
    assert come_back(client, back).status_code == 302
    client.post(url("accounts:sign-out"))

    assert_refused(client, come_back(client, back), "no_flow_in_progress")


def test_the_provider_reporting_an_error_is_refused(client: Client, provider: FakeProvider) -> None:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(begin(client, provider)).query))

    response = client.get(url("accounts:oidc-callback"), {"error": "access_denied", "state": query["state"]})

    assert_refused(client, response, "provider_refused")


def test_a_code_the_provider_does_not_know_is_refused(client: Client, provider: FakeProvider) -> None:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(begin(client, provider)).query))

    response = client.get(url("accounts:oidc-callback"), {"code": "made-up", "state": query["state"]})

    assert_refused(client, response, "provider_http_error")


@pytest.mark.parametrize("iin", ["", "12345", "949940000385", 123456789012])
def test_a_token_without_a_valid_iin_is_refused(client: Client, provider: FakeProvider, iin: Any) -> None:
    provider.claim_overrides["iin"] = iin

    assert_refused(client, run_flow(client, provider), "no_valid_iin_claim")
    assert not User.objects.filter(role=Role.CITIZEN).exists()


def test_the_iin_claim_name_is_configurable(client: Client, provider: FakeProvider, settings: Any) -> None:
    settings.OIDC_IIN_CLAIM = "urn:egov:iin"
    provider.claim_overrides["urn:egov:iin"] = provider.iin
    provider.claims_removed.add("iin")

    assert run_flow(client, provider).status_code == 302


def test_a_staff_account_cannot_sign_in_as_a_citizen(client: Client, provider: FakeProvider) -> None:
    make_staff(provider.iin)

    assert_refused(client, run_flow(client, provider), "not_a_citizen_account", status=403)


def test_a_discovery_document_for_another_issuer_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.discovery_overrides["issuer"] = "https://impostor.example"

    response = client.get(url("accounts:oidc-start"))

    assert_refused(client, response, "discovery_issuer_mismatch")


def test_a_provider_over_plain_http_on_a_public_host_is_refused(
    client: Client, provider: FakeProvider, settings: Any
) -> None:
    settings.OIDC_ISSUER = "http://idp.example.kz"

    response = client.get(url("accounts:oidc-start"))

    assert_refused(client, response, "insecure_provider_url")


def test_an_unreachable_provider_gives_the_error_page(
    client: Client, provider: FakeProvider, settings: Any
) -> None:
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens

    assert_refused(client, client.get(url("accounts:oidc-start")), "provider_unreachable")


def test_a_flow_left_too_long_is_refused(client: Client, provider: FakeProvider) -> None:
    back = provider.consent(begin(client, provider))
    session = client.session
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))["state"]
    session["oidc_states"][state]["added_on"] = time.time() - 3600
    session.save()

    assert_refused(client, come_back(client, back), "flow_expired")


def test_without_configuration_the_provider_pages_do_not_exist(client: Client, db: None) -> None:
    assert client.get(url("accounts:oidc-start")).status_code == 404
    assert client.get(url("accounts:oidc-callback")).status_code == 404


def test_a_token_the_provider_forged_for_the_right_user_still_needs_our_nonce(
    client: Client, provider: FakeProvider
) -> None:
    # A token replayed from another flow carries that flow's nonce.
    first = Client()
    run_flow(first, provider)
    old_token = jwt.encode(
        {
            "iss": provider.issuer,
            "aud": CLIENT_ID,
            "sub": "s",
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
            "nonce": "from-another-flow",
            "iin": provider.iin,
        },
        provider.key,
        algorithm="RS256",
        headers={"kid": provider.kid},
    )
    provider.token_rewrite = lambda _token: old_token

    assert_refused(client, run_flow(client, provider), "nonce_mismatch")


def test_the_provider_backend_stays_out_of_other_sign_ins(
    provider: FakeProvider, settings: Any, rf: Any
) -> None:
    # Every authenticate() call reaches each backend; outside the provider's callback ours answers None at
    # once, without a request to the provider (here unreachable), so password sign-ins are unaffected.
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    staff = make_staff(fresh_iin())
    staff.set_password("correct horse battery staple")
    staff.save()

    request = rf.post("/", {"username": staff.username})
    request.session = Client().session

    assert authenticate(request, username=staff.username, password="correct horse battery staple") == staff
    assert authenticate(rf.get("/", {"state": "s"}), nonce="n") is None


def test_an_inactive_citizen_is_refused(client: Client, provider: FakeProvider) -> None:
    make_citizen(provider.iin, is_active=False)

    assert_refused(client, run_flow(client, provider), "not_a_citizen_account", status=403)
