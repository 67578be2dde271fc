# Kazakh formats. Django ships a kk message catalog but no kk formats module, so without this file dates and
# numbers on Kazakh pages would fall back to the English "N j, Y" and "12,345".
#
# The date pattern follows CLDR for kk ("y 'ж'. d MMMM": "2025 ж. 12 қаңтар"). "E" is the month name in the
# "alt. month" context: Django's kk catalog capitalises it ("Қаңтар"); our catalog overrides it with the lower
# case a Kazakh date is written in (see portal/web/django_overrides.py). "ж." is not a format character, so it
# needs no escaping.
DATE_FORMAT = "Y ж. j E"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y ж. j E, H:i"
YEAR_MONTH_FORMAT = "Y ж. E"  # months are written in lower case: "2026 ж. қараша"
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# strftime syntax; the day-first forms people in Kazakhstan type.
DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # '25.10.2006'
    "%d.%m.%y",  # '25.10.06'
    "%Y-%m-%d",  # '2006-10-25' (ISO, as <input type="date"> sends it)
]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u00a0"  # no-break space, as in Django's ru formats
NUMBER_GROUPING = 3
