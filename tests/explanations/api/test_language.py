"""The API answers in the language Accept-Language asks for (kk, ru, en) and in English when it asks for none of
them or is absent, whatever the site's default language (kk) or a language cookie says; every error, DRF's own
and the portal's, in that one language."""

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests import factories

URL = "/api/v1/systems/family-card/decisions/"

EXPECTED = {
    "en": {
        "not_authenticated": "Authentication credentials were not provided.",
        "bad_token": "Invalid or revoked token.",
        "no_address": "There is no such address in the API.",
        "rejected": "The request was rejected as a whole (1 problem); nothing was stored.",
        "problem": "must be an ISO 8601 date-time with a time zone",
        "malformed": "Malformed JSON",
        "no_decision": "No such decision among your systems.",
        "method": 'Method "DELETE" not allowed.',
    },
    "ru": {
        "not_authenticated": "Учетные данные не были предоставлены.",
        "bad_token": "Токен недействителен или отозван.",
        "no_address": "В API нет такого адреса.",
        "rejected": "Запрос отклонён целиком (1 проблема); ничего не сохранено.",
        "problem": "должно быть датой и временем ISO 8601 с часовым поясом",
        "malformed": "Некорректный JSON",
        "no_decision": "Среди ваших систем нет такого решения.",
        "method": 'Метод "DELETE" не разрешен.',
    },
    "kk": {
        "not_authenticated": "Аутентификация деректері берілмеген.",
        "bad_token": "Токен жарамсыз немесе кері қайтарылған.",
        "no_address": "API-де мұндай мекенжай жоқ.",
        "rejected": "Сұрау толығымен қабылданбады (1 мәселе); ештеңе сақталмады.",
        "problem": "уақыт белдеуі көрсетілген ISO 8601 күні мен уақыты болуы керек",
        "malformed": "JSON пішімі дұрыс емес",
        "no_decision": "Сіздің жүйелеріңізде мұндай шешім жоқ.",
        "method": '"DELETE" әдісіне рұқсат етілмейді.',
    },
}


def answers(api: APIClient, anonymous: APIClient, headers: dict[str, str]) -> dict[str, Any]:
    record = factories.decision_record(1)
    record["decided_at"] = "yesterday"
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token ap_nothing_here")
    return {
        "not_authenticated": anonymous.get("/api/v1/systems/", **headers),
        "bad_token": bad_token.get("/api/v1/systems/", **headers),
        "no_address": api.get("/api/v1/nowhere/", **headers),
        "rejected": api.post(
            URL, data=json.dumps({"decisions": [record]}), content_type="application/json", **headers
        ),
        "malformed": api.post(URL, data=b"{", content_type="application/json", **headers),
        "no_decision": api.get("/api/v1/decisions/ABCDEFGHJKMNP/", **headers),
        "method": api.delete("/api/v1/systems/", **headers),
    }


def check(responses: dict[str, Any], language: str) -> None:
    problems = responses["rejected"].json()["problems"]
    assert [(p["field"], p["message"]) for p in problems] == [("decided_at", EXPECTED[language]["problem"])]
    for name, response in responses.items():
        assert response["Content-Type"].startswith("application/json"), name
        assert response["Content-Language"] == language, name
        detail = response.json()["detail"]
        assert detail.startswith(EXPECTED[language][name]), (name, detail)


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        (None, "en"),
        ("en", "en"),
        ("kk", "kk"),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("de-DE, kk;q=0.5", "kk"),  # the first the portal speaks, in the client's order
        ("de", "en"),
        ("*", "en"),
    ],
)
def test_errors_follow_accept_language_and_default_to_english(
    api, scorecard_system, accept_language, language
):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    check(answers(api, APIClient(), headers), language)


def test_the_site_language_cookie_does_not_choose_the_api_language(api, scorecard_system, settings):
    anonymous = APIClient()
    for client in (api, anonymous):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    check(answers(api, anonymous, {}), "en")
    check(answers(api, anonymous, {"HTTP_ACCEPT_LANGUAGE": "ru"}), "ru")


def test_pages_keep_the_site_default_language(client, db):
    response = client.get("/", follow=False)
    assert response.status_code == 302 and response["Location"].startswith("/kk/")
