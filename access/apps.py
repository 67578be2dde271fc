from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    label = "access"

    def ready(self) -> None:
        # What appeals tells this app (appeals.signals): log each view of a case; propagate confirmed corrections.
        from appeals import signals

        from . import gate, services

        signals.case_shown.connect(gate.case_shown_receiver, dispatch_uid="access.case_shown")
        signals.corrections_confirmed.connect(
            services.corrections_confirmed_receiver, dispatch_uid="access.corrections_confirmed"
        )
