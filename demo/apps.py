from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (manage.py load_demo): above every other app; no app imports it."""

    name = "demo"
