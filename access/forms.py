"""Forms of access transparency: shape only; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REASON_MAX


class StatedReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Say why you need to open this case"),
            "max_length": _("Use %(limit_value)s characters or fewer"),
        },
    )
