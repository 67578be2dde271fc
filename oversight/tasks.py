"""Celery tasks of the oversight statistics: one service call each, safe to run twice.

``oversight.rollup_refresh`` runs from the beat every 5 minutes (portal/settings/base.py). A second run at the
same time waits for the first (an advisory lock) and then finds little or nothing new to fold.
"""

from typing import Any

from celery import shared_task

from .rollups import rollup_refresh as refresh


@shared_task(name="oversight.rollup_refresh", acks_late=True)
def rollup_refresh() -> dict[str, Any]:
    """Fold new decisions into the rollups and rebuild the appeal side if it changed."""
    report = refresh()
    return {
        "skipped": report.skipped,
        "decisions_folded": report.decisions_folded,
        "gap_decisions_folded": report.gap_decisions_folded,
        "appeals_rebuilt": report.appeals_rebuilt,
        "decisions_rebuilt": report.decisions_rebuilt,
        "seconds": round(report.seconds, 3),
    }
