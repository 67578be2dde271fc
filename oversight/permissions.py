"""Who may use the ombudsman's dashboard: one predicate per rule, enforced at the edge (oversight/views).

Only the ombudsman's office: a person with role OMBUDSMAN who belongs to an organisation of kind OMBUDSMAN.

The portal's administrators (role ADMIN) are deliberately left out. They run the platform, not its oversight:
the drill-downs show samples of real cases (anonymised, but cases), and the independence of the oversight
function is the point of it. The aggregate numbers are public anyway, through open data. Reviewers,
supervisors and agency staff are left out for the same reason the issue gives: those whose work is measured
must not browse the measurements' case samples.

Nothing here lets anyone change a case: the dashboard, its drill-downs and its exports are read-only, and the
appeal predicates (appeals/permissions.py) give the ombudsman no write on an appeal.
"""

from typing import Any

from portal.accounts.models import OrganisationKind, Role


def is_ombudsman(user: Any) -> bool:
    """A signed-in member of the ombudsman's office."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.OMBUDSMAN:
        return False
    organisation = user.organisation
    return organisation is not None and organisation.kind == OrganisationKind.OMBUDSMAN


def can_view_dashboard(user: Any) -> bool:
    return is_ombudsman(user)


def can_export_tables(user: Any) -> bool:
    """The CSV and JSON of a dashboard table: exactly what the dashboard shows, so the same people."""
    return can_view_dashboard(user)


def can_download_monthly_report(user: Any) -> bool:
    return can_view_dashboard(user)


def can_drill_down(user: Any) -> bool:
    """Anonymised samples of cases behind a row: no IIN, no names, but still cases, so the ombudsman only."""
    return is_ombudsman(user)
