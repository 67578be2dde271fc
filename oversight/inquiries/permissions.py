"""Who may use alerts, alert rules and inquiries: the ombudsman's office only, one predicate per rule.

The same people as the dashboard (oversight.permissions.is_ombudsman: role OMBUDSMAN in an organisation
of kind OMBUDSMAN). Everyone else gets a 404 at the edge, and the services check again. What the public sees of
an inquiry (title, dates, status, findings once closed) is on the register entry and needs no permission.
"""

from typing import Any

from oversight.permissions import is_ombudsman

from .models import Alert, AlertStatus, Inquiry, InquiryStatus


def can_view_alerts(user: Any) -> bool:
    return is_ombudsman(user)


def can_change_alert(user: Any, alert: Alert) -> bool:
    """Acknowledge or close: an alert that is not closed yet."""
    return is_ombudsman(user) and alert.status != AlertStatus.CLOSED


def can_edit_rules(user: Any) -> bool:
    return is_ombudsman(user)


def can_view_inquiries(user: Any) -> bool:
    return is_ombudsman(user)


def can_open_inquiry(user: Any) -> bool:
    return is_ombudsman(user)


def can_change_inquiry(user: Any, inquiry: Inquiry) -> bool:
    """Add a note or change the status: an inquiry that is not closed. Closed with findings is final."""
    return is_ombudsman(user) and inquiry.status != InquiryStatus.CLOSED
