"""Domain errors of the appeals services."""


class AppealError(Exception):
    """Base: the action was refused and nothing changed."""


class NotAllowed(AppealError):
    """This person may not do this to this appeal (answered as 404 when they may not even see it)."""


class IllegalTransition(AppealError):
    """The appeal's state does not allow this action."""


class NotIndependent(NotAllowed):
    """The reviewer is not independent of this appeal (agency, appellant, earlier review, conflict)."""


class InvalidInput(AppealError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NothingToTake(AppealError):
    """No appeal is waiting that this reviewer may take."""
