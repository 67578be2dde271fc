"""The agency API speaks the language of the request's Accept-Language (kk, ru or en) and English otherwise.

The site's pages default to Kazakh and remember a chosen language in a cookie; an API client is a program, so
under /api/ neither applies: only Accept-Language counts, in its order of preference, and a request that names
none of the three (or sends none) is answered in English. Placed after Django's LocaleMiddleware.
"""

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation.trans_real import parse_accept_lang_header

from portal.api import API_PREFIX

__all__ = ["API_DEFAULT_LANGUAGE", "API_PREFIX", "ApiLanguageMiddleware", "api_language"]
API_DEFAULT_LANGUAGE = "en"


def api_language(request: HttpRequest) -> str:
    """The first language of Accept-Language the portal speaks, else English (a '*' counts as no preference)."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return API_DEFAULT_LANGUAGE


class ApiLanguageMiddleware(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(API_PREFIX):
            language = api_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            patch_vary_headers(response, ("Accept-Language",))
            response.headers["Content-Language"] = getattr(request, "LANGUAGE_CODE", API_DEFAULT_LANGUAGE)
        return response
