"""Who may do what with accounts: one predicate per rule."""

from typing import Any

from .models import Role


def can_sign_in_as_citizen(user: Any) -> bool:
    """Only active citizen accounts sign in with an IIN (one-time code or the identity provider). Staff sign
    in on their own page, with a second factor."""
    return bool(user is not None and user.is_active and user.role == Role.CITIZEN)


def can_receive_code(user: Any) -> bool:
    """A code is sent only to an active citizen with a contact on record (e-mail or phone)."""
    return can_sign_in_as_citizen(user) and bool(user.email or user.phone)
