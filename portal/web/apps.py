from django.apps import AppConfig


class WebConfig(AppConfig):
    """Exists so that `{% load portal %}` finds portal/web/templatetags/portal.py."""

    name = "portal.web"
    label = "web"
