"""Errors that services of every layer raise and the agency API answers in its problem shape (portal/api/errors.py)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (record index, field path) and what."""

    field: str
    message: str
    index: int | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        return out


@dataclass
class ValidationFailed(Exception):
    """The input was rejected as a whole; nothing was written."""

    problems: list[Problem] = field(default_factory=list)
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{len(self.problems)} problem(s): " + "; ".join(p.message for p in self.problems[:3])


class NotFound(Exception):
    """The object does not exist or belongs to someone else (answered identically)."""


class Conflict(Exception):
    """The request conflicts with the current state (e.g. the same Idempotency-Key still running)."""
