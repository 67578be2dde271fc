"""Every answer under /api/ is JSON in the API's one error shape: unknown addresses, odd characters in a path,
a wrong method, a crash; pages outside /api/ keep Django's HTML answers."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests import factories


def assert_api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def anonymous() -> APIClient:
    client = APIClient()
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ж/",
        "/api/v1/%D0%B6/",
        "/api/v1/%ZZ/",
        "/api/v1/nope/",
        "/api/nope",
        "/api/v2/systems/",
        "/api/v1/decisions/a%2Fb/",
        "/api/v1/systems/%E2%80%AE/model-versions/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_addresses_are_json_404s(api, anonymous, path, method):
    for client in (api, anonymous):
        body = assert_api_error(getattr(client, method)(path), 404, "not_found")
        assert "<" not in body["detail"]


def test_an_address_without_its_slash_is_a_json_404_that_names_the_right_one(api):
    body = assert_api_error(api.post("/api/v1/systems/family-card/decisions", data={}), 404, "not_found")
    assert "/api/v1/systems/family-card/decisions/" in body["detail"]
    assert_api_error(api.get("/api/v1/systems"), 404, "not_found")


@pytest.mark.parametrize("reference", ["%ZZ", "%00", "%D0%B6", "x" * 300, "ABCDEFGHJKMN%00"])
def test_odd_references_are_json_404s(api, scorecard_system, reference):
    assert_api_error(api.get(f"/api/v1/decisions/{reference}/"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(api):
    assert_api_error(api.delete("/api/v1/systems/"), 405, "method_not_allowed")
    assert_api_error(api.put("/api/v1/systems/x/decisions/", data={}), 405, "method_not_allowed")


def test_a_crash_under_the_api_is_a_json_500(api, monkeypatch):
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("explanations.api.views.systems_of_agency", boom)
    api.raise_request_exception = False
    body = assert_api_error(api.get("/api/v1/systems/"), 500, "server_error")
    assert "boom" not in body["detail"]


def test_pages_outside_the_api_keep_their_html_404(client, db):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_and_docs_are_still_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_other_agency_apis_are_not_shadowed(api, agency):
    factories.system(agency, code="family-card")
    assert api.get("/api/v1/outcomes/").status_code == 200
    assert api.get("/api/v1/open-data/systems/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/proactive-reviews/-1/review", "/api/v1/nope/", "/api/v1/systems"])
def test_a_write_to_an_unknown_address_is_a_json_404_not_a_csrf_page(path):
    client = APIClient(enforce_csrf_checks=True)  # as a real client: no CSRF cookie, no token
    assert_api_error(client.post(path, data={"note": "x"}, format="json"), 404, "not_found")
