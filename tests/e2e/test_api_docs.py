"""The API documentation pages work under their Content-Security-Policy (portal/web/api_docs.py): Swagger UI and
Redoc render the agency API's operations from the site's own files, and the browser reports no violation (the
`context` fixture's watch, tests/e2e/conftest.py). Their markup is the vendors'; axe is not run on them."""

from typing import Any

import pytest

from .conftest import check_csp, csp_watch_of

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_the_operations_under_the_policy(page: Any) -> None:
    response = page.goto("/api/docs/")

    assert response is not None and response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.locator(".swagger-ui .info .title").wait_for()
    assert "agency API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/systems/").first.wait_for()
    # Open one operation: its details (and their icons, data: images) are drawn only then.
    page.locator(".opblock-summary").first.click()
    page.locator(".opblock-body").first.wait_for()
    check_csp(page)


REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_renders_the_operations_under_the_policy(page: Any) -> None:
    watch = csp_watch_of(page)
    watch.expected_blocks.add(REDOCLY_LOGO)  # the vendor's logo from its own host: blocked on purpose
    response = page.goto("/api/redoc/")

    assert response is not None and response.status == 200
    assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
    page.get_by_role("heading", level=1).filter(has_text="agency API").wait_for()
    page.locator("[data-section-id^='tag/'], [data-section-id^='operation/']").first.wait_for()
    # The search box runs in Redoc's worker (worker-src blob:).
    page.get_by_placeholder("Search...").fill("decisions")
    page.locator("[role='search'] li, .search-result, [data-role='search:results'] li").first.wait_for()
    check_csp(page)
    # Blocked, and so left out by Redoc (its image's onerror); the text link stays.
    assert watch.blocked_as_expected == [REDOCLY_LOGO]
    assert page.locator(f"img[src='{REDOCLY_LOGO}']").count() == 0
    assert page.get_by_role("link", name="API docs by Redocly").count() == 1
