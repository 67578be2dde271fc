"""Per-event message texts for each audience, in the recipient's language (kk, ru, en), for e-mail and SMS.

Texts are gettext msgids in natural English; they are translated at send time under the notification's
language, so a catalog fixed later fixes every message still waiting to be sent. Dates are written the way the
language writes them (portal/formats). Each e-mail to a citizen ends with how to change the contact channel
and language; an SMS stays short (one Cyrillic segment is 70 characters, so it says only what happened).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from ..models import Notification

APPELLANT = "appellant"
REVIEWER = "reviewer"
SUPERVISOR = "supervisor"
OMBUDSMAN = "ombudsman"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    sms: str


@dataclass(frozen=True)
class _Text:
    subject: str
    body: str
    sms: str


def _texts(event: str, audience: str, context: dict[str, Any]) -> _Text:
    """The texts of one event for one audience (English msgids, translated under the active language)."""
    decided = context.get("state") == "DECIDED"
    if audience == OMBUDSMAN and event == "oversight.alert.raised":
        # Raised by the periodic oversight checks (oversight/inquiries); about a system, never about a person.
        return _Text(
            _("New oversight alert about %(system)s"),
            _(
                "The periodic oversight checks raised an alert about the system %(system)s. Sign in and open "
                "Oversight, then Alerts, to read what was measured, acknowledge the alert or open an inquiry."
            ),
            _("New oversight alert about %(system)s. Please sign in."),
        )
    if audience == REVIEWER:
        if event == "appeal.assigned":
            return _Text(
                _("Appeal %(reference)s is assigned to you"),
                _(
                    "Appeal %(reference)s is assigned to you. Declare any conflict of "
                    "interest before you start. "
                    "The decision is due by %(due_date)s."
                ),
                _("Appeal %(reference)s is assigned to you. Due by %(due_date)s."),
            )
        if event == "appeal.resumed":
            return _Text(
                _("Appeal %(reference)s is back in review"),
                _("The appeal %(reference)s is back in review. The decision is now due by %(due_date)s."),
                _("Appeal %(reference)s is back in review. Due by %(due_date)s."),
            )
        if event == "appeal.countersign.returned":
            return _Text(
                _("Appeal %(reference)s was returned to you"),
                _(
                    "A supervisor returned appeal %(reference)s for you to look at "
                    "again. Sign in to read why."
                ),
                _("Appeal %(reference)s was returned to you for review."),
            )
        if event == "appeal.reminder":
            return _Text(
                _("Reminder: appeal %(reference)s is due by %(due_date)s"),
                _(
                    "The decision on appeal %(reference)s is due by %(due_date)s. If "
                    "you cannot decide by then, "
                    "tell your supervisor."
                ),
                _("Reminder: appeal %(reference)s is due by %(due_date)s."),
            )
    if audience == SUPERVISOR and event == "appeal.overdue":
        return _Text(
            _("Overdue: appeal %(reference)s"),
            _(
                "The decision on appeal %(reference)s was due by %(due_date)s and has not been made. "
                "Please make sure it is decided without further delay."
            ),
            _("Overdue: appeal %(reference)s was due by %(due_date)s."),
        )
    if event == "appeal.submitted":
        return _Text(
            _("We received your appeal %(reference)s"),
            _(
                "We received your appeal %(reference)s. An independent reviewer, who "
                "does not work for the agency "
                "that made the decision, will look at it. The decision is due by %(due_date)s."
            ),
            _("Appeal %(reference)s received. Decision due by %(due_date)s."),
        )
    if event == "appeal.assigned":
        return _Text(
            _("Appeal %(reference)s has a reviewer"),
            _(
                "Your appeal %(reference)s is now with an independent reviewer. The decision is due by "
                "%(due_date)s."
            ),
            _("Appeal %(reference)s is with a reviewer. Due by %(due_date)s."),
        )
    if event == "appeal.on_hold":
        return _Text(
            _("We need something from you for appeal %(reference)s"),
            _(
                "The reviewer of your appeal %(reference)s needs more information "
                "from you. Sign in to see what "
                "is needed. The time limit for the decision is stopped until you reply."
            ),
            _("Appeal %(reference)s: we need information from you. Please sign in."),
        )
    if event == "appeal.inadmissible":
        return _Text(
            _("Appeal %(reference)s cannot be reviewed"),
            _(
                "Your appeal %(reference)s was found inadmissible. Sign in to read "
                "the reasons and what you can "
                "do next."
            ),
            _("Appeal %(reference)s cannot be reviewed. Sign in to read why."),
        )
    if event == "appeal.review.decided" and not decided:
        return _Text(
            _("Appeal %(reference)s: a second reviewer will check the decision"),
            _(
                "A reviewer has reached a decision on your appeal %(reference)s. A second reviewer checks it "
                "before it is final. We will tell you when it is."
            ),
            _("Appeal %(reference)s: a second reviewer is checking the decision."),
        )
    if event in ("appeal.review.decided", "appeal.countersigned"):
        return _Text(
            _("Appeal %(reference)s is decided"),
            _(
                "Your appeal %(reference)s is decided. We are preparing the "
                "decision letter, with the reasons "
                "and what you can do next, and will tell you when it is ready."
            ),
            _("Appeal %(reference)s is decided. The letter will follow."),
        )
    if event == "appeal.letter.ready":
        return _Text(
            _("Decision letter for appeal %(reference)s"),
            _(
                "The decision letter for your appeal %(reference)s is ready. Sign in to read or download it. "
                "It explains the reasons for each point you raised and the time limits for taking it further."
            ),
            _("The decision letter for appeal %(reference)s is ready. Please sign in."),
        )
    if event == "appeal.evidence.infected":
        return _Text(
            _("A file was removed from appeal %(reference)s"),
            _(
                "Our virus check found harmful content in a file you uploaded on %(uploaded_date)s for appeal "
                "%(reference)s, so we removed it. The rest of your appeal is not affected. "
                "Sign in to see which file it was. Check your device with antivirus software. While the appeal "
                "is a draft you can upload a clean copy; if it is already sent, contact the review body."
            ),
            _("A file for appeal %(reference)s had a virus and was removed. Please sign in."),
        )
    if event == "appeal.withdrawn":
        return _Text(
            _("Appeal %(reference)s withdrawn"),
            _("You withdrew your appeal %(reference)s. Nothing more will happen with it."),
            _("Appeal %(reference)s withdrawn."),
        )
    if event == "appeal.escalated":
        return _Text(
            _("Appeal %(reference)s sent to the ombudsman"),
            _("Your appeal %(reference)s was sent to the ombudsman's office. They will contact you."),
            _("Appeal %(reference)s was sent to the ombudsman."),
        )
    if event == "appeal.overdue":
        return _Text(
            _("Appeal %(reference)s is overdue"),
            _(
                "The decision on your appeal %(reference)s is late: it was due by "
                "%(due_date)s. A supervisor of "
                "the review body has been told. You may also contact the ombudsman."
            ),
            _("Appeal %(reference)s is overdue (due %(due_date)s). A supervisor was told."),
        )
    if event == "appeal.outcome.carried_out":
        return _Text(
            _("The agency has acted on appeal %(reference)s"),
            _(
                "The agency that made the decision says it has carried out the outcome of your appeal "
                "%(reference)s. If nothing has changed for you, contact the review body or the ombudsman."
            ),
            _("The agency has carried out the outcome of appeal %(reference)s."),
        )
    return _Text(
        _("Appeal %(reference)s"),
        _("There is news about appeal %(reference)s. Sign in to see it."),
        _("There is news about appeal %(reference)s."),
    )


def _format_context(context: dict[str, Any]) -> dict[str, str]:
    out = {
        "reference": str(context.get("reference") or ""),
        "due_date": "",
        "system": str(context.get("system") or ""),
    }
    due = context.get("due_date")
    if due:
        out["due_date"] = formats.date_format(dt.date.fromisoformat(str(due)), "DATE_FORMAT")
    uploaded = context.get("uploaded_date")
    out["uploaded_date"] = (
        formats.date_format(dt.date.fromisoformat(str(uploaded)), "DATE_FORMAT") if uploaded else ""
    )
    return out


def render_message(note: Notification) -> RenderedMessage:
    """Subject, e-mail body and SMS text of one notification, in the notification's language."""
    audience = str(note.context.get("audience") or APPELLANT)
    with translation.override(note.language or "kk"):
        text = _texts(note.event, audience, note.context)
        values = _format_context(note.context)
        body = text.body % values
        if audience == APPELLANT:
            body = "\n\n".join(
                [
                    body,
                    _(
                        "To change how we contact you (e-mail or text message) or the "
                        "language, sign in and open "
                        "your appeal."
                    ),
                ]
            )
        return RenderedMessage(subject=text.subject % values, body=body, sms=text.sms % values)
