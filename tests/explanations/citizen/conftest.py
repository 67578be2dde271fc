import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from portal.accounts.models import User
from portal.sms import LocmemSMSGateway

from . import builders

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test: its own PDF cache folder, fresh throttle counters, one-time codes delivered in memory."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.SMS_GATEWAY = "portal.sms.LocmemSMSGateway"
    LocmemSMSGateway.outbox.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(db: None) -> tuple[User, str]:
    return builders.citizen()


@pytest.fixture
def post_with_commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """client.post that also runs on-commit callbacks (where one-time codes are sent)."""

    def post(client: Client, path: str, data: dict[str, Any], **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return post


def last_code(to: str) -> str:
    messages = [m for m in mail.outbox if to in m.to]
    assert messages, "no e-mail was sent"
    found = CODE.search(messages[-1].body)
    assert found, messages[-1].body
    return found.group(1)
