"""Per-event message texts, translated into the recipient's language at send time."""

from django.utils.translation import gettext as _

from ..models import Notification


def _texts() -> dict[str, tuple[str, str]]:
    return {
        "appeal.submitted": (
            _("We received your appeal %(reference)s"),
            _("Your appeal %(reference)s was received. An independent reviewer will decide by %(due_date)s."),
        ),
        "appeal.assigned": (
            _("Appeal %(reference)s has a reviewer"),
            _("Appeal %(reference)s is now with an independent reviewer. Decision due by %(due_date)s."),
        ),
        "appeal.on_hold": (
            _("We need something from you for appeal %(reference)s"),
            _("The reviewer of appeal %(reference)s needs more information from you. Sign in to see what."),
        ),
        "appeal.resumed": (
            _("Appeal %(reference)s is back in review"),
            _("Appeal %(reference)s is back in review. The decision is due by %(due_date)s."),
        ),
        "appeal.inadmissible": (
            _("Appeal %(reference)s cannot be reviewed"),
            _("Appeal %(reference)s was found inadmissible. Sign in to read the reasons and your options."),
        ),
        "appeal.review.decided": (
            _("Appeal %(reference)s: progress"),
            _("A reviewer has reached a view on appeal %(reference)s. Sign in to see it."),
        ),
        "appeal.countersigned": (
            _("Appeal %(reference)s is decided"),
            _("Appeal %(reference)s is decided. Sign in to read the decision letter."),
        ),
        "appeal.withdrawn": (
            _("Appeal %(reference)s withdrawn"),
            _("You withdrew appeal %(reference)s."),
        ),
        "appeal.escalated": (
            _("Appeal %(reference)s sent to the ombudsman"),
            _("Appeal %(reference)s was sent to the ombudsman's office."),
        ),
        "appeal.overdue": (
            _("Appeal %(reference)s is overdue"),
            _("The decision on appeal %(reference)s is late. It was due by %(due_date)s. "
              "A supervisor has been told; you may also contact the ombudsman."),
        ),
        "appeal.reminder": (
            _("Reminder: appeal %(reference)s is due soon"),
            _("Appeal %(reference)s is due by %(due_date)s."),
        ),
        "appeal.letter.ready": (
            _("Decision letter for appeal %(reference)s"),
            _("The decision letter for appeal %(reference)s is ready. Sign in to download it."),
        ),
    }


def render_message(note: Notification) -> tuple[str, str]:
    subject, body = _texts().get(note.event, (_("Appeal %(reference)s"), _("Appeal %(reference)s was updated.")))
    context = {"reference": "", "due_date": "", **note.context}
    return subject % context, body % context
