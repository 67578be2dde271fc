"""BENCH reviewer_queue: a supervisor's team queue page over 100,000 appeals, p95 latency, against a bare view.

Fixture (bench-only, not through the services): one decision ingested through the service, cloned with
bulk_create into 100,000 decisions, and 100,000 appeals with one ground each: 30 % waiting for a reviewer, 45 %
open with one of 20 reviewers of the supervisor's body, 25 % decided or closed; due dates spread over four
months; 10 % asked for interim protection, 5 % marked vulnerable. Then ANALYZE.

Both pages are served by the same gunicorn (2 sync workers, bench settings, full middleware; the bare view comes
from bench/bench_urls.py). One keep-alive client requests the queue page and the bare view alternately after a
warm-up; each round gives a p95 per page; the median of 3 rounds is reported. Extra lines give the p95 of a
filtered page and of a page deep in the keyset (after the 50,000th appeal).
"""

import datetime as dt
import random
import statistics
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_line, fresh_database, gunicorn, report, setup_django

APPEALS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
REQUESTS = 300
WARMUP = 40
ROUNDS = 3
REVIEWERS = 20


def bulk_appeals(
    *,
    count: int,
    decision: Any,
    appellant: Any,
    now: dt.datetime,
    state_of: Any,
    seed: int = 7,
    review_body: Any = None,
    reviewers: list[Any] | None = None,
) -> list[int]:
    """`count` decisions cloned from `decision` and one appeal with one ground on each (bench fixture).

    `state_of(i, rng)` gives each appeal's state; open appeals past the pool get `review_body` and a reviewer.
    """
    from appeals.models import Appeal, Ground
    from appeals.queues import POOL_STATES
    from explanations.models import Decision
    from portal.identifiers import new_reference

    rng = random.Random(seed)
    template = {
        f.attname: getattr(decision, f.attname) for f in Decision._meta.concrete_fields if not f.primary_key
    }
    decisions = []
    for i in range(count):
        row = dict(template)
        row.update(
            reference=new_reference(), external_id=f"bench-{seed}-{i}", content_hash=f"{seed:04d}{i:060d}"
        )
        decisions.append(Decision(**row))
    Decision.objects.bulk_create(decisions, batch_size=5000)
    del decisions
    prefix = f"bench-{seed}-"
    decision_ids = list(
        Decision.objects.filter(external_id__startswith=prefix).order_by("id").values_list("id", flat=True)
    )
    appeals = []
    today = now.date()
    for i, decision_id in enumerate(decision_ids):
        state = state_of(i, rng)
        pooled = state in POOL_STATES
        appeals.append(
            Appeal(
                reference=new_reference(),
                decision_id=decision_id,
                appellant=appellant,
                state=state,
                statement="Bench appeal",
                interim_protection="KEEP_PAYMENTS" if rng.random() < 0.10 else "NONE",
                vulnerable=rng.random() < 0.05,
                created_at=now,
                submitted_at=now - dt.timedelta(days=rng.randint(0, 60)),
                due_date=today + dt.timedelta(days=rng.randint(-30, 90)),
                review_body=None if pooled else review_body,
                reviewer=None if pooled or not reviewers else rng.choice(reviewers),
                contact_language="kk",
                outcome="OVERTURNED" if state in ("DECIDED", "CLOSED") else "",
            )
        )
    Appeal.objects.bulk_create(appeals, batch_size=5000)
    del appeals
    ids = list(
        Appeal.objects.filter(decision__external_id__startswith=prefix)
        .order_by("id")
        .values_list("id", flat=True)
    )
    kinds = ["DATA_WRONG", "CIRCUMSTANCES_MISSED", "RULE_MISAPPLIED", "OTHER"]
    Ground.objects.bulk_create(
        [Ground(appeal_id=pk, position=1, kind=kinds[pk % 4], why="Bench ground") for pk in ids],
        batch_size=5000,
    )
    return ids


def world(now: dt.datetime) -> dict[str, Any]:
    """An agency with a system, a review body with a supervisor and reviewers, a citizen with one decision."""
    from explanations.models import Decision
    from explanations.services.ingest import decisions_ingest
    from portal import crypto
    from portal.accounts.models import OrganisationKind, Role, User
    from tests import factories

    agency = factories.organisation(code="bench-agency")
    body = factories.organisation(kind=OrganisationKind.REVIEW_BODY, code="bench-body")
    system = factories.system(agency, code="bench-system", impact_level="HIGH")
    factories.model_version(system, "1.0")
    iin = factories.iin(1)
    citizen = User.objects.create_user(username="bench-citizen", role=Role.CITIZEN)
    citizen.iin_hash, citizen.iin_encrypted = crypto.lookup_hash(iin), crypto.encrypt(iin)
    citizen.save()
    supervisor = User.objects.create_user(
        username="bench-supervisor", role=Role.SUPERVISOR, organisation=body
    )
    reviewers = [
        User.objects.create_user(username=f"bench-reviewer-{i}", role=Role.REVIEWER, organisation=body)
        for i in range(REVIEWERS)
    ]
    result = decisions_ingest(
        organisation=agency,
        system_code=system.code,
        actor="bench",
        records=[factories.decision_record(1, subject_iin=iin)],
        now=now,
    )
    decision = Decision.objects.get(reference=result.created[0]["reference"])
    return {
        "agency": agency,
        "body": body,
        "system": system,
        "citizen": citizen,
        "supervisor": supervisor,
        "reviewers": reviewers,
        "decision": decision,
    }


def staff_session(user: Any) -> str:
    """A session cookie for a staff member, as after a full sign-in with the second factor."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    try:
        from portal.accounts.middleware import AUTH_METHOD
        from portal.accounts.services import METHOD_PASSWORD_TOTP

        session[AUTH_METHOD] = METHOD_PASSWORD_TOTP
    except ImportError:  # before the staff second factor existed
        pass
    session.save()
    return session.session_key or ""


def prepare(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    setup_django(env)
    from django.db import connection
    from django.utils import timezone

    from appeals.states import State

    now = timezone.now()
    w = world(now)
    body_states = [
        State.ASSIGNED,
        State.IN_REVIEW,
        State.ON_HOLD,
        State.ASSESSMENT_RECORDED,
        State.COUNTERSIGN_PENDING,
    ]

    def state_of(i: int, rng: random.Random) -> str:
        x = rng.random()
        if x < 0.30:
            return State.ADMISSIBILITY
        if x < 0.75:
            return rng.choice(body_states)
        return rng.choice([State.DECIDED, State.CLOSED])

    t0 = time.perf_counter()
    ids = bulk_appeals(
        count=APPEALS,
        decision=w["decision"],
        appellant=w["citizen"],
        now=now,
        state_of=state_of,
        review_body=w["body"],
        reviewers=w["reviewers"],
    )
    print(f"# fixture: {len(ids)} appeals in {time.perf_counter() - t0:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from appeals.models import Appeal
    from appeals.queues import POOL_STATES

    open_rows = Appeal.objects.filter(state__in=[*POOL_STATES, *body_states]).order_by("due_date", "id")
    middle = open_rows.values_list("due_date", "id")[open_rows.count() // 2]
    cookie = staff_session(w["supervisor"])
    connection.close()
    paths = {
        "queue": "/en/review/team/",
        "filtered": "/en/review/team/?ground_kind=DATA_WRONG&interim=on",
        "deep": f"/en/review/team/?after={middle[0].isoformat()},{middle[1]}",
        "bare": "/bench/bare/",
    }
    return cookie, paths


def timed(conn: HTTPConnection, path: str, cookie: str) -> float:
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}\n{body[:500]!r}")
    return elapsed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    env = fresh_database("portal_bench_queue")
    cookie, paths = prepare(env)
    with gunicorn(env, workers=2, app="bench.bench_urls:application") as (base, _proc):
        parts = urlsplit(base)
        conn = HTTPConnection(parts.hostname, parts.port, timeout=60)
        timed(conn, paths["queue"], cookie)  # also checks that the session is accepted
        for _ in range(WARMUP):
            for path in paths.values():
                timed(conn, path, cookie)
        rounds: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(ROUNDS):
            samples: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(REQUESTS):
                for name, path in paths.items():
                    samples[name].append(timed(conn, path, cookie))
            for name in paths:
                rounds[name].append(p95(samples[name]))
        conn.close()
    result = {name: statistics.median(values) for name, values in rounds.items()}
    report(
        bench_line(
            "reviewer_queue", result["queue"], "ms", f"bare_view_p95={result['bare']:.2f}ms", result["bare"]
        ),
        p95_ms=(
            f"first page {result['queue']:.1f}, filtered {result['filtered']:.1f}, deep keyset page "
            f"{result['deep']:.1f}, bare view {result['bare']:.1f} ({APPEALS} appeals, {REQUESTS} requests "
            f"per page per round, median of {ROUNDS} rounds)"
        ),
        rounds={name: [round(v, 1) for v in values] for name, values in rounds.items()},
    )


if __name__ == "__main__":
    main()
