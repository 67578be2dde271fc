"""One form per question of the appeal filing, each with its own specific error messages.

Forms only validate what a person typed; the services check again (and check what forms cannot: ownership,
state, the appeal window).
"""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from portal.web.templatetags.portal import ENDONYMS

from .models import Channel, Circumstance, GroundKind, InterimProtection
from .selectors import GROUND_HINTS, DataItem, DecisionSummary

WHY_MAX = 5000
STATEMENT_MAX = 10000
LATE_REASON_MAX = 5000
CORRECT_VALUE_MAX = 200
WITHDRAW_REASON_MAX = 2000
MAX_GROUNDS = 20


def _max(label: Any) -> dict[str, Any]:
    return {"max_length": label}


class HintedRadioSelect(forms.RadioSelect):
    """Radios with a hint under some options (shown by templates/appeals/citizen/_radios.html)."""

    def __init__(self, *args: Any, hints: Mapping[Any, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hints = {str(k): v for k, v in (hints or {}).items()}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["hint"] = self.hints.get(str(option["value"]), "")
        return option


def set_radios(field: forms.Field, choices: list[tuple[str, Any]], hints: Mapping[Any, Any]) -> None:
    """Give a choice field its options, each with its hint under it."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
    field.widget = HintedRadioSelect(hints=hints, choices=choices)


class GovukForm(forms.Form):
    """A form whose errors can be listed in the design system's error summary, each linked to its input."""

    def anchor(self, name: str) -> str:
        field = self[name]
        radios = isinstance(field.field.widget, forms.RadioSelect)
        return f"#{field.auto_id}_0" if radios else f"#{field.auto_id}"

    def error_links(self) -> list[tuple[str, str]]:
        links = [(self.anchor(bf.name), str(e)) for bf in self for e in bf.errors]
        first = next(iter(self.fields), "")
        links += [(self.anchor(first) if first else "", str(e)) for e in self.non_field_errors()]
        return links


def _decision_hint(d: DecisionSummary) -> str:
    parts = [
        _("Decided on %(date)s. Reference %(reference)s.")
        % {"date": formats.date_format(d.decided_date, "DATE_FORMAT"), "reference": d.reference_display}
    ]
    if d.silent:
        parts.append(str(_("You were not notified of this decision, so the time to appeal has not started.")))
    elif d.late and d.window_end:
        parts.append(
            str(
                _(
                    "The time to appeal ended on %(date)s. You can still appeal, but you must say why you "
                    "are late."
                )
                % {"date": formats.date_format(d.window_end, "DATE_FORMAT")}
            )
        )
    if d.appeal_reference:
        parts.append(str(_("You already have an appeal on this decision.")))
    return " ".join(str(p) for p in parts)


class ChooseDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the decision you want to appeal"),
            "invalid_choice": _("Select the decision you want to appeal"),
        },
    )

    def __init__(self, *args: Any, decisions: list[DecisionSummary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decisions = decisions
        set_radios(
            self.fields["decision"],
            [(d.reference, f"{d.outcome_label} – {d.system_name}") for d in decisions],
            {d.reference: _decision_hint(d) for d in decisions},
        )


class LateReasonForm(GovukForm):
    late_reason = forms.CharField(
        widget=forms.Textarea,
        max_length=LATE_REASON_MAX,
        error_messages={
            "required": _("Enter why you are appealing after the deadline"),
            **_max(_("Why you are late must be %(limit_value)s characters or fewer")),
        },
    )


class GroundKindForm(GovukForm):
    kind = forms.ChoiceField(
        choices=GroundKind.choices,
        widget=HintedRadioSelect(hints=GROUND_HINTS),
        error_messages={
            "required": _("Select why you think the decision is wrong"),
            "invalid_choice": _("Select why you think the decision is wrong"),
        },
    )


WHY_REQUIRED = {
    GroundKind.DATA_WRONG: _("Enter how you know the data is wrong"),
    GroundKind.CIRCUMSTANCES_MISSED: _("Describe your circumstances and how they affect the decision"),
    GroundKind.RULE_MISAPPLIED: _("Enter which rule was applied wrongly and how"),
    GroundKind.PROCEDURAL_FAULT: _("Enter what went wrong in the procedure"),
    GroundKind.DISCRIMINATION: _("Enter how you were treated unfairly"),
    GroundKind.OTHER: _("Enter why you think the decision is wrong"),
}


class GroundDetailsForm(GovukForm):
    """The details of one reason. Which fields are asked depends on its kind (one question: "tell us why")."""

    feature = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Select the item of data that is wrong")},
    )
    correct_value = forms.CharField(
        required=False,
        max_length=CORRECT_VALUE_MAX,
        error_messages=_max(_("The correct value must be %(limit_value)s characters or fewer")),
    )
    circumstance = forms.ChoiceField(
        required=False,
        choices=Circumstance.choices,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Select the circumstance the decision did not take into account")
        },
    )
    why = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=WHY_MAX,
        error_messages=_max(_("Your explanation must be %(limit_value)s characters or fewer")),
    )

    def __init__(self, *args: Any, kind: str, items: list[DataItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.items = items
        set_radios(
            self.fields["feature"],
            [(i.feature, i.label) for i in items],
            {i.feature: _("Recorded as: %(value)s") % {"value": i.value} for i in items},
        )
        if kind != GroundKind.DATA_WRONG:
            del self.fields["feature"], self.fields["correct_value"]
        if kind != GroundKind.CIRCUMSTANCES_MISSED:
            del self.fields["circumstance"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.kind == GroundKind.DATA_WRONG:
            if "feature" not in self.errors and not data.get("feature"):
                self.add_error("feature", _("Select the item of data that is wrong"))
            if "correct_value" not in self.errors and not str(data.get("correct_value", "")).strip():
                self.add_error("correct_value", _("Enter the correct value"))
        if (
            self.kind == GroundKind.CIRCUMSTANCES_MISSED
            and "circumstance" not in self.errors
            and not data.get("circumstance")
        ):
            self.add_error(
                "circumstance", _("Select the circumstance the decision did not take into account")
            )
        if "why" not in self.errors and not str(data.get("why", "")).strip():
            self.add_error("why", WHY_REQUIRED[GroundKind(self.kind)])
        return data

    def as_ground(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "kind": self.kind,
            "why": data["why"].strip(),
            "feature": data.get("feature") or "",
            "correct_value": (data.get("correct_value") or "").strip(),
            "circumstance": data.get("circumstance") or "",
        }


class YesNoForm(GovukForm):
    answer = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect)

    def __init__(self, *args: Any, required_message: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer"].error_messages = {
            "required": required_message,
            "invalid_choice": required_message,
        }

    @property
    def yes(self) -> bool:
        return self.cleaned_data.get("answer") == "yes"


class StatementForm(GovukForm):
    statement = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=STATEMENT_MAX,
        error_messages=_max(_("Your statement must be %(limit_value)s characters or fewer")),
    )


class EvidenceUploadForm(GovukForm):
    file = forms.FileField(
        allow_empty_file=True,  # the service says "empty" in its own words
        error_messages={
            "required": _("Select a file to upload"),
            "invalid": _("Select a file to upload"),
            "missing": _("Select a file to upload"),
        },
    )

    def refuse(self, message: str) -> None:
        """Show why the upload was refused, in place of anything else said about the file."""
        self.is_valid()
        self.errors["file"] = self.error_class([message])


class InterimForm(GovukForm):
    interim_protection = forms.ChoiceField(
        choices=[
            (InterimProtection.KEEP_PAYMENTS, InterimProtection.KEEP_PAYMENTS.label),
            (InterimProtection.SUSPEND_RECOVERY, InterimProtection.SUSPEND_RECOVERY.label),
            (InterimProtection.NONE, _("No, I do not need this")),
        ],
        widget=HintedRadioSelect(
            hints={
                InterimProtection.KEEP_PAYMENTS: _(
                    "If the decision stopped or reduced a payment, ask for it to continue until your appeal is "
                    "decided."
                ),
                InterimProtection.SUSPEND_RECOVERY: _(
                    "If the agency is taking money back from you, ask for this to stop until your appeal is "
                    "decided."
                ),
            }
        ),
        error_messages={
            "required": _("Select whether you want to ask for protection while your appeal is decided"),
            "invalid_choice": _("Select whether you want to ask for protection while your appeal is decided"),
        },
    )


class ChannelForm(GovukForm):
    contact_channel = forms.ChoiceField(
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select how we should contact you"),
            "invalid_choice": _("Select how we should contact you"),
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        set_radios(
            self.fields["contact_channel"],
            list(Channel.choices),
            {
                Channel.EMAIL: user.email or _("Your account has no email address"),
                Channel.SMS: user.phone or _("Your account has no mobile phone number"),
            },
        )

    def clean_contact_channel(self) -> str:
        channel = self.cleaned_data["contact_channel"]
        if channel == Channel.EMAIL and not self.user.email:
            raise forms.ValidationError(_("Your account has no email address. Select text message instead"))
        if channel == Channel.SMS and not self.user.phone:
            raise forms.ValidationError(_("Your account has no mobile phone number. Select email instead"))
        return str(channel)


class LanguageRadioSelect(forms.RadioSelect):
    """Radios for a language: each option is named in itself and marked with its own lang (WCAG 3.1.2), so a
    reader finds their language whatever the page is in (templates/appeals/citizen/_radios.html)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["lang"] = str(option["value"])
        return option


class LanguageForm(GovukForm):
    contact_language = forms.ChoiceField(
        choices=[(code, ENDONYMS.get(code, name)) for code, name in settings.LANGUAGES],
        widget=LanguageRadioSelect,
        error_messages={
            "required": _("Select the language we should write to you in"),
            "invalid_choice": _("Select the language we should write to you in"),
        },
    )


class WithdrawForm(GovukForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=WITHDRAW_REASON_MAX,
        error_messages=_max(_("The reason must be %(limit_value)s characters or fewer")),
    )
