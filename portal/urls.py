from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from portal import sms
from portal.web import api_docs, csp_report, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include("explanations.api.urls")),
    path("api/v1/", include("appeals.api.urls")),
    path("api/v1/", include("access.api_urls")),
    path("api/v1/open-data/", include("oversight.api_urls")),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # Documentation pages with their own loosened Content-Security-Policy (portal/web/api_docs.py).
    path("api/docs/", api_docs.swagger, name="api-docs"),
    path("api/redoc/", api_docs.redoc, name="api-redoc"),
    # Last of the API: any other address under /api/ answers the API's JSON 404, never a page.
    path("api/", include("portal.api.urls_fallback")),
    # Browsers' reports of Content-Security-Policy violations (portal/web/csp_report.py).
    path("csp-report/", csp_report.csp_report, name="csp-report"),
    # The SMS provider's signed delivery-status callback, POST /sms/status/ (portal/sms.py).
    path("sms/status/", sms.sms_status, name="sms-status"),
]

urlpatterns += i18n_patterns(
    path("", include("explanations.urls")),
    path("accounts/", include("portal.accounts.urls")),
    path("appeals/", include("appeals.urls")),
    path("staff/", include("appeals.urls_staff")),
    path("review/", include("appeals.urls_review")),
    path("oversight/", include("oversight.urls")),
    path("oversight/", include("oversight.inquiries.urls")),
    path("open-data/", include("oversight.urls_open")),
    path("access/", include("access.urls")),
    path("admin/", admin.site.urls),
)

# Under /api/ these answer in the API's JSON error shape; everywhere else they are Django's own.
# Named by dotted path: the kernel imports no app (portal/api/errors.py).
handler400 = "portal.api.errors.bad_request"
handler500 = "portal.api.errors.server_error"
