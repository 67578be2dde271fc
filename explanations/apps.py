from django.apps import AppConfig


class ExplanationsConfig(AppConfig):
    name = "explanations"

    def ready(self) -> None:
        from django.core import checks

        from .api.throttles import check_rates

        checks.register(check_rates)
