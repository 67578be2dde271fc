"""Fixtures of the review desk's tests; the builders are in builders.py."""

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils import translation

from portal.accounts.models import User

from .builders import client_for


@pytest.fixture
def as_user() -> Callable[[User | None], Client]:
    return client_for


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    """The review desk's tests read the pages in English (their addresses too: /en/review/...)."""
    with translation.override("en"):
        yield
