"""What appeals tells the apps above it (access), without importing them: Django signals, connected in the
receiving app's AppConfig.ready(). Both are sent synchronously, inside the caller's request or transaction, so a
receiver's failure is the caller's failure (a refused view, a rolled-back decision), never a silent loss.

- `case_shown(request, appeal, delivery)`: a response that shows a person's case to someone is about to be made.
  access logs the view with its purpose, or raises portal.web.staff.SendElsewhereFirst (ReasonRequired) when a
  reason must be stated first. Send it with `show_case`.
- `corrections_confirmed(corrections, now)`: inside the deciding transaction, the data items an outcome found
  wrong (RegistryCorrection rows). access flags every other decision that used them for its operator's review.
"""

import datetime as dt
from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest

case_shown = Signal()
corrections_confirmed = Signal()


def show_case(request: HttpRequest, appeal: Any, *, delivery: bool = False) -> None:
    """Call before a response that shows the case, whatever the request's method (see access.gate)."""
    case_shown.send(sender=type(appeal), request=request, appeal=appeal, delivery=delivery)


def confirm_corrections(corrections: list[Any], now: dt.datetime) -> None:
    if corrections:
        corrections_confirmed.send(sender=None, corrections=corrections, now=now)
