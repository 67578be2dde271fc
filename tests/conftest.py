"""Shared fixtures. Tests run on PostgreSQL and Redis when reachable; REQUIRE_SERVICES=1 makes them mandatory
(enforced when the test settings load, see portal/services_probe.py)."""

import os

import pytest
from django.db import connection


@pytest.fixture
def postgres(db: None) -> None:
    """Skip (or fail, under REQUIRE_SERVICES=1) a test that needs PostgreSQL itself."""
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL is required for this test")
        pytest.skip("needs PostgreSQL")
