"""Schemathesis against the WSGI app: requests generated from the served OpenAPI schema, for a few operations
and a bounded number of examples each; every answer must be documented (status, content type, body shape) and
none may be a 5xx. Derandomised, so a run on an unchanged tree gives the same verdict."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests import factories

if os.environ.get("REQUIRE_SERVICES") == "1":
    import schemathesis  # under CI it must be installed (pyproject's dev extras)
else:
    schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))

# The writes' bodies are checked against the database and the spec validator too (a model version that
# exists, a spec whose kind's fields are all there), which no OpenAPI schema can say: a schema-valid body may
# get 422, so for them "schema-valid data is accepted" is not checked. Every other check is.
WRITE = [schemathesis.checks.positive_data_acceptance]
OPERATIONS = [
    ("GET", "/api/v1/systems/", {}, []),
    ("GET", "/api/v1/proactive-reviews/", {}, []),
    ("GET", "/api/v1/decisions/{reference}/", {}, []),
    ("POST", "/api/v1/systems/{system_code}/decisions/", {"system_code": "family-card"}, WRITE),
    ("POST", "/api/v1/systems/{system_code}/model-versions/", {"system_code": "family-card"}, WRITE),
    ("POST", "/api/v1/proactive-reviews/{flag_id}/review", {}, WRITE),
]


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The project's WSGI application, keeping the test's database connection (as Django's test client does:
    the handler would close it at the end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("method", "path", "path_parameters", "excluded"), OPERATIONS)
def test_generated_requests_get_documented_answers(
    method: str,
    path: str,
    path_parameters: dict[str, Any],
    excluded: list[Any],
    agency: Any,
    scorecard_system: Any,
    settings: Any,
    wsgi_app: Any,
) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.API_THROTTLE_RATE = settings.API_THROTTLE_READ_RATE = ""  # examples, not a rate, are tested here
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operation = schema[path][method]
    headers = {"Authorization": f"Token {factories.token(agency)}"}

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=path_parameters or None))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()
