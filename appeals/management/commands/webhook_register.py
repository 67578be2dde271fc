from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from appeals.services.agency_outcomes import webhook_register
from portal.exceptions import NotFound, ValidationFailed


class Command(BaseCommand):
    help = (
        "Set the URL an agency's appeal outcomes are pushed to (replacing its active webhook). The signing "
        "secret is printed once and stored only encrypted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="agency code, e.g. mlsp")
        parser.add_argument("url", help="an https URL that accepts POSTed JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            hook, secret = webhook_register(
                organisation_code=options["organisation"], url=options["url"], actor="cli"
            )
        except (NotFound, ValidationFailed) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Webhook {hook.pk} for {options['organisation']} -> {hook.url}")
        self.stdout.write("Signing secret, shown once (X-Portal-Signature, HMAC-SHA256):")
        self.stdout.write(secret)
