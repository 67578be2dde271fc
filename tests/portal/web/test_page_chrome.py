"""The header and footer of every page (templates/components/): Django's cached template fragments. A cached
fragment must never carry a browser's CSRF token, another role's navigation or another page's language links;
forms still work with the CSRF token of their own response, and staff pages are never cached."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def citizen(name: str = "c") -> User:
    return User.objects.create(username=name, role=Role.CITIZEN, iin_hash=name[0] * 64)


def test_each_browser_gets_its_own_csrf_token_under_the_same_cached_header() -> None:
    user = citizen()
    seen = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html = client.get(reverse("explanations:register")).content.decode()
        secret = client.cookies["csrftoken"].value
        tokens = TOKEN.findall(html)
        assert tokens, "the sign-out form posts with a token"
        assert all(_unmask_cipher_token(t) == secret for t in tokens)
        seen.append((secret, tokens))
    assert seen[0][0] != seen[1][0]
    assert not set(seen[0][1]) & set(seen[1][1])


def test_the_sign_out_form_works_with_its_token_and_is_refused_without_one() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen())
    html = client.get(reverse("explanations:register")).content.decode()
    token = TOKEN.search(html)
    assert token is not None
    sign_out = reverse("accounts:sign-out")
    assert f'<form action="{sign_out}" method="post">' in html

    refused = client.post(sign_out)
    accepted = client.post(sign_out, {"csrfmiddlewaretoken": token.group(1)})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_header_shows_who_is_signed_in_on_the_same_address() -> None:
    """The header fragment is keyed on the signed-in state and role: the same address, cached for one kind of
    visitor, shows each kind its own navigation."""
    org = factories.organisation(kind="OMBUDSMAN", code="omb")
    ombudsman = User.objects.create(username="o", role=Role.OMBUDSMAN, organisation=org)
    home = reverse("explanations:home")
    seen = {}
    for name, who in (("anonymous", None), ("c", citizen()), ("o", ombudsman), ("anonymous-again", None)):
        client = Client()
        if who is not None:
            client.force_login(who)
        seen[name] = client.get(home).content.decode()
    decisions, oversight = reverse("explanations:my-decisions"), reverse("oversight:dashboard")
    sign_in, sign_out = reverse("accounts:sign-in"), reverse("accounts:sign-out")
    assert decisions in seen["c"] and oversight not in seen["c"] and sign_out in seen["c"]
    assert oversight in seen["o"] and decisions not in seen["o"] and sign_out in seen["o"]
    for anonymous in ("anonymous", "anonymous-again"):
        page = seen[anonymous]
        assert decisions not in page and sign_out not in page and f'href="{sign_in}"' in page
        assert "csrfmiddlewaretoken" not in page


def test_signing_out_changes_the_header_at_once() -> None:
    client = Client()
    client.force_login(citizen())
    register = reverse("explanations:register")
    assert reverse("accounts:sign-out") in client.get(register).content.decode()

    client.post(reverse("accounts:sign-out"))
    page = client.get(register).content.decode()

    assert reverse("accounts:sign-out") not in page
    assert f'href="{reverse("accounts:sign-in")}"' in page


def test_the_current_navigation_item_follows_the_page() -> None:
    client = Client()
    home = client.get(reverse("explanations:home")).content.decode()
    register = client.get(reverse("explanations:register")).content.decode()

    current = re.compile(r'href="([^"]+)" aria-current="page"')
    assert current.findall(home) == [reverse("explanations:home")]
    assert current.findall(register) == [reverse("explanations:register")]


def test_the_header_and_footer_are_in_each_language() -> None:
    client = Client()
    kk = client.get("/kk/").content.decode()
    en = client.get("/en/").content.decode()

    assert 'href="/kk/register/"' in kk and 'href="/en/register/"' not in kk
    assert 'href="/en/register/"' in en and "Register of algorithmic systems" in en
    assert "Register of algorithmic systems" not in kk


def test_a_settings_override_of_asset_addresses_is_not_kept_for_later_pages(client: Client) -> None:
    """Asset addresses (the production manifest's hashed names) are not part of any cached fragment."""
    from django.test import override_settings

    with override_settings(STATIC_URL="/elsewhere-static/"):
        inside = client.get("/en/")
        assert b"/elsewhere-static/" in inside.content
    after = client.get("/en/")
    assert after.status_code == 200
    assert b"/elsewhere-static/" not in after.content
    assert b'href="/static/' in after.content and b'src="/static/js/portal.js"' in after.content


def test_staff_pages_are_never_cached() -> None:
    org = factories.organisation(kind="OMBUDSMAN", code="omb")
    client = Client()
    client.force_login(User.objects.create(username="o", role=Role.OMBUDSMAN, organisation=org))

    response = client.get(reverse("oversight:dashboard"))

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private", "max-age=0"} <= directives
    assert "Expires" in response
