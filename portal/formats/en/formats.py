# English formats. Only what differs from Django's en module; Django falls back to its own for the rest.
#
# Django's en DATE_FORMAT is the US "N j, Y" ("Jan. 12, 2025"). Our readers are in Kazakhstan, where the day
# comes first; "12 January 2025" is unambiguous and is the plain-English style public services use.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as in Kazakhstan
