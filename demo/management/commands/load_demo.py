from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.load import DemoReport, DemoStateError, demo_load
from portal.accounts.totp import demo_totp_secret
from portal.exceptions import Conflict, NotFound, ValidationFailed


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


class Command(BaseCommand):
    help = (
        "Load the demo (organisations, two register entries, four model versions, ~3,000 decisions, one user per "
        "role, one API token per agency) through the production services. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".production"):
            raise CommandError(
                "load_demo creates accounts with published passwords: never on production settings."
            )
        try:
            report = demo_load()
        except DemoStateError as exc:
            raise CommandError(str(exc)) from exc
        except (ValidationFailed, Conflict, NotFound) as exc:
            raise CommandError(f"the demo data were rejected by a service: {exc}") from exc
        self._summary(report)

    def _summary(self, report: DemoReport) -> None:
        out = self.stdout
        if report.created:
            out.write(self.style.SUCCESS(f"Demo data loaded in {report.seconds:.1f} s."))
        else:
            out.write(self.style.WARNING("Demo data already loaded: nothing changed."))
        out.write("  " + ", ".join(f"{name}: {count:,}" for name, count in report.counts.items()))
        out.write("")
        out.write("Sign-ins (demo passwords; citizens may also be looked up by IIN):")
        rows = [["role", "username", "password", "organisation", "IIN", "name"]]
        rows += [
            [s.role, s.username, s.password, s.organisation or "-", s.iin or "-", s.full_name]
            for s in report.sign_ins
        ]
        for line in _table(rows):
            out.write("  " + line)
        out.write("")
        out.write(
            "Staff sign in at /en/accounts/staff/sign-in/ with the password, then an authenticator code for the "
            f"demo secret {demo_totp_secret()} (or print the current code: manage.py staff_totp_code <username>)."
        )
        out.write(
            "Citizens sign in at /kk/accounts/sign-in/ with the IIN; the one-time code is printed on this console."
        )
        out.write("")
        if report.tokens:
            out.write("Agency API tokens (demo; shown once, only their SHA-256 is stored):")
            for code, clear in report.tokens.items():
                out.write(f"  {code:<5} {clear}")
        for code, prefix in report.existing_tokens.items():
            out.write(
                f"  {code}: demo token {prefix} was issued earlier and is not shown again "
                f"(new one: manage.py agency_token issue {code})"
            )
