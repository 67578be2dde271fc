"""Portal-wide request rules."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .api import API_PREFIX


class ApiTokensOnlyOnApiMiddleware:
    """An agency API token never opens a page: any request outside /api/ that carries one answers 401.

    Without this, a token-bearing request to a page is simply anonymous and is sent to the sign-in page; the
    explicit 401 tells a misconfigured client what is wrong, and no page code ever sees an agency token.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header[:6].lower() == "token " and not request.path.startswith(API_PREFIX):
            response = HttpResponse(
                "Agency API tokens are accepted only under /api/.\n", status=401, content_type="text/plain"
            )
            response["WWW-Authenticate"] = "Token"
            return response
        return self.get_response(request)
