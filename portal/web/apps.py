from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed

# Settings that change what a kept chrome or page frame holds (asset addresses, templates, URLs, languages).
KEPT_RENDER_SETTINGS = frozenset(
    {"STORAGES", "STATIC_URL", "STATIC_ROOT", "TEMPLATES", "ROOT_URLCONF", "LANGUAGES"}
)


def forget_kept_renders(*, setting: str, **kwargs: Any) -> None:
    """A test's override_settings of these must not leave pages rendered under the old value in the per-process
    caches (a page rendered with the production manifest's hashed asset names, kept for a later test that has no
    manifest, loads no stylesheet)."""
    if setting in KEPT_RENDER_SETTINGS:
        from portal.web import frame
        from portal.web.templatetags import chrome

        chrome.clear()
        frame.clear()


class WebConfig(AppConfig):
    """Exists so that `{% load portal %}` finds portal/web/templatetags/portal.py."""

    name = "portal.web"
    label = "web"

    def ready(self) -> None:
        setting_changed.connect(forget_kept_renders, dispatch_uid="portal.web.forget_kept_renders")
