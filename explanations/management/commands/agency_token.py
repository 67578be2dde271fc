from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.api.tokens import token_issue, token_revoke
from portal.exceptions import NotFound, ValidationFailed


class Command(BaseCommand):
    help = "Issue or revoke an agency API token. The clear token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a token for an agency")
        issue.add_argument("organisation", help="organisation code, e.g. mlsp")
        issue.add_argument("--name", default="default", help="a label for the token")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the 8-character prefix shown when the token was issued")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "issue":
                token, clear = token_issue(
                    organisation_code=options["organisation"], name=options["name"], actor="cli"
                )
                self.stdout.write(f"Token for {token.organisation.code} (prefix {token.prefix}), shown once:")
                self.stdout.write(clear)
            else:
                token = token_revoke(prefix=options["prefix"], actor="cli")
                self.stdout.write(f"Revoked token {token.prefix} of {token.organisation.code}")
        except (NotFound, ValidationFailed) as exc:
            raise CommandError(str(exc)) from exc
