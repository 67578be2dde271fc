"""Every page of access × every kind of actor × GET and POST: allowed actors get their page (or a redirect
that is not to a sign-in), everyone else 404 (405 where the route does not take the method at all), anonymous
visitors a sign-in page, an API token never a page. A role OMBUDSMAN outside an ombudsman organisation (a
misconfigured account) is nobody here. Routes are discovered, so a new page needs a rule here."""

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access.models import AccessRecord, ChainVerification
from access.services import chain_verification_request
from portal.accounts.models import Role
from tests import factories
from tests.appeals.conftest import make_user
from tests.appeals.review.builders import at

ACTORS = (
    "anonymous",
    "appellant",
    "other_citizen",
    "assigned_reviewer",
    "other_reviewer",
    "agency_staff",
    "agency_reviewer",
    "supervisor",
    "ombudsman",
    "ombudsman_role_in_an_agency",
    "ombudsman_role_in_a_review_body",
    "token",
)
# route name -> (actors allowed to GET, actors allowed to POST); None: the route does not take the method.
RULES: dict[str, tuple[frozenset[str] | None, frozenset[str] | None]] = {
    "access:my-log": (frozenset({"appellant", "other_citizen"}), None),
    "access:state-reason": (frozenset({"supervisor", "ombudsman"}), frozenset({"supervisor", "ombudsman"})),
    "access:case": (frozenset({"ombudsman"}), None),
    "access:audit-verify": (None, frozenset({"ombudsman"})),
    "access:verification": (frozenset({"ombudsman"}), None),
}


def access_routes() -> list[str]:
    found = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "access" and p.name:
                found.append(f"access:{p.name}")

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_every_access_route_has_a_rule():
    assert set(access_routes()) == set(RULES)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_actor_gets_what_the_rule_says(world, name):
    appeal = at(world, "decided")
    with transaction.atomic():
        verification = chain_verification_request(user=world.ombudsman)
    kwargs = {
        "access:state-reason": {"reference": appeal.reference},
        "access:case": {"reference": appeal.reference},
        "access:verification": {"pk": verification.pk},
    }.get(name, {})
    path = reverse(name, kwargs=kwargs)
    people = {
        "appellant": world.citizen,
        "other_citizen": world.other_citizen,
        "assigned_reviewer": world.reviewers[0],
        "other_reviewer": world.reviewers[1],
        "agency_staff": world.agency_staff,
        "agency_reviewer": world.agency_reviewer,
        "supervisor": world.supervisor,
        "ombudsman": world.ombudsman,
        # Misconfigured accounts: the role alone is not the ombudsman's office.
        "ombudsman_role_in_an_agency": make_user("ombudsman-at-agency", Role.OMBUDSMAN, world.agency),
        "ombudsman_role_in_a_review_body": make_user("ombudsman-at-body", Role.OMBUDSMAN, world.body),
    }
    get_rule, post_rule = RULES[name]
    problems = []
    for actor in ACTORS:
        if actor == "token":
            client = Client(HTTP_AUTHORIZATION=f"Token {factories.token(world.agency)}")
        else:
            client = Client()
            if actor in people:
                client.force_login(people[actor])
        for method, rule in (("GET", get_rule), ("POST", post_rule)):
            records_before = AccessRecord.objects.count()
            verifications_before = ChainVerification.objects.count()
            response = client.generic(method, path)
            status, location = response.status_code, response.get("Location", "")
            where = f"{actor} {method} {path} -> {status} {location}"
            allowed = rule is not None and actor in rule
            if actor == "anonymous":
                if not (status == 302 and "sign-in" in location):
                    problems.append(f"{where}: expected a sign-in redirect")
            elif actor == "token":
                if status not in (401, 404, 405) or "Who viewed" in response.content.decode():
                    problems.append(f"{where}: expected no page for a token")
            elif rule is None:
                if status not in (404, 405):
                    problems.append(f"{where}: expected 405 (or 404)")
            elif allowed:
                if status not in (200, 302) or "sign-in" in location:
                    problems.append(f"{where}: expected the page")
            elif status != 404:
                problems.append(f"{where}: expected 404")
            if not allowed and (
                AccessRecord.objects.count() != records_before
                or ChainVerification.objects.count() != verifications_before
            ):
                problems.append(f"{where}: a refused request wrote something")
    assert not problems, "\n".join(problems)
