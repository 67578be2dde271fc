"""Fixtures for the appellant's pages: private files in a temporary folder, signed-in clients, URLs."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation


@pytest.fixture(autouse=True)
def private_root(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """Each test stores evidence in its own folder, so "nothing was stored" can be checked on disk."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = str(root)
    cache.clear()
    yield root
    cache.clear()


def url(name: str, *args: Any, lang: str = "en", query: str = "") -> str:
    with translation.override(lang):
        path = reverse(name, args=args)
    return f"{path}?{query}" if query else path


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
