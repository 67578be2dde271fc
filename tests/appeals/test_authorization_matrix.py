"""Authorization matrix: every appeal page and endpoint × every kind of actor × GET and POST.

Routes are discovered from the resolver (namespaces in NAMESPACES), so a new page is covered the day it is added:
a page of the review desk without a row in REVIEW_RULES fails here until someone says who may use it, and a new
appellant's page gets the default rule (only the appellant; only citizens for pages about no appeal). Arguments
are built by name (ARGUMENTS); a new argument name fails until it is added there.

Expected: anonymous → a redirect to a sign-in page; an agency's API token → 401 or 404 (a token never signs in to
a page); an actor the rule allows → 200 or a redirect that is not to a sign-in page (405 where the route does not
take that method); everyone else → 404 (405 where the route does not take that method at all). A refused POST
changes nothing: the appeal's state, reviewer, outcome and fields, its timeline, grounds, evidence, declarations,
assessments and countersignatures, and the number of appeals on its decision are all as before.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from appeals.models import (
    Appeal,
    Assessment,
    ConflictDeclaration,
    Countersignature,
    Evidence,
    Ground,
    TimelineEvent,
)
from portal.accounts.models import User
from tests import factories

from .conftest import World
from .review.builders import STEPS, at, drafted

NAMESPACES = ("appeals", "review")
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
    "token_owner",
    "token_other",
)
CITIZENS = frozenset({"appellant", "other_citizen"})
REVIEWERS = frozenset({"assigned_reviewer", "other_reviewer"})
REVIEW_STAFF = REVIEWERS | {"supervisor"}
ASSIGNED = frozenset({"assigned_reviewer"})
SUPERVISOR = frozenset({"supervisor"})


@dataclass(frozen=True)
class Rule:
    step: str  # "draft", or a step of tests/appeals/review/builders.STEPS: where the target appeal stands
    get: frozenset[str]  # actors allowed to GET
    post: frozenset[str]  # actors allowed to POST


def same(step: str, actors: frozenset[str]) -> Rule:
    return Rule(step, actors, actors)


REVIEW_RULES = {
    "review:home": same("waiting", REVIEW_STAFF),
    "review:mine": same("waiting", REVIEWERS),
    "review:team": same("waiting", REVIEW_STAFF),
    "review:take-next": same("waiting", REVIEWERS),
    "review:countersign-list": same("waiting", SUPERVISOR),
    "review:workspace": same("assigned", ASSIGNED | SUPERVISOR),
    "review:conflict": same("assigned", ASSIGNED),
    "review:start": same("declared", ASSIGNED),
    "review:hold": same("in_review", ASSIGNED),
    "review:resume": same("on_hold", ASSIGNED),
    "review:inadmissible": same("assigned", ASSIGNED),
    "review:recuse": same("assigned", ASSIGNED),
    "review:assess": same("in_review", ASSIGNED),
    "review:reveal": same("assessed", ASSIGNED),
    "review:decide": same("revealed", ASSIGNED),
    "review:countersign": same("countersign", SUPERVISOR),
    "review:assign": same("waiting", SUPERVISOR),
}
# The appellant's pages follow the default rule; these are the exceptions.
APPEALS_RULES = {
    # Evidence is for whoever may see the appeal (appeals.permissions.can_view_appeal).
    "appeals:evidence-file": same(
        "assigned", frozenset({"appellant", "assigned_reviewer", "supervisor", "ombudsman"})
    ),
    # The decision letter exists once the appeal is decided.
    "appeals:letter": same("decided", frozenset({"appellant"})),
}


def default_appeals_rule(path: str, args: list[str]) -> Rule:
    if not args:
        return same("waiting", CITIZENS)
    return same("draft" if "/draft/" in path else "waiting", frozenset({"appellant"}))


@dataclass
class Target:
    world: World
    appeal: Appeal
    evidence: Evidence


ARGUMENTS: dict[str, Callable[[Target], Any]] = {
    "reference": lambda t: t.appeal.reference,
    "decision_reference": lambda t: t.appeal.decision.reference,
    "evidence_id": lambda t: t.evidence.pk,
    "position": lambda t: 1,
    "kind": lambda t: "OTHER",
}


@dataclass(frozen=True)
class Route:
    name: str
    namespace: str
    args: tuple[str, ...]


def discover() -> list[Route]:
    def walk(patterns: list[Any], namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace in NAMESPACES:
                yield Route(f"{namespace}:{p.name}", namespace, tuple(getattr(p.pattern, "converters", {})))

    return sorted(set(walk(get_resolver().url_patterns, "")), key=lambda r: r.name)


ROUTES = discover()


def build(world: World, step: str) -> Target:
    appeal = drafted(world, evidence=True) if step == "draft" else at(world, step, evidence=True)
    return Target(world, appeal, Evidence.objects.filter(appeal=appeal).order_by("id").first())  # type: ignore[arg-type]


def snapshot(appeal: Appeal) -> tuple[Any, ...]:
    a = Appeal.objects.get(pk=appeal.pk)
    fields = (
        a.state,
        a.reviewer_id,
        a.review_body_id,
        a.outcome,
        a.new_outcome,
        a.statement,
        a.late_reason,
        a.interim_protection,
        a.contact_channel,
        a.contact_language,
        a.due_date,
        a.decided_at,
    )
    related = tuple(
        list(model.objects.filter(appeal=a).order_by("id").values_list("id", flat=True))
        for model in (TimelineEvent, Ground, Evidence, ConflictDeclaration, Assessment, Countersignature)
    )
    return (*fields, *related, Appeal.objects.filter(decision_id=a.decision_id).count())


def clients(world: World) -> dict[str, Client]:
    people: dict[str, User | None] = {
        "anonymous": None,
        "appellant": world.citizen,
        "other_citizen": world.other_citizen,
        "assigned_reviewer": world.reviewers[0],
        "other_reviewer": world.reviewers[1],
        "agency_staff": world.agency_staff,
        "agency_reviewer": world.agency_reviewer,
        "supervisor": world.supervisor,
        "ombudsman": world.ombudsman,
    }
    out = {}
    for actor, user in people.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        out[actor] = client
    other_agency = factories.organisation(code="other-agency")
    out["token_owner"] = Client(HTTP_AUTHORIZATION=f"Token {factories.token(world.agency)}")
    out["token_other"] = Client(HTTP_AUTHORIZATION=f"Token {factories.token(other_agency)}")
    return out


def _to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and "/sign-in/" in response.get("Location", "")


def test_the_matrix_covers_the_review_desk():
    names = {r.name for r in ROUTES}
    assert set(REVIEW_RULES) <= names, set(REVIEW_RULES) - names


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_every_actor_gets_what_the_rule_says(
    world: World, route: Route, settings: Any, tmp_path: Any
) -> None:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    if route.namespace == "review":
        assert route.name in REVIEW_RULES, f"{route.name}: add a row to REVIEW_RULES saying who may use it"
    missing = [a for a in route.args if a not in ARGUMENTS]
    assert not missing, f"{route.name}: add how to build {missing} to ARGUMENTS"

    probe_rule = REVIEW_RULES.get(route.name) or APPEALS_RULES.get(route.name)
    target = build(world, probe_rule.step if probe_rule else "waiting")
    path = reverse(route.name, kwargs={a: ARGUMENTS[a](target) for a in route.args})
    rule = probe_rule or default_appeals_rule(path, list(route.args))
    if probe_rule is None and rule.step != "waiting":
        target = build(world, rule.step)
        path = reverse(route.name, kwargs={a: ARGUMENTS[a](target) for a in route.args})
    assert rule.step in (*STEPS, "draft")
    by_actor = clients(world)
    problems: list[str] = []
    owner_status: dict[str, int] = {}

    # Refused actors first: each of their requests must leave the appeal exactly as it was.
    order = sorted(ACTORS, key=lambda a: a in rule.get | rule.post)
    for actor in order:
        for method in ("GET", "POST"):
            allowed = actor in (rule.get if method == "GET" else rule.post)
            before = snapshot(target.appeal)
            response = by_actor[actor].generic(method, path)
            status = response.status_code
            where = f"{actor} {method} {path} → {status} {response.get('Location', '')}"
            if actor == "anonymous":
                if not _to_sign_in(response):
                    problems.append(f"{where}: expected a redirect to sign-in")
            elif actor.startswith("token_"):
                if status not in (401, 404):
                    problems.append(f"{where}: expected 401 or 404 for an API token")
            elif allowed:
                owner_status.setdefault(method, status)
                if status not in (200, 302, 405) or _to_sign_in(response):
                    problems.append(f"{where}: expected 200, 302 or 405 for an allowed actor")
            elif status not in (404, 405):
                problems.append(f"{where}: expected 404")
            if not allowed and snapshot(target.appeal) != before:
                problems.append(f"{where}: a refused request changed the appeal")
            if not allowed and status == 405:
                # Only where the route does not take this method at all (checked below, against its owner).
                problems.append(f"405? {where}")
    confirmed = []
    for line in problems:
        if line.startswith("405? "):
            method = line.split(" ")[2]
            if owner_status.get(method) != 405:
                confirmed.append(line[5:] + ": expected 404 (the route takes this method)")
        else:
            confirmed.append(line)
    assert not confirmed, "\n".join(confirmed)


def test_the_matrix_finds_the_appellants_pages_when_they_exist():
    names = {r.name for r in ROUTES}
    if any(n.startswith("appeals:") for n in names):
        assert "appeals:detail" in names or "appeals:my-appeals" in names


def test_refused_posts_are_refused_before_any_change_even_with_valid_looking_data(world: World) -> None:
    """The review desk's forms filled in by someone who may not use them: 404 and nothing changes."""
    data = {
        "review:conflict": ("assigned", {"has_conflict": "yes", "note": "x"}),
        "review:hold": ("in_review", {"reason": "x"}),
        "review:recuse": ("assigned", {"reason": "x"}),
        "review:inadmissible": ("assigned", {"reason": "x"}),
        "review:assess": (
            "in_review",
            {
                "outcome": "DECISION_UPHELD",
                "reasons": "x",
                "finding_1": "ACCEPTED",
                "reasons_1": "x",
                "finding_2": "ACCEPTED",
                "reasons_2": "x",
            },
        ),
        "review:decide": ("revealed", {"outcome": "DECISION_UPHELD", "justification": "x"}),
        "review:countersign": ("countersign", {"agrees": "yes"}),
        "review:assign": ("waiting", {"reviewer": str(world.reviewers[1].pk)}),
    }
    by_actor = clients(world)
    for name, (step, form) in data.items():
        target = at(world, step)
        path = reverse(name, args=[target.reference])
        for actor in sorted(set(ACTORS) - REVIEW_RULES[name].post - {"anonymous"}):
            before = snapshot(target)
            response = by_actor[actor].post(path, form)
            assert response.status_code in (401, 404), (name, actor, response.status_code)
            assert snapshot(target) == before, (name, actor)
