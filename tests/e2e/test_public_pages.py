"""Every page a person can open without signing in, checked with axe-core in each language.

The register has its own journeys in test_register.py; this is the accessibility floor for the other public
pages that share the layout (citizen sign-in, look-up by letter, staff sign-in).
"""

from typing import Any

import pytest

from .conftest import check_axe

pytestmark = pytest.mark.e2e

PAGES = ["accounts/sign-in/", "lookup/", "accounts/staff/sign-in/"]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_public_page_has_no_wcag_violations(page: Any, path: str, lang: str) -> None:
    response = page.goto(f"/{lang}/{path}")

    assert response is not None
    assert response.status == 200, path
    assert page.locator("html").get_attribute("lang") == lang
    check_axe(page)
