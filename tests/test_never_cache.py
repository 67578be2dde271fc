"""portal/web/caching.py: the hot pages' `never_cache` leaves exactly the headers Django's would."""

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views.decorators.cache import never_cache as django_never_cache

from portal.web import caching


def headers(decorator: Any, response: HttpResponse) -> dict[str, str]:
    view = decorator(lambda request: response)
    return dict(view(RequestFactory().get("/")).headers)


def fresh() -> HttpResponse:
    return HttpResponse("x")


def test_a_fresh_response_gets_djangos_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.time", lambda: 1_790_000_000.4)

    assert headers(caching.never_cache, fresh()) == headers(django_never_cache, fresh())
    assert headers(caching.never_cache, fresh())["Expires"] == "Mon, 21 Sep 2026 14:13:20 GMT"


def test_the_date_follows_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_790_000_000.0]
    monkeypatch.setattr("time.time", lambda: now[0])
    first = headers(caching.never_cache, fresh())["Expires"]
    now[0] += 1
    second = headers(caching.never_cache, fresh())["Expires"]

    assert first != second and second.endswith(":21 GMT")


@pytest.mark.parametrize(
    "name,value", [("Cache-Control", "public, max-age=60"), ("Expires", "Thu, 01 Jan 2026 00:00:00 GMT")]
)
def test_a_response_with_its_own_caching_headers_is_merged_as_django_merges_it(name: str, value: str) -> None:
    def with_header() -> HttpResponse:
        response = fresh()
        response[name] = value
        return response

    assert headers(caching.never_cache, with_header()) == headers(django_never_cache, with_header())


def test_it_refuses_what_is_not_a_request() -> None:
    view = caching.never_cache(lambda request: fresh())
    with pytest.raises(TypeError):
        view(object())
