from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_delete, post_save

        from portal.sms import check_sms_gateway

        checks.register(check_sms_gateway)

        from .backends import forget_user
        from .models import User

        def _forget(sender: type, instance: User, **kwargs: object) -> None:
            forget_user(instance.pk)

        post_save.connect(_forget, sender=User, dispatch_uid="accounts.forget_cached_user.save", weak=False)
        post_delete.connect(
            _forget, sender=User, dispatch_uid="accounts.forget_cached_user.delete", weak=False
        )
