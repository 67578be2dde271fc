"""Rate limits per agency token: over its budget a token gets 429 with Retry-After in the API's JSON error shape
(in the request's language); another token, even of the same agency, and the other budget (reads vs writes)
are not affected; the budget comes from settings."""

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from explanations.models import Decision
from tests import factories

URL = "/api/v1/systems/family-card/decisions/"


def ingest(client: APIClient, n: int, **headers: Any) -> Any:
    body = json.dumps({"decisions": [factories.decision_record(n)]})
    return client.post(URL, data=body, content_type="application/json", **headers)


def assert_throttled(response: Any) -> dict[str, Any]:
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/json")
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == "throttled"
    return body


@override_settings(API_THROTTLE_RATE="2/min", API_THROTTLE_READ_RATE="3/min")
def test_a_token_over_its_write_budget_gets_429_and_nothing_is_stored(api, scorecard_system):
    assert ingest(api, 1).status_code == 201
    assert ingest(api, 2).status_code == 201
    body = assert_throttled(ingest(api, 3))
    assert "throttled" in body["detail"].lower()
    assert not Decision.objects.filter(external_id="ext-3").exists()
    # reads have their own budget
    assert api.get("/api/v1/systems/").status_code == 200


@override_settings(API_THROTTLE_RATE="1/min", API_THROTTLE_READ_RATE="2/min")
def test_reads_have_their_own_budget(api, scorecard_system):
    assert api.get("/api/v1/systems/").status_code == 200
    assert api.get("/api/v1/proactive-reviews/").status_code == 200
    assert_throttled(api.get("/api/v1/systems/"))
    assert ingest(api, 1).status_code == 201  # the write budget is untouched


@override_settings(API_THROTTLE_RATE="1/min")
def test_the_budget_is_per_token(agency, scorecard_system, other_agency, client_for):
    first, second_of_same_agency, other = client_for(agency), client_for(agency), client_for(other_agency)
    assert ingest(first, 1).status_code == 201
    assert_throttled(ingest(first, 2))
    assert ingest(second_of_same_agency, 2).status_code == 201
    factories.system(other_agency, code="other-card")
    assert other.post("/api/v1/systems/other-card/decisions/", data={}, format="json").status_code == 422


@override_settings(API_THROTTLE_RATE="1/min")
def test_the_429_follows_accept_language(api, scorecard_system):
    assert ingest(api, 1).status_code == 201
    english = assert_throttled(ingest(api, 2))["detail"]
    russian = assert_throttled(ingest(api, 2, HTTP_ACCEPT_LANGUAGE="ru"))["detail"]
    assert russian != english and "Запрос" in russian


@pytest.mark.parametrize("rate", ["", None])
def test_an_empty_rate_turns_the_limit_off(api, scorecard_system, rate):
    with override_settings(API_THROTTLE_RATE=rate):
        for n in range(5):
            assert ingest(api, n).status_code == 201


def test_unauthenticated_requests_get_401_not_429(scorecard_system):
    client = APIClient()
    with override_settings(API_THROTTLE_READ_RATE="1/min"):
        for _ in range(3):
            assert client.get("/api/v1/systems/").status_code == 401


@pytest.mark.parametrize("rate", ["600", "600/minutes!", "ten/min", "0/min", "600/week"])
def test_a_rate_drf_cannot_parse_fails_the_system_check(rate):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with (
        override_settings(API_THROTTLE_RATE=rate),
        pytest.raises(SystemCheckError, match=r"explanations\.E001"),
    ):
        call_command("check")


def test_the_default_rates_pass_the_system_check():
    from portal.api.throttles import check_rates

    assert check_rates() == []
