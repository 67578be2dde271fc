"""Pages kept as a frame (portal/web/frame.py): the same HTML as the template would render, each response with its
own CSRF token, values escaped as `{{ name }}` escapes them, and a template the frame cannot keep refused."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.middleware.csrf import _unmask_cipher_token
from django.shortcuts import render
from django.test import RequestFactory, override_settings
from django.urls import resolve
from django.utils import translation
from django.utils.safestring import mark_safe

from portal.accounts.models import Role, User
from portal.web import frame
from portal.web.frame import SafeUTF8, render_framed
from portal.web.templatetags import chrome

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TEMPLATE = "explanations/citizen/decision.html"
PATH = "/en/decisions/A1B2C3D4E5F6G/"
BODY = "<p>Қазақ тілі — русский — 1&nbsp;250&nbsp;₸</p>"


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    frame.clear()
    chrome.clear()
    with translation.override("en"):
        yield
    frame.clear()
    chrome.clear()


def request(user: Any = None, secret: str = "abcdefghijklmnopqrstuvwxyzABCDEF", path: str = PATH) -> Any:
    r = RequestFactory().get(path)
    r.user = user if user is not None else AnonymousUser()
    r.resolver_match = resolve(path.split("?")[0])
    r.META["CSRF_COOKIE"] = secret
    return r


def templates_in_memory(settings: Any, templates: dict[str, str]) -> None:
    """Serve these templates (and only these) for the rest of the test."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [("django.template.loaders.locmem.Loader", templates)],
            },
        }
    ]


def without_tokens(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value="-"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["Refused – Digital Family Card", 'A <b>"quoted"</b> & odd title'])
def test_the_framed_page_is_the_rendered_page(title: str) -> None:
    user = User.objects.create(username="c", role=Role.CITIZEN, iin_hash="c" * 64)
    expected = render(request(user), TEMPLATE, {"title": title, "body": mark_safe(BODY)}).content.decode()

    for _ in range(2):  # the first builds the frame, the second uses it
        framed = render_framed(request(user), TEMPLATE, {"title": title, "body": SafeUTF8(BODY.encode())})
        html = framed.content.decode()
        assert without_tokens(html) == without_tokens(expected)
    assert "&lt;b&gt;&quot;quoted&quot;&lt;/b&gt; &amp;" in html or "quoted" not in title
    assert "portal-frame-slot" not in html and "csrf-token-placeholder" not in html


@pytest.mark.django_db
def test_each_response_carries_its_own_browsers_token() -> None:
    secrets = ["A" * 32, "b" * 32]
    pages = [
        render_framed(
            request(secret=s), TEMPLATE, {"title": "t", "body": SafeUTF8(b"<p>x</p>")}
        ).content.decode()
        for s in secrets
    ]

    assert len(frame._frames) == 1  # one kept frame served both
    for secret, html in zip(secrets, pages, strict=True):
        found = TOKEN.findall(html)
        assert found and all(_unmask_cipher_token(t) == secret for t in found)
        assert len(set(found)) == 1  # one token per response


@pytest.mark.django_db
def test_plain_text_values_are_escaped_and_only_safe_utf8_goes_in_as_it_is() -> None:
    html = render_framed(
        request(), TEMPLATE, {"title": "<script>x</script>", "body": "<em>not trusted</em>"}
    ).content.decode()

    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;em&gt;not trusted&lt;/em&gt;" in html


@pytest.mark.django_db
def test_the_navigation_follows_who_is_signed_in_on_the_same_address() -> None:
    citizen = User.objects.create(username="c", role=Role.CITIZEN, iin_hash="c" * 64)
    values = {"title": "t", "body": SafeUTF8(b"<p>x</p>")}

    anonymous = render_framed(request(), TEMPLATE, values).content.decode()
    signed_in = render_framed(request(citizen), TEMPLATE, values).content.decode()

    assert "/en/my/decisions/" in signed_in and "/en/my/decisions/" not in anonymous
    assert len(frame._frames) == 2


@pytest.mark.django_db
def test_a_template_that_filters_a_value_is_refused(settings: Any) -> None:
    templates_in_memory(settings, {"filtered.html": "<h1>{{ title|upper }}</h1>"})
    with pytest.raises(ImproperlyConfigured, match="title"):
        render_framed(request(), "filtered.html", {"title": "t"})


@pytest.mark.django_db
def test_with_debug_on_the_template_is_rendered_every_time() -> None:
    with override_settings(DEBUG=True):
        html = render_framed(
            request(), TEMPLATE, {"title": "t", "body": SafeUTF8(BODY.encode())}
        ).content.decode()

    assert BODY in html
    assert not frame._frames


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "portal-frame-slot-5c2e91:body:",
        "portal-frame-slot-0123456789abcdef0123456789abcdef:title:",
        "csrf-token-placeholder-8d1f0c2a",
    ],
)
def test_an_address_cannot_place_a_marker(query: str) -> None:
    """The language switcher writes the address into the page: a marker in it must stay text."""
    user = User.objects.create(username="c", role=Role.CITIZEN, iin_hash="c" * 64)
    path = f"{PATH}?{query}"
    body = SafeUTF8(b"<p id=secret-body>x</p>")

    html = render_framed(request(user, path=path), TEMPLATE, {"title": "t", "body": body}).content.decode()

    assert html.count("secret-body") == 1
    assert html.count(query) >= 1  # in the language switcher's hidden `next` fields, as text
    assert all(len(t) == 64 for t in TOKEN.findall(html))


def test_the_markers_are_random_per_process() -> None:
    assert re.fullmatch(r"portal-frame-slot-[0-9a-f]{32}:\{\}:", frame._MARKER)
    assert re.fullmatch(r"csrf-token-placeholder-[0-9a-f]{32}", chrome.CSRF_PLACEHOLDER)


@pytest.mark.django_db
def test_a_csrf_token_tag_in_the_framed_template_gets_each_responses_own_token(settings: Any) -> None:
    templates_in_memory(settings, {"form.html": "<form>{% csrf_token %}</form><h1>{{ title }}</h1>"})
    for secret in ("A" * 32, "b" * 32):
        html = render_framed(request(secret=secret), "form.html", {"title": "t"}).content.decode()
        (token,) = TOKEN.findall(html)
        assert _unmask_cipher_token(token) == secret
    assert len(frame._frames) == 1
