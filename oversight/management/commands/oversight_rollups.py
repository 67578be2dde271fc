"""manage.py oversight_rollups [--rebuild]: bring the oversight rollups up to date (or recompute them)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oversight.rollups import rollup_rebuild, rollup_refresh


class Command(BaseCommand):
    help = (
        "Fold new decisions into the oversight rollups; with --rebuild, recompute every rollup from scratch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="throw the rollups away and recompute them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rollup_rebuild() if options["rebuild"] else rollup_refresh()
        self.stdout.write(
            f"decisions folded: {report.decisions_folded} (from earlier gaps: {report.gap_decisions_folded}); "
            f"appeal side rebuilt: {'yes' if report.appeals_rebuilt else 'no, unchanged'}; "
            f"{report.seconds:.2f} s"
        )
