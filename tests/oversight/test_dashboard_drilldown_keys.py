"""A drill-down's row key comes from the address bar: a malformed one (a NUL character, text where an id
belongs, an overlong or unknown key) is a 404 on every table, never a 500; every real row still opens."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.test import Client

from oversight import rollups, selectors
from oversight.selectors import Filters, Period
from portal.accounts.models import OrganisationKind, Role, User
from tests import factories

from .conftest import add_appeals, add_decisions

YEAR = {"period_from": "2025-01", "period_to": "2025-12"}
FILTERS = Filters(period=Period(dt.date(2025, 1, 1), dt.date(2025, 12, 1)))
MALFORMED = [
    "\x00",
    "Astana\x00",
    "1\x00",
    "\x00:DATA_WRONG",
    "²",
    "١",
    "9" * 40,
    "-1",
    " 1",
    "1.0",
    "x" * 5000,
    "nowhere",
]


@pytest.fixture
def ombudsman(world) -> Client:
    decisions = add_decisions(world, 200)
    add_appeals(world, decisions, share=0.5)
    rollups.rollup_refresh()
    office = factories.organisation(kind=OrganisationKind.OMBUDSMAN, code="ombudsman-keys")
    user = User.objects.create_user(username="ombudsman-keys", password="x-not-used-123", role=Role.OMBUDSMAN,
                                    organisation=office)  # fmt: skip
    client = Client()
    client.force_login(user)
    return client


def sample_url(table_id: str, row: str) -> str:
    return f"/en/oversight/tables/{table_id}/sample/?{urlencode({**YEAR, 'row': row})}"


@pytest.mark.parametrize("table_id", selectors.TABLE_IDS)
def test_a_malformed_row_key_is_not_found_on_every_table(ombudsman, table_id):
    for row in MALFORMED:
        response = ombudsman.get(sample_url(table_id, row))
        assert response.status_code == 404, (table_id, repr(row[:20]))
    response = ombudsman.get(f"/en/oversight/tables/{table_id}/sample/?row=%00&period_from=2025-01")
    assert response.status_code == 404


@pytest.mark.parametrize("table_id", selectors.TABLE_IDS)
def test_the_selector_refuses_a_nul_or_malformed_key_without_touching_the_database(world, table_id):
    for row in ("\x00", "a\x00b", "x" * 5000):
        assert selectors.drilldown_sample(FILTERS, table_id, row) is None, (table_id, row[:10])
    if table_id in ("versions", "outcome_times", "backlog", "review_bodies"):
        for row in ("²", "١", "9" * 40, "-1"):
            assert selectors.drilldown_sample(FILTERS, table_id, row) is None, (table_id, row)


def test_every_real_row_still_opens(ombudsman):
    opened = 0
    for table_id in selectors.TABLE_IDS:
        for row in selectors.table(FILTERS, table_id).rows:
            response = ombudsman.get(sample_url(table_id, row["key"]))
            assert response.status_code == 200, (table_id, row["key"])
            opened += 1
    assert opened > 20
