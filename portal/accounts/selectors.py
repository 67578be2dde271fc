"""Reads about accounts that are more than a plain `get`."""

from . import permissions
from .models import Role, User


def citizen_by_iin_hash(*, iin_hash: str) -> User | None:
    """The active citizen account whose IIN has this look-up hash, or None (also for staff accounts)."""
    return User.objects.filter(iin_hash=iin_hash, role=Role.CITIZEN, is_active=True).first()


def user_by_iin_hash(*, iin_hash: str) -> User | None:
    """Any account (citizen or not, active or not) holding this IIN look-up hash."""
    return User.objects.filter(iin_hash=iin_hash).first()


def staff_for_sign_in(*, user_id: int) -> User | None:
    """The account with this id if it may (still) use the staff sign-in, else None."""
    user = User.objects.filter(pk=user_id).first()
    return user if permissions.can_sign_in_as_staff(user) else None
