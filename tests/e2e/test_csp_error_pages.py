"""Pages the portal answers with on a refusal are under the Content-Security-Policy too, and nothing on them
is blocked: Django's page for a form post without its CSRF cookie (portal/web/csrf_failure.py allows its inline
style by hash) and the page for an address that does not exist. The `context` fixture's watch checks each."""

from typing import Any

import pytest

from .conftest import check_csp

pytestmark = pytest.mark.e2e


def test_a_form_sent_without_its_csrf_cookie_is_refused_on_a_styled_page(page: Any) -> None:
    page.goto("/en/accounts/sign-in/")
    page.context.clear_cookies()  # as when the cookie was lost: the post is refused

    with page.expect_response("**/accounts/sign-in/") as refused:
        page.get_by_role("button", name="Continue").click()

    assert refused.value.status == 403
    assert "'sha256-" in refused.value.headers["content-security-policy"]
    page.wait_for_load_state()
    # Django's inline style applied (the hash allowed it): the summary's yellow background.
    colour = page.locator("#summary").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(255, 255, 204)"
    check_csp(page)


def test_the_not_found_page_is_under_the_policy(page: Any) -> None:
    response = page.goto("/en/no-such-page/")

    assert response is not None and response.status == 404
    assert "content-security-policy" in response.headers
    check_csp(page)
