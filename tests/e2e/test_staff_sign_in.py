"""The staff sign-in page in a real browser: accessible before and after a failed attempt."""

from typing import Any

import pytest

from .conftest import check_axe, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_failed_sign_in_shows_an_accessible_error_summary_that_takes_focus(page: Any, lang: str) -> None:
    page.goto(f"/{lang}/accounts/staff/sign-in/")
    check_axe(page)

    page.locator("#id_username").fill("nobody")
    page.locator("#id_password").fill("not-the-password")
    page.locator("main form button[type=submit]").click()

    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert summary.evaluate("element => element.contains(document.activeElement)")
    assert page.locator("#id_username").input_value() == "nobody"
    assert page.locator("#id_password").input_value() == ""
    check_axe(page)
    screenshot(page, f"staff-sign-in-error-{lang}")

    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.id") == "id_username"
