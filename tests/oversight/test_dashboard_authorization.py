"""Authorization matrix of the ombudsman's dashboard: every route of the "oversight" namespace × every kind of
actor × GET and POST.

Routes are discovered from the resolver, so a new page is covered the day it is added (a new URL argument
fails until ARGUMENTS says how to build it). Expected: anonymous → a redirect to a sign-in page; an agency's
API token → 401 or 404; the ombudsman's office → 200 on GET and 405 on POST (the dashboard is read-only);
everyone else, the portal's administrator included, → 404 on both. No request of anyone changes a case.

And the other way round: the ombudsman changes no case anywhere, whatever they POST to the appeal pages.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from appeals.models import Appeal
from explanations.models import Decision
from portal.accounts.models import Role, User
from tests import factories
from tests.appeals.conftest import World
from tests.appeals.review.builders import STEPS, at
from tests.appeals.test_authorization_matrix import ARGUMENTS as APPEAL_ARGUMENTS
from tests.appeals.test_authorization_matrix import Target, snapshot

NAMESPACE = "oversight"
ACTORS = (
    "anonymous",
    "citizen",
    "reviewer",
    "supervisor",
    "agency_staff",
    "agency_reviewer",
    "admin",
    "ombudsman_of_an_agency",  # role OMBUDSMAN but not in an ombudsman's office: a misconfigured account
    "ombudsman",
    "token",
)
ALLOWED = frozenset({"ombudsman"})


@dataclass(frozen=True)
class Route:
    name: str
    args: tuple[str, ...]


def discover(namespaces: tuple[str, ...]) -> list[Route]:
    def walk(patterns: list[Any], namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace in namespaces:
                yield Route(f"{namespace}:{p.name}", tuple(getattr(p.pattern, "converters", {})))

    return sorted(set(walk(get_resolver().url_patterns, "")), key=lambda r: r.name)


ROUTES = discover((NAMESPACE,))


@dataclass
class Scene:
    world: World
    appeal: Appeal  # decided, so that every table has a row


ARGUMENTS: dict[str, Callable[[Scene], Any]] = {"table_id": lambda s: "versions"}
# Query strings a route needs to answer 200 to the ombudsman (a drill-down names its row, a report its month).
QUERIES: dict[str, Callable[[Scene], str]] = {
    "oversight:drilldown": lambda s: f"?row={s.appeal.decision.model_version_id}&period_from=2026-01",
    "oversight:monthly-report": lambda s: "?month=2026-03",
}


def state_of_everything() -> tuple[Any, ...]:
    appeals = tuple(
        Appeal.objects.order_by("id").values_list(
            "id", "state", "reviewer_id", "outcome", "new_outcome", "decided_at"
        )
    )
    return appeals, Decision.objects.count()


def clients(world: World) -> dict[str, Client]:
    admin = User.objects.create_user(username="portal-admin", password="x-not-used-123", role=Role.ADMIN)
    agency_ombudsman = User.objects.create_user(
        username="fake-ombudsman", password="x-not-used-123", role=Role.OMBUDSMAN, organisation=world.agency
    )
    people: dict[str, User | None] = {
        "anonymous": None,
        "citizen": world.citizen,
        "reviewer": world.reviewers[0],
        "supervisor": world.supervisor,
        "agency_staff": world.agency_staff,
        "agency_reviewer": world.agency_reviewer,
        "admin": admin,
        "ombudsman_of_an_agency": agency_ombudsman,
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


@pytest.fixture
def scene(db: None, settings: Any, tmp_path: Any) -> Scene:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    world = World()
    return Scene(world, at(world, "decided"))


def test_the_dashboard_has_its_routes():
    names = {r.name for r in ROUTES}
    assert {"oversight:dashboard", "oversight:export-csv", "oversight:export-json", "oversight:drilldown",
            "oversight:monthly-report"} <= names  # fmt: skip


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_only_the_ombudsman_may_open_each_route_and_nobody_changes_anything(
    scene: Scene, route: Route
) -> None:
    missing = [a for a in route.args if a not in ARGUMENTS]
    assert not missing, f"{route.name}: add how to build {missing} to ARGUMENTS"
    path = reverse(route.name, kwargs={a: ARGUMENTS[a](scene) for a in route.args})
    path += QUERIES.get(route.name, lambda s: "")(scene)
    by_actor = clients(scene.world)
    problems = []
    for actor in ACTORS:
        for method in ("GET", "POST"):
            before = state_of_everything()
            response = by_actor[actor].generic(method, path)
            status = response.status_code
            where = f"{actor} {method} {path} → {status} {response.get('Location', '')}"
            if actor == "anonymous":
                if not (status == 302 and "/sign-in/" in response.get("Location", "")):
                    problems.append(f"{where}: expected a redirect to sign-in")
            elif actor == "token":
                if status not in (401, 404):
                    problems.append(f"{where}: expected 401 or 404 for an API token")
            elif actor in ALLOWED:
                if status != (200 if method == "GET" else 405):
                    problems.append(f"{where}: expected {200 if method == 'GET' else 405}")
            elif status != 404:
                problems.append(f"{where}: expected 404")
            if state_of_everything() != before:
                problems.append(f"{where}: a case changed")
    assert not problems, "\n".join(problems)


APPEAL_ROUTES = discover(("appeals", "review", "appeals-staff"))


@pytest.mark.parametrize("step", ["waiting", "assigned", "in_review", "revealed", "decided"])
def test_the_ombudsman_changes_no_case_whatever_they_post(
    db: None, settings: Any, tmp_path: Any, step: str
) -> None:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    assert step in STEPS
    world = World()
    appeal = at(world, step, evidence=True)
    from appeals.models import Evidence

    target = Target(world, appeal, Evidence.objects.filter(appeal=appeal).order_by("id").first())  # type: ignore[arg-type]
    client = Client()
    client.force_login(world.ombudsman)
    for route in APPEAL_ROUTES:
        if any(a not in APPEAL_ARGUMENTS for a in route.args):
            continue
        path = reverse(route.name, kwargs={a: APPEAL_ARGUMENTS[a](target) for a in route.args})
        before = snapshot(appeal)
        response = client.post(
            path, {"outcome": "OVERTURNED", "reason": "x", "agrees": "yes", "has_conflict": "no"}
        )
        assert response.status_code in (404, 405), (route.name, response.status_code)
        assert snapshot(appeal) == before, route.name
