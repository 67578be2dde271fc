from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit chain; name the first broken event. Exit status 1 when the chain is broken."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"Audit chain broken at event {result.first_broken_seq}: {result.reason} "
                f"({result.checked} events verified before it)"
            )
        self.stdout.write(
            f"Audit chain intact: {result.checked} events, head {result.head_seq} {result.head_hash}; "
            f"{result.exported_checkpoints} exported checkpoint(s) agree"
        )
