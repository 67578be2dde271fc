"""Production's static files: `collectstatic` with production settings succeeds, and pages render with the
hashed manifest names it writes (a missing file that a stylesheet or script names used to make every HTML page
a 500 under DEBUG off)."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

BASE_DIR = Path(settings.BASE_DIR)


def production_env(static_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(),
        IIN_HASH_KEY=base64.b64encode(os.urandom(32)).decode(),
        DJANGO_ALLOWED_HOSTS="appeals.example.kz",
        STATIC_ROOT=str(static_root),
        DATABASE_URL="sqlite:///:memory:",
        CLAMD_SOCKET="/run/clamav/clamd.ctl",
        CACHE_URL="redis://127.0.0.1:6379/1",  # collectstatic does not connect
    )
    return env


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=production_env(root),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def test_collectstatic_with_production_settings_writes_a_manifest_of_every_vendored_file(
    collected: Path,
) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in (
        "vendor/govuk-frontend/govuk-frontend.min.css",
        "vendor/govuk-frontend/govuk-frontend.min.js",
        "css/portal.css",
    ):
        assert name in manifest, name
        assert (collected / manifest[name]).is_file()


def test_every_source_map_a_static_file_names_exists() -> None:
    """The check collectstatic makes, done on the sources so the failure names the file."""
    import re

    static = BASE_DIR / "portal" / "static"
    missing = []
    for path in static.rglob("*"):
        if path.suffix not in {".css", ".js"}:
            continue
        for ref in re.findall(
            r"sourceMappingURL=([^\s*]+)", path.read_text(encoding="utf-8", errors="replace")
        ):
            if not (path.parent / ref).is_file():
                missing.append(f"{path.relative_to(static)} -> {ref}")
    assert missing == []


@pytest.mark.django_db
def test_pages_render_with_the_production_manifest(collected: Path, client) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=str(collected), DEBUG=False):
        from django.contrib.staticfiles.storage import staticfiles_storage

        staticfiles_storage._setup()  # re-read the storage for the overridden settings
        response = client.get("/en/")
        assert response.status_code == 200, response.content[:500]
        manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
        hashed_css = manifest["vendor/govuk-frontend/govuk-frontend.min.css"]
        assert hashed_css.encode() in response.content
