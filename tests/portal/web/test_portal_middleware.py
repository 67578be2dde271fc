"""An agency API token opens no page; the API still takes it."""

from django.test import Client


def test_a_token_on_a_page_is_401_and_the_page_is_not_rendered(db):
    response = Client(HTTP_AUTHORIZATION="Token ap_abc_def").get("/en/register/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert b"only under /api/" in response.content


def test_without_a_token_the_page_answers(db):
    assert Client().get("/en/register/").status_code == 200


def test_the_api_still_reads_tokens(db):
    # An unknown token reaches DRF's authentication and is refused there, with the API's error shape.
    response = Client(HTTP_AUTHORIZATION="Token ap_abc_def").get("/api/v1/systems/")
    assert response.status_code == 401
    assert response.json()["error"]
