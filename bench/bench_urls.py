"""Bench-only WSGI entry and URLconf: the portal's URLs plus a bare view, served by the same gunicorn.

`gunicorn bench.bench_urls:application` sets up Django with the settings named in the environment (the bench
settings), then points ROOT_URLCONF here, so the bare view runs through exactly the same middleware as the
pages it is compared with. Never imported by the portal itself.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import storages
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

application = get_wsgi_application()
settings.ROOT_URLCONF = __name__
# The benchmarks request no static file, and `collectstatic` with the production manifest storage fails on a
# vendored stylesheet whose source map is not shipped: plain static URLs are rendered instead (same work).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
storages.__dict__.pop("backends", None)
storages._storages = {}

from portal.urls import urlpatterns as portal_urlpatterns  # noqa: E402  (needs Django set up first)


@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
