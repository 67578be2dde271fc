from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "portal.oversight"
    label = "oversight"
