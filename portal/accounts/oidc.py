"""OpenID Connect relying party: the authorization-code flow with PKCE, state and nonce.

Configured from the environment (OIDC_* settings); the endpoints come from the issuer's discovery document.
The ID token is checked for an RS256 signature by a key of the provider's JWKS, the issuer, the audience (and
`azp` when there are several), expiry and the nonce; the IIN comes from a configurable claim and must pass the
check digit. Nothing here logs a token, a code or an IIN.

HTTPS is required for every provider address, except loopback addresses (a local fake provider in tests).
"""

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache

from portal.identifiers import iin_is_valid

logger = logging.getLogger(__name__)

FLOW_LIFETIME = dt.timedelta(minutes=10)
CLOCK_LEEWAY_SECONDS = 60
METADATA_CACHE_SECONDS = 3600
_MAX_RESPONSE_BYTES = 1024 * 1024
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class OIDCError(Exception):
    """The sign-in cannot complete. `reason` is a short code for the audit trail and tests (never shown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class OIDCConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    iin_claim: str
    scopes: str
    provider_name: str
    timeout_seconds: float


def config() -> OIDCConfig | None:
    """The provider configuration, or None when sign-in through a provider is switched off."""
    issuer = getattr(settings, "OIDC_ISSUER", "")
    client_id = getattr(settings, "OIDC_CLIENT_ID", "")
    if not issuer or not client_id:
        return None
    return OIDCConfig(
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret=getattr(settings, "OIDC_CLIENT_SECRET", ""),
        redirect_uri=getattr(settings, "OIDC_REDIRECT_URI", ""),
        iin_claim=getattr(settings, "OIDC_IIN_CLAIM", "iin") or "iin",
        scopes=getattr(settings, "OIDC_SCOPES", "openid") or "openid",
        provider_name=getattr(settings, "OIDC_PROVIDER_NAME", "eGov") or "eGov",
        timeout_seconds=float(getattr(settings, "OIDC_TIMEOUT_SECONDS", 10)),
    )


def is_configured() -> bool:
    return config() is not None


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


def _http_json(
    url: str, *, timeout: float, data: bytes | None = None, headers: dict[str, str] | None = None
) -> Any:
    request = urllib.request.Request(  # noqa: S310 - scheme checked by _check_url
        _check_url(url), data=data, headers={"Accept": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(_MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        logger.warning("OIDC provider answered %s for %s", exc.code, urllib.parse.urlsplit(url).path)
        raise OIDCError("provider_http_error") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        logger.warning("OIDC provider unreachable: %s", type(exc).__name__)
        raise OIDCError("provider_unreachable") from None
    if len(body) > _MAX_RESPONSE_BYTES:
        raise OIDCError("provider_response_too_large")
    try:
        return json.loads(body)
    except ValueError:
        raise OIDCError("provider_response_not_json") from None


def provider_metadata(cfg: OIDCConfig) -> ProviderMetadata:
    """The issuer's discovery document (cached), checked: its issuer must be the configured one."""
    key = "oidc:metadata:" + hashlib.sha256(cfg.issuer.encode()).hexdigest()[:32]
    doc = cache.get(key)
    if doc is None:
        doc = _http_json(f"{cfg.issuer}/.well-known/openid-configuration", timeout=cfg.timeout_seconds)
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
    if meta.issuer != cfg.issuer:
        raise OIDCError("discovery_issuer_mismatch")
    return meta


_jwks_clients: dict[str, jwt.PyJWKClient] = {}
_jwks_lock = threading.Lock()


def _jwks_client(uri: str, timeout: float) -> jwt.PyJWKClient:
    with _jwks_lock:
        client = _jwks_clients.get(uri)
        if client is None:
            # Unknown key ids trigger one refetch, so a key rotation at the provider is picked up.
            client = jwt.PyJWKClient(
                uri, cache_jwk_set=True, lifespan=METADATA_CACHE_SECONDS, timeout=timeout
            )
            _jwks_clients[uri] = client
        return client


def reset_caches() -> None:
    """Forget cached JWKS clients (tests start a new provider with new keys)."""
    with _jwks_lock:
        _jwks_clients.clear()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclasses.dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    # Kept in the session until the callback; never sent anywhere but to the provider.
    pending: dict[str, Any]


def authorization_request(
    *, cfg: OIDCConfig, redirect_uri: str, language: str, next_url: str, now: dt.datetime
) -> AuthorizationRequest:
    """Where to send the browser, and what to remember for the callback (state, nonce, PKCE verifier)."""
    meta = provider_metadata(cfg)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": cfg.client_id,
            "redirect_uri": redirect_uri,
            "scope": cfg.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "ui_locales": language,
        }
    )
    separator = "&" if "?" in meta.authorization_endpoint else "?"
    pending = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
        "started_at": now.timestamp(),
    }
    return AuthorizationRequest(url=f"{meta.authorization_endpoint}{separator}{query}", pending=pending)


@dataclasses.dataclass(frozen=True)
class Identity:
    iin: str
    full_name: str
    issuer: str

    def __repr__(self) -> str:  # never print the IIN by accident
        return f"Identity(issuer={self.issuer!r})"


def _token_request(cfg: OIDCConfig, meta: ProviderMetadata, *, code: str, pending: Mapping[str, Any]) -> str:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending["redirect_uri"],
        "code_verifier": pending["verifier"],
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if not cfg.client_secret:
        form["client_id"] = cfg.client_id
    elif "client_secret_basic" in meta.token_endpoint_auth_methods:
        # RFC 6749 2.3.1: form-encode each part before joining them.
        pair = (
            f"{urllib.parse.quote(cfg.client_id, safe='')}:{urllib.parse.quote(cfg.client_secret, safe='')}"
        )
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_id"] = cfg.client_id
        form["client_secret"] = cfg.client_secret
    answer = _http_json(
        meta.token_endpoint,
        timeout=cfg.timeout_seconds,
        data=urllib.parse.urlencode(form).encode(),
        headers=headers,
    )
    id_token = answer.get("id_token") if isinstance(answer, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise OIDCError("no_id_token")
    return id_token


_JWT_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "id_token_expired"),
    (jwt.InvalidAudienceError, "id_token_wrong_audience"),
    (jwt.InvalidIssuerError, "id_token_wrong_issuer"),
    (jwt.ImmatureSignatureError, "id_token_not_yet_valid"),
    (jwt.InvalidSignatureError, "id_token_bad_signature"),
    (jwt.MissingRequiredClaimError, "id_token_missing_claim"),
    (jwt.InvalidAlgorithmError, "id_token_wrong_algorithm"),
)


def verify_id_token(cfg: OIDCConfig, meta: ProviderMetadata, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The claims of a genuine ID token for this client and this flow; OIDCError otherwise."""
    try:
        signing_key = _jwks_client(meta.jwks_uri, cfg.timeout_seconds).get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            signing_key.key,
            algorithms=["RS256"],
            audience=cfg.client_id,
            issuer=meta.issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
        )
    except jwt.PyJWKClientConnectionError:
        raise OIDCError("jwks_unreachable") from None
    except jwt.PyJWTError as exc:
        reason = next((r for kind, r in _JWT_REASONS if isinstance(exc, kind)), "id_token_invalid")
        raise OIDCError(reason) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != cfg.client_id:
        raise OIDCError("id_token_wrong_authorized_party")
    if not isinstance(claims["nonce"], str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise OIDCError("nonce_mismatch")
    return claims


def complete(
    *, cfg: OIDCConfig, pending: Mapping[str, Any] | None, params: Mapping[str, str], now: dt.datetime
) -> Identity:
    """Finish the flow from the callback's query parameters and what the start remembered."""
    if not pending:
        raise OIDCError("no_flow_in_progress")
    state = params.get("state", "")
    if not state or not hmac.compare_digest(state.encode(), str(pending["state"]).encode()):
        raise OIDCError("state_mismatch")
    if now.timestamp() - float(pending["started_at"]) > FLOW_LIFETIME.total_seconds():
        raise OIDCError("flow_expired")
    if params.get("error"):
        # e.g. access_denied when the person cancels at the provider.
        raise OIDCError("provider_refused")
    code = params.get("code", "")
    if not code:
        raise OIDCError("no_code")
    meta = provider_metadata(cfg)
    id_token = _token_request(cfg, meta, code=code, pending=pending)
    claims = verify_id_token(cfg, meta, id_token, nonce=str(pending["nonce"]))
    iin = claims.get(cfg.iin_claim)
    if not isinstance(iin, str) or not iin_is_valid(iin):
        raise OIDCError("no_valid_iin_claim")
    name = claims.get("name")
    return Identity(iin=iin, full_name=name if isinstance(name, str) else "", issuer=meta.issuer)
