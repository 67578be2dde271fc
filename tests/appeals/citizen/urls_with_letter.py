"""The project's URLs with a stand-in for the decision letter's page (appeals:letter), which another part of the
portal provides; the appellant's page links the letter only when that page exists."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.urls import LocalePrefixPattern, URLResolver, include, path

import appeals.urls
from portal import urls as portal_urls


def letter(request: HttpRequest, reference: str) -> HttpResponse:
    return HttpResponse(b"%PDF-", content_type="application/pdf")


appeals_with_letter = (
    [*appeals.urls.urlpatterns, path("<str:reference>/letter/", letter, name="letter")],
    "appeals",
)

urlpatterns = [
    p
    for p in portal_urls.urlpatterns
    if not (isinstance(p, URLResolver) and isinstance(p.pattern, LocalePrefixPattern))
]
urlpatterns += i18n_patterns(
    path("", include("explanations.urls")),
    path("accounts/", include("portal.accounts.urls")),
    path("appeals/", include(appeals_with_letter)),
)
