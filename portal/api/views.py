"""The base view of the agency API: only an agency's token gets in, with its read and write throttles."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from .auth import AgencyPrincipal
from .throttles import AgencyReadThrottle, AgencyWriteThrottle


class IsAgency(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, AgencyPrincipal)


class AgencyView(APIView):
    permission_classes = (IsAgency,)
    throttle_classes = (AgencyWriteThrottle, AgencyReadThrottle)

    def agency(self, request: Request) -> AgencyPrincipal:
        assert isinstance(request.user, AgencyPrincipal)
        return request.user
