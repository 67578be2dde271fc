"""The shared layout (templates/base.html), the language switcher and the staff sign-in page."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from explanations.models import AlgorithmicSystem
from portal.accounts.models import Role, User

LANGS = ("kk", "ru", "en")


def url(name: str, lang: str, **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("lang", LANGS)
def test_layout_has_skip_link_landmarks_and_the_portal_name_in_the_language(
    client: Client, db: None, lang: str
) -> None:
    response = client.get(url("explanations:register", lang))
    page = html.unescape(response.content.decode())

    assert response.status_code == 200, response.content
    assert '<a href="#main-content" class="govuk-skip-link"' in page
    assert '<main class="govuk-main-wrapper" id="main-content">' in page
    assert "<header" in page
    assert "<footer" in page
    with translation.override(lang):
        assert translation.gettext("Appeals against algorithmic decisions") in page
    assert 'href="/api/docs/"' in page
    assert 'href="#"' not in page


def test_layout_names_no_gov_uk_font_or_crown(client: Client, db: None) -> None:
    page = client.get(url("explanations:home", "en")).content.decode()

    assert "GDS Transport" not in page
    assert "crown" not in page.lower()
    assert "/assets/" not in page


def switcher(page: str) -> dict[str, str]:
    """The language switcher's links: language offered -> the address it links to."""
    nav = re.search(r'<nav class="govuk-language-navigation.*?</nav>', page, re.S)
    assert nav, "no language switcher"
    assert "<form" not in nav[0]  # plain links: no form, no token
    links = re.findall(
        r'<a class="govuk-language-navigation__link" href="([^"]*)" hreflang="(\w+)" lang="\2">', nav[0]
    )
    return {code: html.unescape(href) for href, code in links}


@pytest.mark.parametrize("lang", LANGS)
def test_language_switcher_links_to_this_page_in_the_other_languages(
    client: Client, system: AlgorithmicSystem, lang: str
) -> None:
    code = system.code
    page = client.get(url("explanations:system", lang, code=code)).content.decode()

    assert switcher(page) == {
        other: url("explanations:system", other, code=code) for other in LANGS if other != lang
    }
    assert f'aria-current="true" lang="{lang}"' in page


@pytest.mark.parametrize("accept_language", ["en", "ru", "kk", ""])
def test_following_a_switcher_link_opens_the_same_page_whatever_the_browser_language(
    client: Client, system: AlgorithmicSystem, accept_language: str
) -> None:
    code = system.code
    page = client.get(f"/kk/register/{code}/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()
    assert switcher(page)["ru"] == f"/ru/register/{code}/"

    response = client.get(switcher(page)["ru"], HTTP_ACCEPT_LANGUAGE=accept_language)

    assert response.status_code == 200
    assert '<html lang="ru"' in response.content.decode()
    assert switcher(response.content.decode()) == {
        "kk": f"/kk/register/{code}/",
        "en": f"/en/register/{code}/",
    }


@pytest.mark.parametrize("chosen", ["ru", "en"])
def test_the_language_last_read_is_the_one_an_address_without_language_opens_in(
    client: Client, db: None, chosen: str
) -> None:
    """A person who followed the switcher to Russian and later types the portal's bare address gets Russian,
    whatever their browser says; the API, a failed page and a POST never change the remembered language."""
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="kk").headers["Location"] == "/kk/"

    page = client.get(f"/{chosen}/", HTTP_ACCEPT_LANGUAGE="kk")
    assert page.status_code == 200
    assert page.cookies["django_language"].value == chosen
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="kk").headers["Location"] == f"/{chosen}/"

    assert "django_language" not in client.get("/kk/no-such-page/").cookies  # a 404 does not choose
    assert "django_language" not in client.get("/api/v1/systems/").cookies  # nor does the API
    again = client.get(f"/{chosen}/register/")
    assert "django_language" not in again.cookies  # already remembered: not sent again


def test_the_switcher_keeps_the_query_and_each_address_gets_its_own_links(client: Client, db: None) -> None:
    """The switcher is a cached fragment keyed on the address: another address never gets its links."""
    first = switcher(client.get("/en/register/?x=1").content.decode())
    second = switcher(client.get("/en/register/").content.decode())
    home = switcher(client.get("/en/").content.decode())

    assert first == {"kk": "/kk/register/?x=1", "ru": "/ru/register/?x=1"}
    assert second == {"kk": "/kk/register/", "ru": "/ru/register/"}
    assert home == {"kk": "/kk/", "ru": "/ru/"}


def test_language_switcher_on_an_unknown_page_offers_the_home_page(client: Client, db: None) -> None:
    page = client.get("/kk/no-such-page/").content.decode()

    assert switcher(page) == {"ru": "/ru/", "en": "/en/"}


@pytest.mark.parametrize("lang", LANGS)
def test_staff_sign_in_page_answers_without_sign_in(client: Client, db: None, lang: str) -> None:
    response = client.get(url("accounts:staff-login", lang))
    page = html.unescape(response.content.decode())

    assert response.status_code == 200, response.content
    assert f'<html lang="{lang}"' in page
    assert 'autocomplete="current-password"' in page
    assert "govuk-error-summary" not in page


@pytest.mark.parametrize("lang", LANGS)
def test_staff_sign_in_with_a_wrong_password_shows_a_translated_error_summary(
    client: Client, db: None, lang: str
) -> None:
    response = client.post(url("accounts:staff-login", lang), {"username": "nobody", "password": "wrong"})
    page = html.unescape(response.content.decode())

    assert response.status_code == 200, response.content
    assert "govuk-error-summary" in page
    assert 'href="#id_username"' in page
    assert 'value="nobody"' in page
    assert 'value="wrong"' not in page
    with translation.override(lang):
        title = translation.gettext("Error:")
    assert f"<title>{title} " in page
    if lang != "en":
        assert "Please enter a correct" not in page


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_page_shows_the_portal_not_found_page(client: Client, db: None, lang: str) -> None:
    response = client.get(f"/{lang}/register/no-such-system/")

    assert response.status_code == 404
    assert f'<html lang="{lang}"' in response.content.decode()


def test_navigation_offers_sign_in_to_someone_not_signed_in(client: Client, db: None) -> None:
    page = client.get(url("explanations:register", "en")).content.decode()

    assert f'href="{url("accounts:sign-in", "en")}"' in page
    assert url("accounts:sign-out", "en") not in page
    assert f'href="{url("explanations:lookup", "en")}"' not in page  # only on the home page


def test_navigation_offers_a_citizen_their_decisions_and_sign_out(client: Client, db: None) -> None:
    citizen = User.objects.create(username="citizen-nav", role=Role.CITIZEN)
    client.force_login(citizen)

    page = client.get(url("explanations:register", "en")).content.decode()

    assert f'href="{url("explanations:my-decisions", "en")}"' in page
    assert f'<form action="{url("accounts:sign-out", "en")}" method="post">' in page
    assert f'href="{url("accounts:sign-in", "en")}"' not in page


def test_home_page_links_to_sign_in_and_to_the_letter_look_up(client: Client, db: None) -> None:
    page = client.get(url("explanations:home", "ru")).content.decode()

    assert f'href="{url("accounts:sign-in", "ru")}"' in page
    assert f'href="{url("explanations:lookup", "ru")}"' in page
    assert f'href="{url("explanations:register", "ru")}"' in page
