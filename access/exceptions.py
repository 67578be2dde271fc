"""Domain errors raised by the services of access transparency."""


class AccessError(Exception):
    """A write refused: `errors` maps a field to what is wrong, in English; `code` names the rule that refused it,
    so that a page can show that rule's own translated message (access.views.reason_error_message)."""

    def __init__(self, errors: dict[str, str], *, code: str = "") -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.code = code


class ProactiveReviewNotFound(Exception):
    """No such flag among the agency's."""
