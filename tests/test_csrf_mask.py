"""The chrome's CSRF token (portal/web/csrf.py): Django's masked token, drawn with one CSPRNG call. It must
unmask to the browser's secret with Django's own code, be fresh every time, be accepted on a POST, and draw
every mask character equally often."""

import collections
import re

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.web.csrf import masked_token

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"


def request_with_secret(secret: str | None) -> object:
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_unmasks_to_the_secret_and_is_fresh_each_time() -> None:
    request = request_with_secret(SECRET)

    first, second = masked_token(request), masked_token(request)  # type: ignore[arg-type]

    assert first != second
    for token in (first, second):
        assert len(token) == 64 and all(c in CSRF_ALLOWED_CHARS for c in token)
        assert _unmask_cipher_token(token) == SECRET
    # The browser holds the cookie already: it is not sent again (only its expiry would move).
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META  # type: ignore[attr-defined]


def test_a_rotation_earlier_in_the_request_still_sends_the_new_cookie() -> None:
    request = request_with_secret(SECRET)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # type: ignore[attr-defined]  (what rotate_token leaves)

    masked_token(request)  # type: ignore[arg-type]

    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # type: ignore[attr-defined]


def test_on_a_first_visit_it_is_djangos_get_token_which_creates_the_secret() -> None:
    request = request_with_secret(None)

    token = masked_token(request)  # type: ignore[arg-type]

    created = request.META["CSRF_COOKIE"]  # type: ignore[attr-defined]
    assert len(created) == 32 and _unmask_cipher_token(token) == created
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_cookie_is_set_on_the_first_page_and_not_resent_on_the_next() -> None:
    client = Client(enforce_csrf_checks=True)
    first = client.get(reverse("explanations:register"))
    second = client.get(reverse("explanations:register"))

    assert "csrftoken" in first.cookies
    assert "csrftoken" not in second.cookies
    assert TOKEN.search(second.content.decode()) is not None  # the page still carries a fresh token


def test_every_mask_character_is_equally_likely() -> None:
    request = request_with_secret(SECRET)
    counts = collections.Counter(c for _ in range(2000) for c in masked_token(request)[:32])  # type: ignore[arg-type]

    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)  # ~1032; one standard deviation is ~32
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    assert all(abs(n - expected) < 0.2 * expected for n in counts.values()), counts


@pytest.mark.django_db
def test_a_token_from_the_kept_chrome_is_accepted_on_a_post() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("explanations:register"))  # the first visit sets the CSRF cookie
    html = client.get(reverse("explanations:register")).content.decode()
    token = TOKEN.search(html)
    assert token is not None

    refused = client.post(reverse("set_language"), {"language": "ru", "next": "/ru/"})
    accepted = client.post(
        reverse("set_language"), {"language": "ru", "next": "/ru/", "csrfmiddlewaretoken": token.group(1)}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
