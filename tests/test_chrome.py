"""The page chrome is rendered once per kind of page (portal/web/templatetags/chrome.py): a kept copy must never
carry another browser's CSRF token, another role's navigation or another page's language-switcher address."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role, User
from portal.web.templatetags import chrome
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def tokens(html: str) -> list[str]:
    return TOKEN.findall(html)


def test_each_browser_gets_its_own_csrf_token_from_the_same_kept_chrome() -> None:
    chrome.clear()
    pages = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        html = client.get(reverse("explanations:register")).content.decode()
        secret = client.cookies["csrftoken"].value
        found = tokens(html)
        assert found, "the language switcher posts with a token"
        assert all(_unmask_cipher_token(t) == secret for t in found)
        assert "csrf-token-placeholder" not in html
        pages.append((secret, found))
    assert pages[0][0] != pages[1][0]


def test_navigation_follows_the_role_on_the_same_address() -> None:
    chrome.clear()
    citizen = User.objects.create(username="c", role=Role.CITIZEN, iin_hash="c" * 64)
    org = factories.organisation(kind="OMBUDSMAN", code="omb")
    ombudsman = User.objects.create(username="o", role=Role.OMBUDSMAN, organisation=org)
    home = reverse("explanations:home")
    seen = {}
    for who in (None, citizen, ombudsman, citizen):
        client = Client()
        if who is not None:
            client.force_login(who)
        seen[who.username if who else "anonymous"] = client.get(home).content.decode()
    decisions = reverse("explanations:my-decisions")
    oversight = reverse("oversight:dashboard")
    assert decisions in seen["c"] and oversight not in seen["c"]
    assert oversight in seen["o"] and decisions not in seen["o"]
    assert decisions not in seen["anonymous"] and reverse("accounts:sign-in") in seen["anonymous"]


def test_the_language_switcher_names_this_page_in_each_language() -> None:
    chrome.clear()
    client = Client()
    for path in (reverse("explanations:register"), reverse("explanations:home")):
        html = client.get(path).content.decode()
        assert f'value="{path.replace("/en/", "/kk/", 1)}"' in html
        assert f'value="{path.replace("/en/", "/ru/", 1)}"' in html


@pytest.mark.django_db
def test_a_settings_override_of_asset_addresses_is_not_served_from_kept_chrome(client) -> None:
    """A page rendered under an overridden STATIC_URL (or a manifest's hashed names) must not be kept for the
    requests after the override ends: the stylesheet it names would not exist there."""
    from django.test import override_settings

    chrome.clear()
    with override_settings(STATIC_URL="/elsewhere-static/"):
        inside = client.get("/en/")
        assert b"/elsewhere-static/" in inside.content
    after = client.get("/en/")
    assert after.status_code == 200
    assert b"/elsewhere-static/" not in after.content
    assert b'href="/static/' in after.content
