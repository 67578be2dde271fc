"""Fixtures of the access transparency tests: the appeals World (agency, review body, reviewers, supervisor,
ombudsman, two citizens) and signed-in clients."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.appeals.conftest import World, world  # noqa: F401  (the fixture)


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _no_random_quality_sample(settings: Any) -> None:
    """Deciding an appeal samples 5% for a quality check at random, which changes the purpose of a supervisor's
    view of a decided case. Tests that need a sampled appeal mark it themselves."""
    settings.APPEAL_QUALITY_REVIEW_SHARE = 0


__all__ = ["World", "client_for"]
