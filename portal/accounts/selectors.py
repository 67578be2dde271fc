"""Reads about accounts that are more than a plain `get`."""

from .models import Role, User


def citizen_by_iin_hash(*, iin_hash: str) -> User | None:
    """The active citizen account whose IIN has this look-up hash, or None (also for staff accounts)."""
    return User.objects.filter(iin_hash=iin_hash, role=Role.CITIZEN, is_active=True).first()


def user_by_iin_hash(*, iin_hash: str) -> User | None:
    """Any account (citizen or not, active or not) holding this IIN look-up hash."""
    return User.objects.filter(iin_hash=iin_hash).first()
