"""Sign-in forms: one question each (the staff password page asks two), with a specific message for every way
an answer can be wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.identifiers import iin_is_valid

from .services import OTP_DIGITS


def _digits_only(value: str) -> str:
    # People copy numbers with spaces or dashes ("900101 300 123"); those are not mistakes.
    return "".join(ch for ch in value if ch not in " -\u00a0\t")


class IINForm(forms.Form):
    iin = forms.CharField(
        label=_("IIN (individual identification number)"),
        max_length=40,
        strip=True,
        error_messages={"required": _("Enter your IIN"), "max_length": _("The IIN must be 12 digits")},
    )

    def clean_iin(self) -> str:
        value = _digits_only(self.cleaned_data["iin"])
        if not value:
            raise forms.ValidationError(_("Enter your IIN"), code="required")
        if len(value) != 12 or not value.isascii() or not value.isdigit():
            raise forms.ValidationError(_("The IIN must be 12 digits"), code="length")
        if not iin_is_valid(value):
            raise forms.ValidationError(_("Check the IIN: the last digit does not match"), code="check_digit")
        return value


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        strip=True,
        error_messages={"required": _("Enter the code"), "max_length": _("The code must be 6 digits")},
    )

    def clean_code(self) -> str:
        value = _digits_only(self.cleaned_data["code"])
        if not value:
            raise forms.ValidationError(_("Enter the code"), code="required")
        if len(value) != OTP_DIGITS or not value.isascii() or not value.isdigit():
            raise forms.ValidationError(_("The code must be 6 digits"), code="length")
        return value


class StaffPasswordForm(forms.Form):
    """Username and password of a staff account. Only presence is checked here: whether they are right is the
    service's answer, given as one message whatever was wrong."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        strip=True,
        error_messages={"required": _("Enter your username"), "max_length": _("Enter a correct username")},
    )
    password = forms.CharField(
        label=_("Password"),
        # Spaces in a password are part of it.
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput,
        error_messages={"required": _("Enter your password"), "max_length": _("Enter a correct password")},
    )
