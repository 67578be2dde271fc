"""Logging filters: national identifiers never reach a log line in clear."""

import logging
import re

# Twelve digits standing alone: an IIN/BIN. One-time codes and tokens are never logged by our code at all.
_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")


def redact(text: str) -> str:
    return _IIN.sub("[IIN]", text)


class RedactIdentifiersFilter(logging.Filter):
    """Replaces anything shaped like an IIN in the rendered message, so arguments cannot leak it either."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
