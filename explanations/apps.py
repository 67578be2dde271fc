from django.apps import AppConfig
from django.core import checks


class ExplanationsConfig(AppConfig):
    name = "explanations"

    def ready(self) -> None:
        from portal.api.throttles import check_rates

        checks.register(check_rates)
