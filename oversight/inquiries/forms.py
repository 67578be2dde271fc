"""Forms of the alert and inquiry pages: they read and type what was sent; the services validate the meaning.

Rates are entered as percentages and stored as proportions; the form converts both ways.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.web.templatetags.portal import i18n_text

from .exceptions import IllegalTransition, InquiriesError, InvalidInput
from .models import AlertRule, AlertStatus, DisparityMetric, GroupAttribute, InquiryStatus, Measure
from .services import RULE_FIELDS, TEXT_MAX, TITLE_MAX, threshold_is_share


def add_service_errors(form: forms.Form, exc: InquiriesError) -> None:
    """Put a service's refusal on the form: each invalid input on its field, anything else above the form."""
    if isinstance(exc, InvalidInput):
        for key, message in exc.errors.items():
            form.add_error(key if key in form.fields else None, str(message))
    elif isinstance(exc, IllegalTransition):
        form.add_error(None, str(exc.message))
    else:
        form.add_error(None, str(_("You cannot do this.")))


def _text(limit: int, rows: int = 5) -> forms.CharField:
    return forms.CharField(
        max_length=limit,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _("Use %(limit_value)s characters or fewer")},
    )


class AlertStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether to acknowledge or to close the alert"),
            "invalid_choice": _("Choose whether to acknowledge or to close the alert"),
        },
    )
    note = _text(TEXT_MAX)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if current == AlertStatus.OPEN:
            choices.append(
                (AlertStatus.ACKNOWLEDGED, _("Acknowledge: I have seen it and am looking into it"))
            )
        choices.append((AlertStatus.CLOSED, _("Close: it needs no further action, or it is dealt with")))
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


class RuleForm(forms.Form):
    """The editable fields of one rule; only those that mean something for its kind are kept."""

    enabled = forms.TypedChoiceField(
        choices=(("yes", _("On: the checks use this rule")), ("no", _("Off: the checks skip this rule"))),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether the rule is on or off"),
            "invalid_choice": _("Choose whether the rule is on or off"),
        },
    )
    metric = forms.ChoiceField(
        choices=DisparityMetric.choices,
        error_messages={
            "required": _("Choose the rate to compare between groups"),
            "invalid_choice": _("Choose the rate to compare between groups"),
        },
    )
    attribute = forms.ChoiceField(
        choices=[("", _("Every attribute")), *GroupAttribute.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a group attribute, or all of them")},
    )
    measure = forms.ChoiceField(
        choices=Measure.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether to count cases or to take their share"),
            "invalid_choice": _("Choose whether to count cases or to take their share"),
        },
    )
    threshold = forms.DecimalField(
        max_digits=12,
        decimal_places=4,
        localize=True,
        error_messages={
            "required": _("Enter the threshold"),
            "invalid": _("Enter the threshold as a number, for example 30 or 1.5"),
            "max_digits": _("Enter a smaller number"),
            "max_decimal_places": _("Use at most 4 decimal places"),
            "max_whole_digits": _("Enter a smaller number"),
        },
    )
    min_count = forms.IntegerField(
        localize=True,
        error_messages={
            "required": _("Enter the smallest number of cases to compare"),
            "invalid": _("Enter a whole number of cases, 1 or more"),
        },
    )
    period_months = forms.IntegerField(
        required=False,
        localize=True,
        error_messages={
            "invalid": _("Enter a whole number of months, or leave it empty to look at all time")
        },
    )

    def __init__(self, *args: Any, rule: AlertRule, **kwargs: Any) -> None:
        if not args or args[0] is None:
            kwargs.setdefault("initial", self.initial_for(rule))
        super().__init__(*args, **kwargs)
        self.rule = rule
        for name in list(self.fields):
            if name not in RULE_FIELDS[rule.kind]:
                del self.fields[name]

    @staticmethod
    def initial_for(rule: AlertRule) -> dict[str, Any]:
        threshold = Decimal(str(rule.threshold))
        if threshold_is_share(rule.kind, rule.measure):
            threshold = (threshold * 100).normalize()
        elif threshold == threshold.to_integral_value():
            threshold = threshold.quantize(Decimal(1))
        return {
            "enabled": "yes" if rule.enabled else "no",
            "metric": rule.metric,
            "attribute": rule.attribute,
            "measure": rule.measure,
            "threshold": threshold,
            "min_count": rule.min_count,
            "period_months": rule.period_months,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned values in the rule's units (a percentage becomes a proportion)."""
        data = dict(self.cleaned_data)
        measure = data.get("measure") or self.rule.measure
        threshold = data.get("threshold")
        if threshold is not None:
            value = float(threshold)
            data["threshold"] = value / 100 if threshold_is_share(self.rule.kind, measure) else value
        return data


class InquiryForm(forms.Form):
    system = forms.TypedChoiceField(
        choices=(),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": _("Choose the system the inquiry is about"),
        },
    )
    title = forms.CharField(
        max_length=TITLE_MAX,
        required=False,
        error_messages={"max_length": _("Use %(limit_value)s characters or fewer")},
    )
    scope = _text(TEXT_MAX)

    def __init__(self, *args: Any, systems: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a system")),
            *((s.pk, f"{i18n_text(s.name)} ({s.code})") for s in systems),
        ]


class NoteForm(forms.Form):
    text = _text(TEXT_MAX, rows=4)


class InquiryStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the new status"),
            "invalid_choice": _("Choose the new status"),
        },
    )
    findings = _text(TEXT_MAX, rows=8)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s.value, s.label) for s in InquiryStatus if s.value != current
        ]
