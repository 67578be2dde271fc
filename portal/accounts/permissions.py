"""Who may do what with accounts: one predicate per rule."""

from typing import Any

from .models import STAFF_ROLES, Role


def can_sign_in_as_citizen(user: Any) -> bool:
    """Only active citizen accounts sign in with an IIN (one-time code or the identity provider). Staff sign
    in on their own page, with a second factor."""
    return bool(user is not None and user.is_active and user.role == Role.CITIZEN)


def can_receive_code(user: Any) -> bool:
    """A code is sent only to an active citizen with a contact on record (e-mail or phone)."""
    return can_sign_in_as_citizen(user) and bool(user.email or user.phone)


def needs_second_factor(user: Any) -> bool:
    """Staff roles, and anyone who may enter the admin site, sign in with a password and a time-based code;
    a session of theirs without both is refused (StaffSecondFactorMiddleware)."""
    return bool(
        user is not None
        and (
            user.role in STAFF_ROLES
            or getattr(user, "is_staff", False)
            or getattr(user, "is_superuser", False)
        )
    )


def can_sign_in_as_staff(user: Any) -> bool:
    """Only active accounts that need the second factor use the staff sign-in; citizens sign in with their IIN."""
    return bool(user is not None and user.is_active and needs_second_factor(user))


def can_reset_second_factor(actor: Any, user: Any) -> bool:
    """An active administrator may clear another person's authenticator (a lost phone); never their own."""
    return bool(
        actor is not None
        and actor.is_active
        and actor.role == Role.ADMIN
        and user is not None
        and actor.pk != user.pk
    )
