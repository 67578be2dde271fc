"""Open data in a real browser, in each language: from a system's register entry to its open-data page, the
figures per model version, month and region (a month's regions opened), and the list of systems. No sign-in.
axe-core finds no WCAG 2.x A/AA violation; screenshots go to docs/screenshots/."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from explanations.models import AlgorithmicSystem
from tests.oversight.test_open_data_pages import build_system

from .conftest import check_axe, screenshot

pytestmark = pytest.mark.e2e

LANGS = ("kk", "ru", "en")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def system(transactional_db: None) -> AlgorithmicSystem:
    return build_system(
        v1_decisions=600, v2_decisions=150, v1_decided=90, v1_overturned=30, v2_decided=40, months=9
    )


@pytest.mark.parametrize("lang", LANGS)
def test_a_member_of_the_public_opens_the_open_data_from_the_register_entry(
    page: Any, system: AlgorithmicSystem, lang: str
) -> None:
    page.goto(f"/{lang}/register/{system.code}/")
    box = page.locator("#open-data")
    box.scroll_into_view_if_needed()
    assert page.locator("html").get_attribute("lang") == lang
    # The live overturn rate per model version sits in the register entry itself.
    rates = page.locator("#open-data ~ .portal-table-wrapper table").first
    assert rates.locator("tbody tr").count() == 2
    check_axe(page)
    screenshot(page, f"open-data-register-entry-{lang}")

    page.locator(f"main a[href='/{lang}/open-data/{system.code}/']").click()
    page.wait_for_url(f"**/{lang}/open-data/{system.code}/")
    assert page.locator("h1").inner_text().strip()
    first_total = page.locator("#caption-versions").locator("xpath=..").locator("tbody tr").first
    assert first_total.locator("td[data-measure='decisions']").inner_text().strip() == "600"
    check_axe(page)

    page.locator("details.govuk-details summary").first.click()  # what the numbers mean
    regions = page.locator("section details.govuk-details").first
    regions.locator("summary").click()
    assert regions.locator("tbody tr").count() >= 1
    check_axe(page)
    screenshot(page, f"open-data-system-{lang}")

    page.locator(f"nav.govuk-breadcrumbs a[href='/{lang}/open-data/']").click()
    page.wait_for_url(f"**/{lang}/open-data/")
    assert page.locator(f"main a[href='/{lang}/open-data/{system.code}/']").count() == 1
    check_axe(page)
    screenshot(page, f"open-data-index-{lang}")
