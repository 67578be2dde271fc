"""Request bodies: a key repeated anywhere in a JSON object is refused with 400 naming the key (never "last wins"),
however the text is spaced or escaped; bodies without repeats parse as before."""

import json
from typing import Any

import orjson
import pytest

from portal.api.parsers import duplicate_key
from tests import factories

URL = "/api/v1/systems/family-card/decisions/"


def record_text(n: int) -> str:
    return json.dumps(factories.decision_record(n))


def send(api: Any, text: str, url: str = URL) -> Any:
    return api.post(url, data=text.encode(), content_type="application/json")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f'{{"decisions": [{record_text(1)}], "decisions": []}}', "decisions"),
        # inside a record, with a colon in the value (a date-time) and odd spacing around the colon
        (
            '{{"decisions": [{}]}}'.format(
                record_text(1).replace(
                    '"decided_at"', '"decided_at" :"2026-03-01T00:00:00+00:00", "decided_at"', 1
                )
            ),
            "decided_at",
        ),
        # deep inside: an input of a record
        (
            '{{"decisions": [{}]}}'.format(record_text(2).replace('"value"', '"value": 1, "value"', 1)),
            "value",
        ),
        # a key that itself holds a colon
        (f'{{"decisions": [{record_text(1)}], "a:b": 1, "a:b": 2}}', "a:b"),
        # an escaped colon in a string does not hide the repeat
        (f'{{"decisions": [{record_text(1)}], "x": "\\u003a\\u003A", "x": 2}}', "x"),
    ],
)
def test_a_repeated_key_is_400_naming_it(api, scorecard_system, unchanged, text, key):
    json.loads(text)  # valid JSON as far as the standard library is concerned (it would keep the last)
    check = unchanged()
    response = send(api, text)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "parse_error"
    assert f"Duplicate key {key!r}" in body["detail"]
    check()


def test_a_repeated_key_in_a_model_version_body_is_refused_too(api, agency):
    factories.system(agency, code="family-card")
    response = send(
        api, '{"version": "2.0", "version": "3.0"}', "/api/v1/systems/family-card/model-versions/"
    )
    assert response.status_code == 400
    assert "'version'" in response.json()["detail"]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "12:30", "b": {"c": "x:y:z", "d": [{"e": 1}, {"e": 2}]}}',
        '{"a" : 1 ,\n "b"\t:\t"\\u003a"}',  # spacing and an escaped colon, no repeat
        '{"a": {"a": {"a": 1}}}',  # the same key in different objects is fine
        '[{"k": 1}, {"k": 2}]',
    ],
)
def test_texts_without_repeats_are_not_flagged(text):
    assert duplicate_key(text.encode(), orjson.loads(text)) is None


def test_a_valid_batch_with_colons_in_its_values_is_still_accepted(api, scorecard_system):
    text = f'{{"decisions": [{record_text(1)}, {record_text(2)}]}}'
    assert send(api, text).status_code == 201


@pytest.mark.parametrize("depth", [100, 300, 900, 1000, 1100])
def test_deeply_nested_bodies_get_a_4xx_never_a_500(api, scorecard_system, unchanged, depth):
    check = unchanged()
    text = '{"decisions": ' + "[" * depth + "]" * depth + "}"
    api.raise_request_exception = False
    response = send(api, text)
    assert response.status_code in (400, 422), response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    check()


def test_a_repeat_deep_inside_a_deep_body_is_still_found(api, scorecard_system):
    text = '{"decisions": [' + '{"a": ' * 300 + '{"k": 1, "k": 2}' + "}" * 300 + "]}"
    response = send(api, text)
    assert response.status_code == 400
    assert "Duplicate key 'k'" in response.json()["detail"]
