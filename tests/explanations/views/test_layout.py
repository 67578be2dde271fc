"""The shared layout (templates/base.html), the language switcher and the staff sign-in page."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

LANGS = ("kk", "ru", "en")


def url(name: str, lang: str, **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("lang", LANGS)
def test_layout_has_skip_link_landmarks_and_the_portal_name_in_the_language(client: Client, db: None,
                                                                           lang: str) -> None:
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


@pytest.mark.parametrize("lang", LANGS)
def test_language_switcher_is_a_form_offering_the_other_languages(client: Client, db: None, lang: str) -> None:
    page = client.get(url("explanations:register", lang)).content.decode()

    form = re.search(r'<form action="(?P<action>[^"]+)" method="post">(?P<body>.*?)</form>', page, re.S)
    assert form is not None, page
    assert form["action"] == reverse("set_language")
    assert 'name="csrfmiddlewaretoken"' in form["body"]
    assert f'name="next" value="{url("explanations:register", lang)}"' in form["body"]
    for other in LANGS:
        button = f'name="language" value="{other}" lang="{other}"'
        assert (button in form["body"]) is (other != lang)
    assert f'aria-current="true" lang="{lang}"' in form["body"]


def test_switching_language_returns_to_the_same_page_in_that_language(client: Client, db: None) -> None:
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/kk/register/"})

    assert response.status_code == 302, response.content
    assert response["Location"] == "/ru/register/"
    assert client.get("/ru/register/").status_code == 200


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
