"""Forms of the review desk. They check shape only; every rule is the services' (appeals/services/core.py), whose
refusals are shown on the same form (`add_service_errors`)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .exceptions import AppealError, IllegalTransition, InvalidInput, NothingToTake, NotIndependent
from .models import GroundKind
from .queues import PERSONAL_STATES, QueueFilters
from .states import Outcome, State

TEXT_MAX = 5000
NEW_OUTCOME_REQUIRED = (Outcome.OVERTURNED, Outcome.PARTLY_OVERTURNED)

# The services report errors in English by key; people read them in their language.
SERVICE_FIELD_ERRORS: dict[str, Any] = {
    "reason": _("Give a reason"),
    "note": _("Describe the conflict of interest"),
    "conflict": _("Declare that you have no conflict of interest before you start the review"),
    "outcome": _("Choose an outcome"),
    "reasons": _("Give your reasons"),
    "new_outcome": _("Say what the new outcome is"),
    "justification": _("You changed your assessment after seeing the AI's result: say why"),
    "ground_findings": _("Give a finding and reasons for every ground"),
}


def service_error_message(exc: AppealError) -> str:
    """A refusal of the services in the reader's language."""
    if isinstance(exc, NothingToTake):
        return str(_("No appeal is waiting that you may take."))
    if isinstance(exc, NotIndependent):
        return str(_("You are not independent of this appeal, so you cannot do this."))
    if isinstance(exc, IllegalTransition):
        return str(_("This cannot be done while the appeal is in its current state."))
    if isinstance(exc, InvalidInput):
        return " ".join(str(SERVICE_FIELD_ERRORS.get(_base_key(k), v)) for k, v in exc.errors.items())
    return str(_("You cannot do this on this appeal."))


def _base_key(key: str) -> str:
    return key.split(".", 1)[0]


def add_service_errors(form: forms.Form, exc: AppealError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the form: each invalid input on its field, anything else above the form."""
    field_map = field_map or {}
    if isinstance(exc, InvalidInput):
        for key, english in exc.errors.items():
            name = field_map.get(key, field_map.get(_base_key(key), _base_key(key)))
            message = SERVICE_FIELD_ERRORS.get(_base_key(key), english)
            form.add_error(name if name in form.fields else None, str(message))
        return
    form.add_error(None, service_error_message(exc))


class ReasonForm(forms.Form):
    """One reason in words: putting a case on hold, declaring it inadmissible, standing down."""

    reason = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Give a reason"),
            "max_length": _("Use %(limit_value)s characters or fewer"),
        },
    )


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        choices=[
            ("no", _("I have no conflict of interest in this case")),
            ("yes", _("I have a conflict of interest in this case")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you have a conflict of interest")},
    )
    note = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Use %(limit_value)s characters or fewer")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_conflict") and not str(data.get("note", "")).strip():
            self.add_error("note", _("Describe the conflict of interest"))
        return data


def _outcome_field(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an outcome"), "invalid_choice": _("Choose an outcome")},
    )


def _new_outcome_field(choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        required=False,
        choices=[("", _("Choose the new outcome")), *choices],
        error_messages={"invalid_choice": _("Choose one of the system's outcomes")},
    )


class AssessmentForm(forms.Form):
    """The independent assessment: an outcome, reasons, and a finding with reasons for each ground."""

    def __init__(
        self, *args: Any, grounds: list[Any], outcomes: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.grounds = grounds
        self.fields["outcome"] = _outcome_field(_("Your outcome"))
        self.fields["new_outcome"] = _new_outcome_field(outcomes)
        for g in grounds:
            self.fields[f"finding_{g.position}"] = forms.ChoiceField(
                choices=[("ACCEPTED", _("Accept this ground")), ("REJECTED", _("Reject this ground"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Accept or reject this ground")},
            )
            self.fields[f"reasons_{g.position}"] = forms.CharField(
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "required": _("Give your reasons for this ground"),
                    "max_length": _("Use %(limit_value)s characters or fewer"),
                },
            )
        self.fields["reasons"] = forms.CharField(
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 6}),
            error_messages={
                "required": _("Give your reasons"),
                "max_length": _("Use %(limit_value)s characters or fewer"),
            },
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") in NEW_OUTCOME_REQUIRED and not data.get("new_outcome"):
            self.add_error("new_outcome", _("Say what the new outcome is"))
        return data

    def ground_rows(self) -> list[dict[str, Any]]:
        return [
            {"ground": g, "finding": self[f"finding_{g.position}"], "reasons": self[f"reasons_{g.position}"]}
            for g in self.grounds
        ]

    def findings(self) -> list[dict[str, Any]]:
        return [
            {
                "ground": g.position,
                "finding": self.cleaned_data[f"finding_{g.position}"],
                "reasons": self.cleaned_data[f"reasons_{g.position}"].strip(),
            }
            for g in self.grounds
        ]

    def service_field_map(self) -> dict[str, str]:
        mapping = {"ground_findings": "outcome"}
        for g in self.grounds:
            mapping[f"ground_findings.{g.position}"] = f"finding_{g.position}"
            mapping[f"ground_findings.{g.position}.reasons"] = f"reasons_{g.position}"
        return mapping


class DecideForm(forms.Form):
    """The decision after the reveal; a change from the recorded assessment needs a justification."""

    def __init__(self, *args: Any, outcomes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"] = _outcome_field(_("Your decision"))
        self.fields["new_outcome"] = _new_outcome_field(outcomes)
        self.fields["justification"] = forms.CharField(
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={"max_length": _("Use %(limit_value)s characters or fewer")},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") in NEW_OUTCOME_REQUIRED and not data.get("new_outcome"):
            self.add_error("new_outcome", _("Say what the new outcome is"))
        return data


class CountersignForm(forms.Form):
    agrees = forms.TypedChoiceField(
        choices=[("yes", _("I agree: the decision can be issued")), ("no", _("Return it to the reviewer"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you agree or return the decision")},
    )
    note = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Use %(limit_value)s characters or fewer")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agrees") is False and not str(data.get("note", "")).strip():
            self.add_error("note", _("Say why you are returning the decision"))
        return data


class AssignForm(forms.Form):
    def __init__(self, *args: Any, reviewers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reviewers = {str(r.pk): r for r in reviewers}
        self.fields["reviewer"] = forms.ChoiceField(
            choices=[(str(r.pk), r.full_name or r.username) for r in reviewers],
            widget=forms.RadioSelect,
            error_messages={"required": _("Choose a reviewer"), "invalid_choice": _("Choose a reviewer")},
        )

    def chosen(self) -> Any:
        return self.reviewers[self.cleaned_data["reviewer"]]


class QueueFilterForm(forms.Form):
    """The queue's filters, sent as a GET form (works without JavaScript)."""

    system = forms.ChoiceField(required=False)
    ground_kind = forms.ChoiceField(required=False, choices=[("", _("Any")), *GroundKind.choices])
    older_than_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=3650,
        error_messages={
            "invalid": _("Enter a whole number of days"),
            "min_value": _("Enter a whole number of days"),
            "max_value": _("Enter a whole number of days"),
        },
    )
    due_before = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date, for example 2026-05-31")},
    )
    interim = forms.BooleanField(required=False)
    vulnerable = forms.BooleanField(required=False)
    state = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, systems: list[tuple[str, str]], team: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["system"]).choices = [("", _("Any")), *systems]
        states = [State.ADMISSIBILITY, *PERSONAL_STATES] if team else list(PERSONAL_STATES)
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("Any")),
            *((s.value, s.label) for s in states),
        ]

    def filters(self) -> QueueFilters:
        """The valid filters (an invalid one is ignored and shown as an error)."""
        if not self.is_bound:
            return QueueFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilters(
            system=data.get("system") or "",
            ground_kind=data.get("ground_kind") or "",
            older_than_days=data.get("older_than_days"),
            due_before=data.get("due_before"),
            interim=bool(data.get("interim")),
            vulnerable=bool(data.get("vulnerable")),
            state=data.get("state") or "",
        )
