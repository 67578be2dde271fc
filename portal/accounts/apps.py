from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.core import checks

        from portal.sms import check_sms_gateway

        checks.register(check_sms_gateway)
