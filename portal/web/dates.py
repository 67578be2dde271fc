"""Month and year as each language writes them where a sentence needs a particular grammatical case.

YEAR_MONTH_FORMAT is the standalone form ("Ноябрь 2026 г.", "2026 ж. қараша", "November 2026"). After "up to
the end of" or "from", Russian needs the genitive ("до конца ноября 2026 г."): Django's "E" format character
gives it. The format itself is translated, so each language picks its own.
"""

import datetime as dt

from django.utils import formats
from django.utils.translation import pgettext


def month_year_genitive(month: dt.date) -> str:
    """ "ноября 2026 г." (ru), "2026 ж. қараша" (kk), "November 2026" (en): the month and year inside a phrase
    such as "up to the end of …" or "from … to the end of …"."""
    # Translators: a Django date format (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date):
    # the month and year in the genitive, as in "up to the end of November 2026". ru: "E Y г.", kk: "Y ж. E".
    return formats.date_format(month, pgettext("date format", "F Y"))
