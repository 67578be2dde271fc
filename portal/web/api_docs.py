"""The agency API's documentation pages, Swagger UI and Redoc (drf-spectacular, assets from
drf-spectacular-sidecar), served under the site's Content-Security-Policy (CONTENT_SECURITY_POLICY in
portal/settings/base.py).

- Swagger UI is drf-spectacular's split view: the page loads its start-up script from the same address with
  ``?script=`` instead of running it inline, so script-src stays 'self'. Its stylesheet draws small images
  as ``data:`` URLs, so this page alone adds ``img-src data:``.
- Redoc is started by its ``<redoc spec-url>`` element, never by an inline script. Its bundle writes its styles
  into ``<style>`` elements at run time (styled-components, no nonce can reach it) and runs its search in a
  worker made from a ``blob:`` URL, and draws its icons as ``data:`` images, so this page alone adds
  ``style-src 'unsafe-inline'``, ``worker-src blob:`` and ``img-src data:``. Scripts stay 'self' there too.
  Its side menu's "API docs by Redocly" logo comes from Redocly's own host: the policy blocks it (no visitor's
  address goes there), and Redoc then leaves the logo out, keeping the text link.

The templates (templates/api_docs) drop drf-spectacular's inline ``<style>`` blocks for stylesheets under
static/css/api_docs, and Redoc's web fonts from an outside host. Each page adds the same exceptions to the
report-only policy (local settings) as to the enforced one.
"""

from collections.abc import Callable
from typing import Any

from csp import constants as csp
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

SWAGGER_CSP: dict[str, list[str]] = {"img-src": ["data:"]}
REDOC_CSP: dict[str, list[str]] = {
    "style-src": [csp.UNSAFE_INLINE],
    "img-src": ["data:"],
    "worker-src": ["blob:"],
}


def _public_page(view: Callable[..., Any], loosen: dict[str, list[str]]) -> Callable[..., Any]:
    """The view open without signing in, its page's policy loosened by ``loosen``, enforced and report-only."""
    view = csp_update(loosen)(view)
    view = csp_update(loosen, REPORT_ONLY=True)(view)
    return login_not_required(view)


swagger = _public_page(
    SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs/swagger_ui.html"),
    SWAGGER_CSP,
)
redoc = _public_page(
    SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"),
    REDOC_CSP,
)
