"""Anonymous open-data requests read the rollups as they are: no refresh, no write of any kind, however stale
the rollups (refreshing is the beat's job; a public page must not let anyone make the server write)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oversight import rollups, selectors
from oversight.models import RollupState
from oversight.selectors import Period

from .conftest import add_appeals, add_decisions

WRITE = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|COPY|CREATE|DROP|TRUNCATE)\b|pg_(try_)?advisory", re.IGNORECASE
)


@pytest.fixture
def stale(world):
    decisions = add_decisions(world, 120)
    add_appeals(world, decisions, share=0.4)
    rollups.rollup_refresh(now=timezone.now() - dt.timedelta(hours=3))
    add_decisions(world, 30)  # waiting to be folded
    return world


def states() -> list[tuple[object, ...]]:
    return list(
        RollupState.objects.order_by("name").values_list("name", "watermark", "refreshed_at", "rebuilt_at")
    )


def test_anonymous_open_data_requests_write_nothing_to_the_rollups(stale, client: Client) -> None:
    code = stale.systems["A"].code
    before = states()
    urls = [
        "/en/open-data/",
        f"/en/open-data/{code}/",
        f"/kk/open-data/{code}/data.csv",
        f"/ru/open-data/{code}/data.json",
        "/api/v1/open-data/systems/",
        f"/api/v1/open-data/systems/{code}/",
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.content[:500])
    writes = [
        q["sql"] for q in queries.captured_queries if WRITE.search(q["sql"]) and "SAVEPOINT" not in q["sql"]
    ]
    assert writes == []
    assert states() == before


def test_open_data_counts_refreshes_only_when_asked(stale) -> None:
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 1))
    before = states()
    selectors.open_data_counts(stale.systems["A"].code, period)
    assert states() == before
    selectors.open_data_counts(stale.systems["A"].code, period, refresh=True)
    assert states() != before
