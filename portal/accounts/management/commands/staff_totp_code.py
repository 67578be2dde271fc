"""Print the code a staff member's authenticator app shows now: for the local demo only (DEBUG on)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.accounts import totp
from portal.accounts.models import User


class Command(BaseCommand):
    help = (
        "Print the current authenticator code of a staff account, for demos. Refuses to run unless DEBUG is on: "
        "anywhere else it would make the second factor worthless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the staff account's username, e.g. reviewer.sarsenova")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("staff_totp_code is for the local demo only and runs only with DEBUG on.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No account has this username.")
        if not user.totp_secret:
            raise CommandError(
                "This account has no authenticator yet: it sets one up at its next staff sign-in."
            )
        secret = totp.unseal_secret(user.totp_secret)
        if secret is None:
            raise CommandError(
                "The stored authenticator secret cannot be read with this FIELD_ENCRYPTION_KEY."
            )
        now = timezone.now()
        self.stdout.write(
            f"{totp.code_at(secret=secret, now=now)}  (valid for {totp.seconds_left(now)} more s)"
        )
