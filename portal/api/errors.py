"""One error shape for the whole API: {"error": code, "detail": text, "problems": [{index, field, message}]}.

DRF's exceptions reach `exception_handler`; what never reaches a DRF view under /api/ (an address no route
matches, a crash, a request Django refuses before any view) is answered in the same shape by `api_not_found`
and the `handler400` / `handler500` dispatchers below, which leave every other page to Django's own views.
"""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from portal.api import API_PREFIX
from portal.exceptions import Conflict, NotFound, ValidationFailed

__all__ = ["API_PREFIX", "api_not_found", "bad_request", "error_json", "exception_handler", "server_error"]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationFailed):
        return Response(
            {
                "error": exc.code,
                "detail": ngettext(
                    "The request was rejected as a whole (%(count)d problem); nothing was stored.",
                    "The request was rejected as a whole (%(count)d problems); nothing was stored.",
                    len(exc.problems),
                )
                % {"count": len(exc.problems)},
                "problems": [p.as_dict() for p in exc.problems],
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, NotFound):
        return Response({"error": "not_found", "detail": str(exc) or _("Not found.")}, status=404)
    if isinstance(exc, Conflict):
        return Response({"error": "conflict", "detail": str(exc)}, status=409)
    response = drf_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "error" not in response.data:
        detail = response.data.get("detail", response.data)
        # DRF turns Django's Http404 and PermissionDenied into its own exceptions; their code rides on detail.
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": code, "detail": str(detail)}
    return response


def error_json(status_code: int, code: str, detail: str) -> JsonResponse:
    """The API's error shape from outside DRF (the same keys and JSON as a DRF error response)."""
    return JsonResponse(
        {"error": code, "detail": detail}, status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def _resolves(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not api_not_found


@csrf_exempt  # as DRF's views: no session, so no CSRF (a POST to a wrong address is a 404, not a 403 page)
@login_not_required  # an API client never has a session
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any address under /api/ that no API route matches, whatever its method or characters."""
    if not request.path_info.endswith("/") and _resolves(request.path_info + "/"):
        # Instead of CommonMiddleware's redirect (an HTML 301 that would drop a POST body).
        detail = _("There is no such address in the API. Its addresses end with a slash: %(path)s") % {
            "path": request.path + "/"
        }
    else:
        detail = _("There is no such address in the API.")
    return error_json(404, "not_found", detail)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return error_json(400, "bad_request", _("The request could not be understood."))
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return error_json(
            500,
            "server_error",
            _("The server failed to answer this request; the failure has been logged."),
        )
    return defaults.server_error(request)
