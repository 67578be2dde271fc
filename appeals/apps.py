from typing import Any

from django.apps import AppConfig
from django.core import checks

from portal import scanner


class AppealsConfig(AppConfig):
    name = "appeals"

    def ready(self) -> None:
        checks.register(malware_scanning_check)
        # Registers the tasks with Celery: the services enqueue them by name (appeals/services/jobs.py).
        from . import tasks  # noqa: F401


def malware_scanning_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Say it loudly when evidence is not scanned (only local settings allow that; production refuses)."""

    if scanner.enabled():
        return []
    return [
        checks.Warning(
            "Evidence uploads are NOT scanned for malware: CLAMD_SOCKET is empty.",
            hint="Local development only. Files are stored as 'not checked'. Run deploy/clamav/start.sh and set "
            "CLAMD_SOCKET=/tmp/portal-clamav/clamd.sock to scan them.",
            id="appeals.W001",
        )
    ]
