from typing import Any

from django.core.management.base import BaseCommand

from access.services import propagation_run_for_appeal
from appeals.models import RegistryCorrection


class Command(BaseCommand):
    help = (
        "Error propagation for appeals decided before it existed: flag every decision that used an item a "
        "decided appeal found wrong. Idempotent: decisions already flagged are left as they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        appeal_ids = sorted(set(RegistryCorrection.objects.values_list("appeal_id", flat=True)))
        created = 0
        for appeal_id in appeal_ids:
            created += len(propagation_run_for_appeal(appeal_id=appeal_id))
        self.stdout.write(
            f"{len(appeal_ids)} appeal(s) with corrections; {created} decision(s) newly flagged"
        )
