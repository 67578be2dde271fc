"""A tiny OpenID Connect provider for tests: discovery, JWKS, /authorize and /token on a loopback port.

It enforces what a real provider enforces (client authentication, redirect URI, single-use codes, PKCE S256)
and signs ID tokens with an RSA key made for the test. Knobs let a test break the token in one way at a time.
"""

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "portal-test-client"
CLIENT_SECRET = "portal-test-secret"  # a test fixture, not a secret


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def shared_key() -> rsa.RSAPrivateKey:
    """One provider key per test run: generating RSA keys is the slow part of each test."""
    return new_key()


class FakeProvider:
    def __init__(self, *, iin: str, name: str = "Aigerim Test") -> None:
        self.key = shared_key()
        self.kid = "test-key-1"
        self.iin = iin
        self.name = name
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        # Knobs: changed claims, a different signing key, a rewrite of the finished token.
        self.claim_overrides: dict[str, Any] = {}
        self.claims_removed: set[str] = set()
        self.signing_key: Any = None
        self.algorithm = "RS256"
        self.token_rewrite: Callable[[str], str] | None = None
        self.discovery_overrides: dict[str, Any] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "FakeProvider":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what the endpoints serve -------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        doc = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
        doc.update(self.discovery_overrides)
        return doc

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def id_token(self, *, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "subject-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "iin": self.iin,
            "name": self.name,
        }
        claims.update(self.claim_overrides)
        for name in self.claims_removed:
            claims.pop(name, None)
        key = self.signing_key if self.signing_key is not None else self.key
        token = jwt.encode(claims, key, algorithm=self.algorithm, headers={"kid": self.kid})
        return self.token_rewrite(token) if self.token_rewrite else token

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 required"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce", ""),
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
        }
        target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": target}, {}

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(nonce=grant["nonce"]),
        }

    # --- the browser's part -------------------------------------------------------------------------------

    def consent(self, authorize_url: str) -> str:
        """What the browser does at the provider: returns the Location it is sent back to."""
        parsed = urllib.parse.urlsplit(authorize_url)
        assert f"{parsed.scheme}://{parsed.netloc}" == self.issuer, authorize_url
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(authorize_url, timeout=5) as response:
                raise AssertionError(f"expected a redirect, got {response.status}")
        except urllib.error.HTTPError as exc:
            assert exc.code == 302, exc.read()
            return str(exc.headers["Location"])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                if parsed.path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif parsed.path == "/jwks":
                    self._json(200, provider.jwks())
                elif parsed.path == "/authorize":
                    status, headers, body = provider.authorize(dict(urllib.parse.parse_qsl(parsed.query)))
                    self._json(status, body, headers)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if urllib.parse.urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                status, body = provider.token(form, self.headers.get("Authorization", ""))
                self._json(status, body, {"Cache-Control": "no-store"})

        return Handler
