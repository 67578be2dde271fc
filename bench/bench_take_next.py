"""BENCH take_next: 20 reviewers pressing "take next" at once on PostgreSQL, in claims per second, against a naive
claim measured in the same run.

The service (`appeals.services.core.appeal_take_next`) picks the most urgent appeal the reviewer is independent of
in one ORM query with `FOR UPDATE OF … SKIP LOCKED` (the independence rule of appeals.permissions.independent_of
and the queue order in the same statement, so it is not checked again), assigns it, and writes the timeline, the
hash-chained audit record and the notifications in the same transaction. The anchor is the least a claim can cost: one
autocommit `UPDATE … WHERE id = (SELECT … ORDER BY due_date, id LIMIT 1 FOR UPDATE SKIP LOCKED)` per claim, from
the same 20 threads over the same number of waiting appeals. Each run drains its own fresh set of appeals (bulk
fixture, not through the services); runs alternate anchor and service; the median of 3 is reported, and every run
checks that no appeal was claimed twice. Each reviewer runs in a process of their own, as requests do on
gunicorn's sync workers (threads of one process would measure the GIL, not the claim).

Notifications are published to a Redis database of their own (BENCH_BROKER_URL, default db 11), emptied after.
"""

import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_line, fresh_database, report, setup_django

APPEALS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
REVIEWERS = 20
RUNS = 3
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")

NAIVE_CLAIM = """
    UPDATE appeals_appeal SET state = 'ASSIGNED', reviewer_id = %s, assigned_at = now()
    WHERE id = (SELECT id FROM appeals_appeal WHERE state = 'ADMISSIBILITY'
                ORDER BY due_date, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id
"""


def _reviewer_process(args: tuple[int, str, Any, Any, Any]) -> None:
    """One reviewer at their own sync worker: claim until nothing is left, put the claimed ids on `out`."""
    reviewer_id, claim_name, barrier, out, errors = args
    from django.db import connection

    from portal.accounts.models import User

    claim = {"naive": naive_claim, "service": service_claim}[claim_name]
    claimed: list[int] = []
    try:
        reviewer = User.objects.select_related("organisation").get(pk=reviewer_id)
        connection.ensure_connection()
        barrier.wait()
        while (pk := claim(reviewer)) is not None:
            claimed.append(pk)
    except BaseException as exc:  # reported by the parent
        errors.put(repr(exc))
    finally:
        out.put(claimed)
        connection.close()


def drain(reviewers: list[Any], claim_name: str) -> tuple[float, list[int]]:
    """Each reviewer in a process of their own (as on gunicorn's sync workers) claims until nothing is left;
    (claims per second from the common start to the last claim, claimed ids)."""
    from django.db import connections

    connections.close_all()  # forked children open their own
    ctx = multiprocessing.get_context("fork")
    barrier, out, errors = ctx.Barrier(len(reviewers) + 1), ctx.Queue(), ctx.Queue()
    procs = [
        ctx.Process(target=_reviewer_process, args=((r.pk, claim_name, barrier, out, errors),))
        for r in reviewers
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    claimed = [pk for _ in procs for pk in out.get()]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    if not errors.empty():
        raise SystemExit(f"a reviewer process failed: {errors.get()}")
    return len(claimed) / elapsed, claimed


def naive_claim(reviewer: Any) -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(NAIVE_CLAIM, [reviewer.pk])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def service_claim(reviewer: Any) -> int | None:
    from appeals.exceptions import NothingToTake
    from appeals.services.core import appeal_take_next

    try:
        return appeal_take_next(reviewer=reviewer).pk
    except NothingToTake:
        return None


def check(claimed: list[int], expected: list[int], what: str) -> None:
    doubles = [pk for pk, n in Counter(claimed).items() if n > 1]
    if doubles or sorted(claimed) != sorted(expected):
        raise SystemExit(
            f"{what}: {len(doubles)} appeals claimed twice, {len(claimed)} of {len(expected)} claimed"
        )


def main() -> None:
    env = fresh_database("portal_bench_take_next")
    env["CELERY_BROKER_URL"] = BROKER
    setup_django(env)
    import redis
    from django.db import connection
    from django.utils import timezone

    from appeals.models import TimelineEvent
    from appeals.states import State
    from bench.bench_reviewer_queue import bulk_appeals, world

    now = timezone.now()
    w = world(now)
    reviewers = w["reviewers"][:REVIEWERS]

    def fresh_pool(seed: int) -> list[int]:
        ids = bulk_appeals(
            count=APPEALS,
            decision=w["decision"],
            appellant=w["citizen"],
            now=now,
            seed=seed,
            state_of=lambda i, rng: State.ADMISSIBILITY,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appeals_appeal")
        connection.close()
        return ids

    naive_rates, service_rates = [], []
    try:
        for run in range(RUNS):
            ids = fresh_pool(100 + run)
            rate, claimed = drain(reviewers, "naive")
            check(claimed, ids, "naive claim")
            naive_rates.append(rate)

            ids = fresh_pool(200 + run)
            rate, claimed = drain(reviewers, "service")
            check(claimed, ids, "appeal_take_next")
            assigned = Counter(
                TimelineEvent.objects.filter(appeal_id__in=ids, code="appeal.assigned").values_list(
                    "appeal_id", flat=True
                )
            )
            if set(assigned.values()) != {1} or len(assigned) != len(ids):
                raise SystemExit("appeal_take_next: an appeal was assigned twice or not at all")
            service_rates.append(rate)
            print(f"# run {run + 1}: naive {naive_rates[-1]:.0f}/s, take_next {rate:.0f}/s", flush=True)
    finally:
        redis.Redis.from_url(BROKER).flushdb()

    service, naive = statistics.median(service_rates), statistics.median(naive_rates)
    report(
        bench_line("take_next", service, "claims/s", f"plain_update_claims={naive:.0f}claims/s", naive),
        runs={
            "take_next": [round(r) for r in service_rates],
            "plain_update": [round(r) for r in naive_rates],
        },
        setup=(
            f"{REVIEWERS} reviewer processes, {APPEALS} waiting appeals per run, PostgreSQL, "
            "audit chain + outbox included"
        ),
    )


if __name__ == "__main__":
    main()
