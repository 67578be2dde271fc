"""Authorization over every route of the "inquiries" namespace × every kind of actor × GET and POST.

Routes are discovered from the resolver, so a page added later is covered the day it is added (a new argument
name fails until ARGUMENTS says how to build it). Expected: the ombudsman's office → 200, a redirect that is not
to a sign-in page, or 405 where the route does not take the method; anonymous → a redirect to the staff sign-in;
an agency's API token → 401 or 404 (a token never signs in to a page); everyone else (citizen, reviewer, supervisor,
agency staff, an ombudsman role outside the ombudsman's office, the portal's administrator) → 404. Every POST
carries valid-looking data, and a refused one changes nothing: the rule, the alert and its history, the inquiry,
its notes, and the inquiries of the system are as before.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from oversight.inquiries.models import Alert, AlertRule, Inquiry
from portal.accounts.models import Role, User
from tests import factories
from tests.appeals.conftest import make_user

from .conftest import World
from .test_services import make_alert, open_inquiry

NAMESPACE = "inquiries"
ACTORS = (
    "anonymous",
    "citizen",
    "reviewer",
    "supervisor",
    "agency_staff",
    "stray_ombudsman",  # role OMBUDSMAN but in an agency, not the ombudsman's office
    "admin",
    "token",
    "ombudsman",
)
ALLOWED = frozenset({"ombudsman"})


@dataclass
class Target:
    rule: AlertRule
    alert: Alert
    inquiry: Inquiry


ARGUMENTS: dict[str, Callable[[Target], Any]] = {
    "alert_id": lambda t: t.alert.pk,
    "rule_id": lambda t: t.rule.pk,
    "inquiry_id": lambda t: t.inquiry.pk,
}


def post_data(name: str, world: World, t: Target) -> dict[str, Any]:
    """Data that the ombudsman's POST would accept, so that a refusal is about who, not what."""
    return {
        "alert": {"status": "CLOSED", "note": "done"},
        "rule": {"enabled": "no", "threshold": "50", "min_count": "5", "period_months": "1"},
        "inquiry-new": {"system": world.system.pk, "title": "New", "scope": "Scope"},
        "inquiry-note": {"text": "A note"},
        "inquiry-status": {"status": "CLOSED", "findings": "Findings"},
    }.get(name, {"status": "CLOSED", "note": "x", "text": "x"})


@dataclass(frozen=True)
class Route:
    name: str
    args: tuple[str, ...]


def discover() -> list[Route]:
    def walk(patterns: list[Any], namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace == NAMESPACE:
                yield Route(p.name, tuple(getattr(p.pattern, "converters", {})))

    return sorted(set(walk(get_resolver().url_patterns, "")), key=lambda r: r.name)


ROUTES = discover()


def snapshot(world: World, t: Target) -> tuple[Any, ...]:
    rule = AlertRule.objects.get(pk=t.rule.pk)
    alert = Alert.objects.get(pk=t.alert.pk)
    inquiry = Inquiry.objects.get(pk=t.inquiry.pk)
    return (
        (rule.enabled, rule.threshold, rule.min_count, rule.period_months, rule.updated_at),
        (alert.status, alert.acknowledged_at, alert.closed_at),
        list(alert.events.values_list("id", flat=True)),
        (inquiry.status, inquiry.findings, inquiry.title),
        list(inquiry.notes.values_list("id", flat=True)),
        list(Inquiry.objects.filter(system=world.system).values_list("id", flat=True)),
    )


def clients(world: World) -> dict[str, Client]:
    admin = User.objects.create_user(username="admin", password="not-used-here-123", role=Role.ADMIN)
    people = {
        "anonymous": None,
        "citizen": world.citizen,
        "reviewer": world.reviewers[0],
        "supervisor": world.supervisor,
        "agency_staff": world.agency_staff,
        "stray_ombudsman": make_user("stray", Role.OMBUDSMAN, world.agency),
        "admin": admin,
        "ombudsman": world.ombudsman,
    }
    out = {}
    for actor, user in people.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        out[actor] = client
    out["token"] = Client(HTTP_AUTHORIZATION=f"Token {factories.token(world.agency)}")
    return out


def test_the_matrix_finds_every_page_of_the_namespace() -> None:
    names = {r.name for r in ROUTES}
    assert {
        "alerts",
        "alert",
        "rules",
        "rule",
        "inquiries",
        "inquiry-new",
        "inquiry",
        "inquiry-note",
    } <= names
    assert "inquiry-status" in names


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_every_actor_gets_what_the_rule_says_and_refused_posts_change_nothing(
    world: World, route: Route
) -> None:
    missing = [a for a in route.args if a not in ARGUMENTS]
    assert not missing, f"{route.name}: add how to build {missing} to ARGUMENTS"
    target = Target(
        rule=AlertRule.objects.get(code="version-overturn-rate"),
        alert=make_alert(world),
        inquiry=open_inquiry(world),
    )
    path = reverse(f"{NAMESPACE}:{route.name}", kwargs={a: ARGUMENTS[a](target) for a in route.args})
    by_actor = clients(world)
    problems = []
    for actor in ACTORS:  # the ombudsman last: their POST may change things
        for method in ("GET", "POST"):
            before = snapshot(world, target)
            data = post_data(route.name, world, target) if method == "POST" else {}
            response = getattr(by_actor[actor], method.lower())(path, data)
            status, location = response.status_code, response.get("Location", "")
            where = f"{actor} {method} {path} → {status} {location}"
            if actor == "anonymous":
                if not (status == 302 and "/staff/sign-in/" in location):
                    problems.append(f"{where}: expected a redirect to the staff sign-in")
            elif actor == "token":
                if status not in (401, 404):
                    problems.append(f"{where}: expected 401 or 404 for an API token")
            elif actor in ALLOWED:
                if status not in (200, 302, 405) or "sign-in" in location:
                    problems.append(f"{where}: expected 200, 302 or 405")
            elif status != 404:
                problems.append(f"{where}: expected 404")
            if actor not in ALLOWED and snapshot(world, target) != before:
                problems.append(f"{where}: a refused request changed something")
    assert not problems, "\n".join(problems)
