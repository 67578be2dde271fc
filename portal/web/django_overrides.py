"""Django's own strings that our catalog translates again, because Django's kk catalog lacks them or gets them
wrong for our pages.

Nothing imports this module. It exists so that makemessages extracts these msgids into portal/locale, whose
catalogs Django consults before its own (LOCALE_PATHS take precedence over Django's and its apps' catalogs).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OVERRIDES = (
    # The "E" month names inside a date ("2025 ж. 12 қаңтар", "12 января 2025 г."). Django's kk catalog
    # capitalises them, but Kazakh writes month names in lower case within a date.
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
    # The staff sign-in error. Django's kk catalog has no translation for it, so Kazakh pages showed English;
    # and it capitalises "username", which the message puts mid-sentence.
    _("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    _("username"),
)
