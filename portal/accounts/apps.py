from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from portal.sms import check_sms_gateway

        from . import tasks  # noqa: F401 - registers the task names the services enqueue by (portal/jobs.py)

        checks.register(check_sms_gateway)
