"""Domain errors of the alert and inquiry services: the action was refused and nothing changed."""

from typing import Any


class InquiriesError(Exception):
    """Base: the action was refused and nothing changed."""


class NotAllowed(InquiriesError):
    """This person may not do this (answered as 404 at the edge)."""


class IllegalTransition(InquiriesError):
    """The alert's or inquiry's status does not allow this change."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class InvalidInput(InquiriesError):
    """One message per field, already in plain words (lazy translations)."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
