"""BENCH rollup_refresh: the incremental refresh of the oversight rollups after 10,000 new decisions, against a
full rebuild of every rollup, in the same run, over 1,000,000 decisions and 100,000 appeals.

Fixture: the dashboard bench's (bench/bench_dashboard.py, loaded with INSERT ... SELECT generate_series), then a
full rebuild. Each round inserts 10,000 more decisions (the same generator, new ids) and times
``rollup_refresh()``: it folds only the new ids (the appeal side is unchanged, so it is not rebuilt). The anchor
is ``rollup_rebuild()`` on the same data: every decision regrouped, every appeal cell recomputed. Median of
3 rounds each. An extra line gives a refresh after appeals changed too (1,000 appeals decided: the appeal side is
rebuilt).
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_dashboard import build_fixture
from bench.common import bench_line, fresh_database, report, setup_django

DECISIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
NEW = 10_000
ROUNDS = 3


def add_decisions(count: int) -> None:
    """`count` copies of existing decisions with new ids, decided now (as a day's ingest would add)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            f"""
            INSERT INTO explanations_decision (reference, system_id, model_version_id, external_id,
                subject_iin_hash, subject_iin_encrypted, household_id, region, settlement, sex, age_band, disability,
                decided_at, notified, notified_at, outcome, score, inputs, attributions, human_involvement,
                human_role, human_note, reproducibility, replayed_score, replayed_outcome, supersedes_id,
                content_hash, batch_id, ingested_at)
            SELECT 'N' || lpad((m.top + s.id)::text, 12, '0'), system_id, model_version_id, 'n-' || (m.top + s.id),
                subject_iin_hash, subject_iin_encrypted, household_id, region, settlement, sex, age_band, disability,
                now(), notified, CASE WHEN notified THEN now() END, outcome, score, inputs, attributions,
                human_involvement, human_role, human_note, reproducibility, replayed_score, replayed_outcome, NULL,
                content_hash, batch_id, now()
            FROM explanations_decision s, (SELECT max(id) AS top FROM explanations_decision) m
            WHERE s.id <= {count}
            """
        )


def decide_appeals(count: int) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            f"""
            UPDATE appeals_appeal SET state = 'DECIDED', outcome = 'OVERTURNED', new_outcome = 'X', decided_at = now()
            WHERE id IN (SELECT id FROM appeals_appeal WHERE state = 'IN_REVIEW' ORDER BY id LIMIT {count})
            """
        )
        c.execute(
            f"""INSERT INTO appeals_timelineevent (appeal_id, code, actor_role, from_state, to_state, reason, data, at)
            SELECT id, 'appeal.review.decided', 'assigned_reviewer', 'IN_REVIEW', 'DECIDED', '', '{{}}'::jsonb, now()
            FROM appeals_appeal WHERE state = 'DECIDED' ORDER BY decided_at DESC LIMIT {count}"""
        )


def main() -> None:
    env = fresh_database("portal_bench_rollups")
    setup_django(env)
    from oversight.rollups import rollup_rebuild, rollup_refresh

    build_fixture(DECISIONS)
    t0 = time.perf_counter()
    rollup_rebuild()
    print(f"# first rebuild (cold): {time.perf_counter() - t0:.1f} s", flush=True)

    incremental, rebuilds = [], []
    for _ in range(ROUNDS):
        add_decisions(NEW)
        t0 = time.perf_counter()
        result = rollup_refresh()
        incremental.append(time.perf_counter() - t0)
        assert result.decisions_folded == NEW and not result.appeals_rebuilt, result
        t0 = time.perf_counter()
        rollup_rebuild()
        rebuilds.append(time.perf_counter() - t0)
    decide_appeals(1000)
    add_decisions(NEW)
    t0 = time.perf_counter()
    result = rollup_refresh()
    with_appeals = time.perf_counter() - t0
    assert result.appeals_rebuilt, result
    value, anchor = statistics.median(incremental), statistics.median(rebuilds)
    report(
        bench_line("rollup_refresh", value, "s", "full_rebuild", anchor),
        incremental_runs_s=", ".join(f"{x:.2f}" for x in incremental),
        rebuild_runs_s=", ".join(f"{x:.1f}" for x in rebuilds),
        refresh_with_appeal_side_rebuilt_s=f"{with_appeals:.2f}",
        decisions=DECISIONS,
        new_decisions_per_round=NEW,
    )


if __name__ == "__main__":
    main()
