"""The public register in a real browser: every page in kk, ru and en, the language switcher, and axe-core."""

from typing import Any

import pytest

from explanations.models import AlgorithmicSystem
from tests.explanations.views.builders import make_entry_with_versions

from .conftest import check_axe, screenshot

pytestmark = pytest.mark.e2e

LANGS = ("kk", "ru", "en")
ENDONYMS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@pytest.fixture
def entry(transactional_db: None) -> AlgorithmicSystem:
    return make_entry_with_versions()


def html_lang(page: Any) -> str:
    return page.locator("html").get_attribute("lang")


@pytest.mark.parametrize("lang", LANGS)
def test_home_list_and_detail_are_accessible_in_each_language(
    page: Any, entry: AlgorithmicSystem, lang: str
) -> None:
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.on(
        "requestfailed",
        lambda request: (
            failed.append(f"{request.url} ({request.failure})")
            if request.resource_type in {"stylesheet", "script", "font", "image"}
            else None
        ),
    )
    page.goto(f"/{lang}/")
    assert html_lang(page) == lang
    check_axe(page)
    screenshot(page, f"home-{lang}")

    page.locator("main").get_by_role("link", name=entry.name[lang]).click()
    page.wait_for_url(f"**/{lang}/register/{entry.code}/")
    page.goto(f"/{lang}/register/")
    assert html_lang(page) == lang
    assert page.get_by_role("table").get_by_role("link", name=entry.name[lang]).is_visible()
    check_axe(page)
    screenshot(page, f"register-list-{lang}")

    page.get_by_role("table").get_by_role("link", name=entry.name[lang]).click()
    page.wait_for_url(f"**/{lang}/register/{entry.code}/")
    assert html_lang(page) == lang
    assert page.get_by_role("heading", level=1).inner_text() == entry.name[lang]
    assert page.get_by_text(entry.known_limitations[lang]).is_visible()
    check_axe(page)
    screenshot(page, f"register-detail-{lang}")
    # Nothing missing, and none of GOV.UK's fonts or images asked for (they are not vendored, on purpose).
    assert failed == []


def switcher(page: Any) -> Any:
    """The language switcher (its links; the current language is text, not a link)."""
    return page.locator("nav.portal-language-switcher")


def test_language_switcher_moves_between_languages_on_the_same_page(
    page: Any, entry: AlgorithmicSystem
) -> None:
    page.goto(f"/kk/register/{entry.code}/")

    for lang in ("ru", "en", "kk"):
        switcher(page).get_by_role("link", name=ENDONYMS[lang], exact=True).click()
        page.wait_for_url(f"**/{lang}/register/{entry.code}/")
        assert html_lang(page) == lang
        assert page.get_by_role("heading", level=1).inner_text() == entry.name[lang]
        # The current language is text, not a link.
        assert switcher(page).get_by_role("link", name=ENDONYMS[lang], exact=True).count() == 0
        check_axe(page)


def test_language_switcher_works_without_javascript(
    browser: Any, live_server: Any, entry: AlgorithmicSystem
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/kk/register/{entry.code}/")

        switcher(page).get_by_role("link", name=ENDONYMS["ru"], exact=True).click()

        page.wait_for_url(f"**/ru/register/{entry.code}/")
        assert page.get_by_role("heading", level=1).inner_text() == entry.name["ru"]
    finally:
        context.close()


def test_after_switching_the_portal_stays_in_the_chosen_language(page: Any, entry: AlgorithmicSystem) -> None:
    """The language is in the address: after the switch, the header's links lead on in that language."""
    page.goto("/en/")
    switcher(page).get_by_role("link", name=ENDONYMS["ru"], exact=True).click()
    page.wait_for_url("**/ru/")

    page.locator("#navigation").get_by_role("link").first.click()

    page.wait_for_url("**/ru/**")
    assert html_lang(page) == "ru"


def test_skip_link_moves_focus_to_the_main_content(page: Any, entry: AlgorithmicSystem) -> None:
    page.goto("/en/register/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")

    assert page.evaluate("() => document.activeElement.id") == "main-content"


@pytest.mark.parametrize("lang", LANGS)
def test_not_found_page_is_accessible(page: Any, transactional_db: None, lang: str) -> None:
    response = page.goto(f"/{lang}/register/no-such-system/")

    assert response is not None
    assert response.status == 404
    assert html_lang(page) == lang
    check_axe(page)


@pytest.mark.parametrize("path", ["register/", "register/{code}/"])
def test_on_a_narrow_screen_every_scrolling_table_can_be_reached_with_the_keyboard(
    page: Any, entry: AlgorithmicSystem, path: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/ru/{path.format(code=entry.code)}")

    scrolling = page.evaluate(
        """() => [...document.querySelectorAll(".portal-table-wrapper")]
            .filter((box) => box.scrollWidth > box.clientWidth)
            .map((box) => ({tabindex: box.getAttribute("tabindex"), role: box.getAttribute("role"),
                            name: box.getAttribute("aria-labelledby")
                                  && document.getElementById(box.getAttribute("aria-labelledby"))?.textContent}))"""
    )
    assert scrolling, "no table scrolls at 320 px: the check would prove nothing"
    for box in scrolling:
        assert box["tabindex"] == "0" and box["role"] == "region" and box["name"], box
    check_axe(page)  # includes scrollable-region-focusable
