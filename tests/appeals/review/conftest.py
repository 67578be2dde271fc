"""Fixtures of the review desk's tests; the builders are in builders.py."""

from collections.abc import Callable

import pytest
from django.test import Client

from portal.accounts.models import User

from .builders import client_for


@pytest.fixture
def as_user() -> Callable[[User | None], Client]:
    return client_for
