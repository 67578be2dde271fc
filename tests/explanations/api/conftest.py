from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from explanations.models import Decision, IdempotencyRecord, ModelVersion
from portal.accounts.models import AgencyToken
from portal.audit.models import AuditEvent
from tests import factories


@pytest.fixture
def agency(db: None) -> Any:
    return factories.organisation(code="mlsp")


@pytest.fixture
def other_agency(db: None) -> Any:
    return factories.organisation(code="src")


@pytest.fixture
def scorecard_system(agency: Any) -> Any:
    sys = factories.system(agency, code="family-card")
    factories.model_version(sys, "1.0")
    return sys


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    def make(org: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(org)}")
        return client

    return make


@pytest.fixture
def api(agency: Any, client_for: Callable[[Any], APIClient]) -> APIClient:
    return client_for(agency)


def _snapshot() -> tuple[Any, ...]:
    return tuple(
        (model.__name__, model.objects.count(), sorted(model.objects.values_list("pk", flat=True))[-5:])
        for model in (Decision, ModelVersion, AuditEvent, IdempotencyRecord, AgencyToken)
    )


@pytest.fixture
def unchanged() -> Callable[[], Any]:
    """Call once to take a snapshot; the returned check asserts the database is as it was."""

    def take() -> Callable[[], None]:
        before = _snapshot()

        def check() -> None:
            assert _snapshot() == before

        return check

    return take
