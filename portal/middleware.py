"""Portal-wide request rules."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

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


class RememberLanguageMiddleware:
    """The language a person last read a page in is the one "/" (and any address without a language) opens in.

    The language is in every page's address (/kk/, /ru/, /en/) and the switcher is a plain link to this page in
    another language, so no form posts the choice. Instead, a successful page in a language the language cookie
    does not name sets it: LocaleMiddleware then reads it for an address without a prefix. The API (its own
    language rule) and error answers never set it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = translation.get_language_from_path(request.path_info)
        if (
            language
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not request.path.startswith(API_PREFIX)
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language
        ):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
