"""Domain errors raised by the services of access transparency."""


class AccessError(Exception):
    """A write refused: `errors` maps a field to what is wrong, in English (the caller translates)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ProactiveReviewNotFound(Exception):
    """No such flag among the agency's."""
