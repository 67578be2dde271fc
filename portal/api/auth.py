"""Token authentication for agencies: `Authorization: Token ap_<prefix>_<secret>`."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from portal.accounts.models import AgencyToken

from .tokens import token_authenticate


class AgencyPrincipal:
    """The authenticated caller: an agency, through one of its tokens."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, token: AgencyToken) -> None:
        self.token = token
        self.organisation = token.organisation
        self.pk = f"agency:{token.organisation.code}:{token.prefix}"

    def __str__(self) -> str:
        return self.pk


class AgencyTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[AgencyPrincipal, AgencyToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use 'Token <key>'."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Malformed token.")) from exc
        token = token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return AgencyPrincipal(token), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class AgencyTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "portal.api.auth.AgencyTokenAuthentication"
    name = "agencyToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token ap_<prefix>_<secret>`, issued with `manage.py agency_token issue <agency>`.",
        }
