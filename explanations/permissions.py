"""Who may see and act on decisions. Predicates only: callers load the objects and answer 404 on False.

A decision is about one person. That person sees it either signed in (their account's IIN hash equals the
decision's) or through the letter look-up, which grants their browser session access to that one decision.
Staff never see a citizen's page: their access to decisions goes through their own tools.
"""

from collections.abc import Collection
from typing import Any, Protocol

from portal.accounts.models import Role

from .models import Decision


class AboutSomeone(Protocol):
    """What the checks below read of a decision: a Decision, or a cached page of one (page_cache.CachedPage)."""

    @property
    def reference(self) -> str: ...

    @property
    def subject_iin_hash(self) -> str: ...


# Session key holding the references this browser session was granted through the letter look-up.
LOOKUP_GRANTS_SESSION_KEY = "explanations.lookup_grants"


def is_citizen(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == Role.CITIZEN


def can_list_own_decisions(user: Any) -> bool:
    """Only signed-in citizens whose identity (IIN) is known have a list of their own decisions."""
    return is_citizen(user) and bool(user.iin_hash)


def is_subject(user: Any, decision: AboutSomeone) -> bool:
    """The signed-in citizen is the person the decision is about."""
    return can_list_own_decisions(user) and decision.subject_iin_hash == user.iin_hash


def can_view_decision(user: Any, decision: AboutSomeone, lookup_grants: Collection[str] = ()) -> bool:
    """The person the decision is about, signed in or holding a look-up grant for exactly this decision.

    A signed-in member of staff is refused even with a grant: a staff session must never become a window on
    a citizen's page.
    """
    if getattr(user, "is_authenticated", False) and not is_citizen(user):
        return False
    return is_subject(user, decision) or decision.reference in lookup_grants


def can_flag_data(user: Any, decision: Decision, lookup_grants: Collection[str] = ()) -> bool:
    """Whoever may see the decision may say that an item of its data is wrong."""
    return can_view_decision(user, decision, lookup_grants)


def can_download_pdf(user: Any, decision: Decision, lookup_grants: Collection[str] = ()) -> bool:
    return can_view_decision(user, decision, lookup_grants)
