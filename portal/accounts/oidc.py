"""Citizen sign-in through an OpenID Connect provider, with mozilla-django-oidc doing the protocol.

The library runs the authorization-code flow: state, nonce and the PKCE verifier in the session
(`oidc_states`, single use), the token request, the key from the provider's JWKS and the RS256 signature and
expiry of the ID token (PyJWT underneath). What is ours, in `CitizenOIDCBackend`:

- the endpoints come from the issuer's discovery document (fetched through `requests`, cached for an hour;
  its issuer must be the configured one), so the environment only names the issuer and the client;
- the checks the library leaves to its users (it decodes with `verify_aud` off): issuer, audience, `azp` when
  there are several audiences, and the claims a sign-in needs;
- the claims mapped to our User: the IIN from `settings.OIDC_IIN_CLAIM`, which must pass the check digit;
  the citizen is found by the IIN's lookup hash or created, audited, by
  services.citizen_sign_in_with_identity; the ID token's claims are used, no userinfo call is made;
- each failure raised as OIDCError with a short reason for the audit trail (never shown to the person).

HTTPS is required for every provider address, except loopback addresses (a local fake provider in tests).
Nothing here logs a token, a code or an IIN.
"""

import dataclasses
import hashlib
import logging
import time
import urllib.parse
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from portal.identifiers import iin_is_valid

from . import services
from .models import User

logger = logging.getLogger(__name__)

# A flow (state, nonce, verifier in the session) older than this is refused at the callback.
FLOW_LIFETIME_SECONDS = 10 * 60
METADATA_CACHE_SECONDS = 3600
# The session key mozilla-django-oidc keeps its flows under (state -> nonce, code_verifier, added_on).
FLOWS = "oidc_states"
NEXT = "oidc_login_next"
_REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "sub")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class OIDCError(Exception):
    """The sign-in cannot complete. `reason` is a short code for the audit trail and tests (never shown);
    `audited` when the failure was already recorded (a refused account)."""

    def __init__(self, reason: str, *, audited: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.audited = audited


def is_configured() -> bool:
    """Sign-in through a provider is switched off while the issuer or the client id is empty."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_name() -> str:
    return str(settings.OIDC_PROVIDER_NAME or "eGov") if is_configured() else ""


@dataclasses.dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_methods: tuple[str, ...]


def _check_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
        return url
    raise OIDCError("insecure_provider_url")


def _issuer() -> str:
    return str(settings.OIDC_ISSUER).rstrip("/")


def provider_metadata() -> ProviderMetadata:
    """The issuer's discovery document (cached), checked: its issuer must be the configured one."""
    issuer = _check_url(_issuer())
    key = "oidc:metadata:" + hashlib.sha256(issuer.encode()).hexdigest()[:32]
    doc = cache.get(key)
    if doc is None:
        try:
            response = requests.get(
                f"{issuer}/.well-known/openid-configuration",
                timeout=settings.OIDC_TIMEOUT,
                headers={"Accept": "application/json"},
            )
            response.raise_for_status()
            doc = response.json()
        except requests.HTTPError:
            raise OIDCError("provider_http_error") from None
        except requests.RequestException as exc:
            logger.warning("OIDC provider unreachable: %s", type(exc).__name__)
            raise OIDCError("provider_unreachable") from None
        except ValueError:
            raise OIDCError("bad_discovery_document") from None
        if not isinstance(doc, dict):
            raise OIDCError("bad_discovery_document")
        cache.set(key, doc, METADATA_CACHE_SECONDS)
    try:
        meta = ProviderMetadata(
            issuer=str(doc["issuer"]).rstrip("/"),
            authorization_endpoint=_check_url(str(doc["authorization_endpoint"])),
            token_endpoint=_check_url(str(doc["token_endpoint"])),
            jwks_uri=_check_url(str(doc["jwks_uri"])),
            token_endpoint_auth_methods=tuple(
                doc.get("token_endpoint_auth_methods_supported") or ("client_secret_basic",)
            ),
        )
    except KeyError:
        raise OIDCError("bad_discovery_document") from None
    if meta.issuer != issuer:
        raise OIDCError("discovery_issuer_mismatch")
    return meta


def flow_refusal(request: HttpRequest) -> str | None:
    """Why the callback cannot go on with the flow this browser started, or None.

    The library would also stop on these, but with no reason to audit (and it keeps no flow lifetime)."""
    flows = request.session.get(FLOWS)
    if not isinstance(flows, dict) or not flows:
        return "no_flow_in_progress"  # started in another browser (login CSRF), or already used
    flow = flows.get(request.GET.get("state", ""))
    if not isinstance(flow, dict):
        return "state_mismatch"
    if time.time() - float(flow.get("added_on") or 0) > FLOW_LIFETIME_SECONDS:
        return "flow_expired"
    if request.GET.get("error"):
        return "provider_refused"  # e.g. access_denied when the person cancels at the provider
    if not request.GET.get("code"):
        return "no_code"
    return None


def forget_flows(request: HttpRequest) -> None:
    """After a callback, whatever its outcome, no flow is left to replay."""
    request.session.pop(FLOWS, None)
    request.session.pop(NEXT, None)


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, with the endpoints discovered and the claims mapped to a citizen.

    Returns None (as every backend does for credentials not its own) unless the request is a provider callback
    with a code and state; raises OIDCError once the library has started talking to the provider."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        if request is None or not is_configured() or not ({"code", "state"} <= request.GET.keys()):
            return None
        meta = provider_metadata()
        self.OIDC_OP_TOKEN_ENDPOINT = meta.token_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = meta.jwks_uri
        self._metadata = meta
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def get_settings(self, attr: str, *args: Any) -> Any:  # type: ignore[override]
        # How the client authenticates at the token endpoint follows what the provider offers.
        meta: ProviderMetadata | None = getattr(self, "_metadata", None)
        if attr == "OIDC_TOKEN_USE_BASIC_AUTH" and meta is not None:
            return bool(settings.OIDC_RP_CLIENT_SECRET) and (
                "client_secret_basic" in meta.token_endpoint_auth_methods
            )
        return super().get_settings(attr, *args)

    def get_token(self, payload: dict[str, Any]) -> Any:
        if not settings.OIDC_RP_CLIENT_SECRET:
            payload.pop("client_secret", None)  # a public client: PKCE alone
        try:
            return super().get_token(payload)
        except requests.HTTPError:
            raise OIDCError("provider_http_error") from None  # its message holds the body: not logged
        except requests.RequestException as exc:
            logger.warning("OIDC token endpoint unreachable: %s", type(exc).__name__)
            raise OIDCError("provider_unreachable") from None
        except ValueError:
            raise OIDCError("provider_response_not_json") from None

    def verify_token(self, token: Any, **kwargs: Any) -> Any:
        if not isinstance(token, str) or not token:
            raise OIDCError("no_id_token")
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation:
            # The key and the signature raise their own reasons below; what is left is the nonce check.
            raise OIDCError("nonce_mismatch") from None

    def retrieve_matching_jwk(self, token: str) -> Any:
        try:
            return super().retrieve_matching_jwk(token)
        except requests.RequestException:
            raise OIDCError("jwks_unreachable") from None
        except SuspiciousOperation:
            # No key of the provider's JWKS has this token's key id and algorithm (an HMAC or unsigned
            # token, or a key the provider never published).
            raise OIDCError("id_token_no_matching_key") from None
        except (jwt.PyJWTError, KeyError, ValueError):
            raise OIDCError("id_token_invalid") from None

    def get_payload_data(self, token: str, key: Any) -> Any:
        try:
            claims = super().get_payload_data(token, key)
        except SuspiciousOperation:
            raise OIDCError("id_token_bad_signature") from None  # or an algorithm other than RS256
        except jwt.ExpiredSignatureError:
            raise OIDCError("id_token_expired") from None
        except jwt.ImmatureSignatureError:
            raise OIDCError("id_token_not_yet_valid") from None
        except jwt.PyJWTError:
            raise OIDCError("id_token_invalid") from None
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: dict[str, Any]) -> None:
        """What the library's decode leaves out: this issuer, this client, the claims a sign-in needs."""
        if any(name not in claims for name in _REQUIRED_CLAIMS):
            raise OIDCError("id_token_missing_claim")
        if str(claims["iss"]).rstrip("/") != self._metadata.issuer:
            raise OIDCError("id_token_wrong_issuer")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        client_id = settings.OIDC_RP_CLIENT_ID
        if client_id not in audiences:
            raise OIDCError("id_token_wrong_audience")
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise OIDCError("id_token_wrong_authorized_party")

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # The ID token carries the IIN and the name: no userinfo endpoint is called.
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        claims = self.get_userinfo(access_token, id_token, payload)
        iin = claims.get(settings.OIDC_IIN_CLAIM or "iin")
        if not isinstance(iin, str) or not iin_is_valid(iin):
            raise OIDCError("no_valid_iin_claim")
        name = claims.get("name")
        try:
            return services.citizen_sign_in_with_identity(
                iin=iin,
                full_name=name if isinstance(name, str) else "",
                issuer=self._metadata.issuer,
                now=timezone.now(),
            )
        except services.SignInRefused:
            raise OIDCError("not_a_citizen_account", audited=True) from None
