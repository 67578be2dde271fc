# ruff: noqa: E501  (the anchor's SQL reads better unwrapped)
"""BENCH dashboard: the ombudsman's dashboard over 1,000,000 decisions and 100,000 appeals, p95 page time,
against a full-scan GROUP BY of the same numbers in the same run.

Fixture (bench-only, loaded with INSERT ... SELECT generate_series, not through the services): three systems
(two scorecards with a near-threshold band, one linear model) with two model versions each; 1,000,000
decisions over the last 24 months with random regions (17), settlement, sex, age band, disability, notice,
scores and reproducibility; 100,000 appeals against every tenth decision in every state (60 % decided or
closed), one or two grounds each, the deciding reviewer's assessment with findings and minutes, and the
correction notices of accepted "data wrong" grounds; 20 reviewers in two review bodies. Then ANALYZE and a
full rollup rebuild (its time is printed as an extra line).

Value: p95 of GET /en/oversight/ (reverse("oversight:dashboard")) through Django's test Client in this process,
signed in as an ombudsman with the second factor, bench settings (no debug, cached templates): the whole page
with every table and chart. The requests cycle through four filter sets (the default last 12 months, a
quarter, one system, one region) after a warm-up; the rollups are fresh, as the beat keeps them.

Anchor: the same numbers computed directly from the decisions and appeals tables with GROUP BY (per version:
decisions, silent, near threshold, not reproducible; per region and each group attribute; appeals, appealed
decisions, decided, overturned per version and per group; days-to-outcome percentiles and deadlines;
backlog; grounds; data errors by source; reviewer signals), for the default filters; median of 5 runs.
"""

import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_line, fresh_database, report, setup_django

DECISIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
APPEAL_EVERY = 10  # one appeal per tenth decision: 100,000
REQUESTS = 60
WARMUP = 8
REGIONS = [
    "Abai", "Akmola", "Aktobe", "Almaty region", "Atyrau", "East Kazakhstan", "Jambyl", "Jetisu",
    "West Kazakhstan", "Karaganda", "Kostanay", "Kyzylorda", "Mangystau", "Pavlodar", "North Kazakhstan",
    "Turkistan", "Ulytau",
]  # fmt: skip


def i18n(text: str) -> dict[str, str]:
    return {"kk": text, "ru": text, "en": text}


SCORECARD = {
    "kind": "scorecard",
    "features": [
        {"name": "income", "type": "number", "min": 0, "max": 1000000, "mutable": True, "source": "GBD_INCOME",
         "label": i18n("Income")},
        {"name": "children", "type": "integer", "min": 0, "max": 15, "mutable": True, "source": "GBD_FL",
         "label": i18n("Children")},
        {"name": "vehicle", "type": "boolean", "mutable": True, "source": "MIA_VEHICLES", "label": i18n("Car")},
    ],
    "outcomes": [
        {"code": "SUPPORT", "label": i18n("Support"), "favourable": True},
        {"code": "NO_SUPPORT", "label": i18n("No support"), "favourable": False},
    ],
    "base_points": 50,
    "bins": {
        "income": [{"lower": None, "upper": 50000, "points": -30}, {"lower": 50000, "upper": None, "points": 0}],
        "children": [{"lower": None, "upper": 3, "points": 0}, {"lower": 3, "upper": None, "points": -15}],
        "vehicle": [{"category": True, "points": 10}, {"category": False, "points": 0}],
    },
    "reference_bins": {"income": 1, "children": 0, "vehicle": 1},
    "bands": [{"min_score": None, "outcome": "SUPPORT"}, {"min_score": 30, "outcome": "NO_SUPPORT"}],
}  # fmt: skip
LINEAR = {
    "kind": "linear",
    "features": [
        {"name": "income", "type": "number", "min": 0, "max": 1000, "mutable": True, "source": "GBD_INCOME",
         "label": i18n("Income")},
        {"name": "vehicle", "type": "boolean", "mutable": True, "source": "MIA_VEHICLES", "label": i18n("Car")},
    ],
    "outcomes": [
        {"code": "ELIGIBLE", "label": i18n("Eligible"), "favourable": True},
        {"code": "NOT_ELIGIBLE", "label": i18n("Not eligible"), "favourable": False},
    ],
    "intercept": 10,
    "coefficients": {"income": 0.5, "vehicle": 40},
    "baseline": {"income": 500, "vehicle": False},
    "threshold": 200,
    "outcome_at_or_above": "NOT_ELIGIBLE",
    "outcome_below": "ELIGIBLE",
}  # fmt: skip


def _staff_session(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    try:
        from portal.accounts.middleware import AUTH_METHOD
        from portal.accounts.services import METHOD_PASSWORD_TOTP

        session[AUTH_METHOD] = METHOD_PASSWORD_TOTP
    except ImportError:
        pass
    session.save()
    return session.session_key or ""


def build_fixture(decisions: int = DECISIONS) -> dict[str, Any]:
    """The systems, people, decisions and appeals described in the module docstring (Django set up)."""
    import copy

    from django.db import connection
    from django.utils import timezone

    from explanations.models import AlgorithmicSystem
    from explanations.services.model_versions import model_version_register
    from portal.accounts.models import Organisation, OrganisationKind, Role, User

    now = timezone.now()
    agency = Organisation.objects.create(code="agency", kind=OrganisationKind.AGENCY, name=i18n("Agency"))
    bodies = [
        Organisation.objects.create(
            code=f"body-{i}", kind=OrganisationKind.REVIEW_BODY, name=i18n(f"Body {i}")
        )
        for i in range(2)
    ]
    office = Organisation.objects.create(
        code="ombudsman", kind=OrganisationKind.OMBUDSMAN, name=i18n("Ombudsman")
    )
    ombudsman = User.objects.create_user(username="ombudsman", password="x-bench-123", role=Role.OMBUDSMAN,
                                         organisation=office)  # fmt: skip
    citizen = User.objects.create_user(username="citizen", password="x-bench-123", role=Role.CITIZEN)
    reviewers = [
        User.objects.create_user(
            username=f"rev{i}", password="x-bench-123", role=Role.REVIEWER, organisation=bodies[i % 2]
        )
        for i in range(20)
    ]
    versions = []
    for s, (code, spec, band) in enumerate(
        [("dfc", SCORECARD, 5.0), ("aid", SCORECARD, None), ("pmt", LINEAR, None)]
    ):
        system = AlgorithmicSystem.objects.create(
            code=code, operator=agency, name=i18n(f"System {code}"), summary=i18n("s"), purpose=i18n("p"),
            legal_basis=i18n("l"), decision_type="BENEFIT", affected_population=i18n("a"),
            automation_level="DECIDES", human_involvement=i18n("h"), impact_level="HIGH",
            data_sources=[{"code": "GBD_INCOME", "name": i18n("Income registry"), "contributes": i18n("x")}],
            known_limitations=i18n("k"), appeal_window_days=30, review_deadline_working_days=20,
            near_threshold_band=band, contact_email="x@example.kz",
        )  # fmt: skip
        for v in (1, 2):
            payload = {
                "version": f"{v}.0",
                "released_at": (now - dt.timedelta(days=800 - 365 * v + s)).isoformat(),
                "dataset": {"name": "d", "version": "1", "sha256": "a" * 64},
                "parameters": {},
                "change_note": i18n("n"),
                "performance": {},
                "spec": copy.deepcopy(spec),
            }
            created, _ = model_version_register(
                organisation=agency, system_code=code, payload=payload, actor="bench"
            )
            versions.append((created.pk, system.pk, spec["kind"]))
    vs = "ARRAY[" + ",".join(str(v[0]) for v in versions) + "]"
    ss = "ARRAY[" + ",".join(str(v[1]) for v in versions) + "]"
    kinds = "ARRAY[" + ",".join(f"'{v[2]}'" for v in versions) + "]"
    regions = "ARRAY[" + ",".join(f"'{r}'" for r in REGIONS) + "]"
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SELECT setseed(0.42)")
        c.execute(
            f"""
            INSERT INTO explanations_decision (reference, system_id, model_version_id, external_id,
                subject_iin_hash, subject_iin_encrypted, household_id, region, settlement, sex, age_band, disability,
                decided_at, notified, notified_at, outcome, score, inputs, attributions, human_involvement,
                human_role, human_note, reproducibility, replayed_score, replayed_outcome, supersedes_id,
                content_hash, batch_id, ingested_at)
            SELECT 'B' || lpad(i::text, 12, '0'), ({ss})[v], ({vs})[v], 'b-' || i, md5(i::text), '\\x00'::bytea,
                'hh-' || (i % 300000), ({regions})[1 + (i::bigint * 7919) % 17],
                (ARRAY['URBAN','RURAL','URBAN',''])[1 + (i / 3) % 4], (ARRAY['F','M','F','M',''])[1 + (i / 5) % 5],
                (ARRAY['0-17','18-29','30-44','45-59','60+','30-44',''])[1 + (i / 7) % 7],
                (ARRAY[true,false,false,false,null])[1 + (i / 11) % 5],
                d, notified, CASE WHEN notified THEN d END,
                CASE WHEN ({kinds})[v] = 'linear' THEN (CASE WHEN score >= 200 THEN 'NOT_ELIGIBLE' ELSE 'ELIGIBLE' END)
                     ELSE (CASE WHEN score >= 30 THEN 'NO_SUPPORT' ELSE 'SUPPORT' END) END,
                score,
                jsonb_build_object('income', jsonb_build_object('value', 1, 'source',
                    CASE WHEN i % 13 = 0 THEN 'ALT_INCOME' ELSE 'GBD_INCOME' END, 'as_of_date', '2025-01-01',
                    'collection', 'registry'),
                  'vehicle', jsonb_build_object('value', false, 'source', 'MIA_VEHICLES', 'as_of_date', '2025-01-01',
                    'collection', 'registry'),
                  'children', jsonb_build_object('value', 1, 'source', 'GBD_FL', 'as_of_date', '2025-01-01',
                    'collection', 'registry')),
                NULL, 'NONE', '', '',
                (ARRAY['REPRODUCED','REPRODUCED','REPRODUCED','REPRODUCED','REPRODUCED','REPRODUCED','REPRODUCED',
                       'REPRODUCED','REPRODUCED','MISMATCH'])[1 + (i * 31) % 10],
                NULL, '', NULL, md5(i::text) || md5(i::text), gen_random_uuid(), d
            FROM (
                SELECT i, 1 + (i % 6) AS v,
                       now() - make_interval(secs => (({decisions} - i)::float8 / {decisions}) * 730 * 86400) AS d,
                       (i % 10) < 6 AS notified,
                       CASE WHEN (i % 6) >= 4 THEN round((10 + random() * 540)::numeric, 3)::float8
                            ELSE floor(random() * 66)::float8 END AS score
                FROM generate_series(1, {decisions}) AS i
            ) s
            """
        )
        print(f"# fixture: {decisions} decisions in {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        states = "ARRAY['DECIDED','DECIDED','CLOSED','DECIDED','CLOSED','DECIDED','SUBMITTED','IN_REVIEW','ON_HOLD','ASSIGNED','WITHDRAWN','INADMISSIBLE','ESCALATED','DECIDED','CLOSED','ADMISSIBILITY','ASSESSMENT_RECORDED','DECIDED','COUNTERSIGN_PENDING','DECIDED']"
        reviewer_ids = "ARRAY[" + ",".join(str(r.pk) for r in reviewers) + "]"
        body_ids = "ARRAY[" + ",".join(str(r.organisation_id) for r in reviewers) + "]"
        c.execute(
            f"""
            INSERT INTO appeals_appeal (reference, decision_id, appellant_id, state, statement, late_reason,
                interim_protection, contact_channel, contact_language, vulnerable, frozen_decision_hash,
                review_body_id, reviewer_id, created_at, submitted_at, assigned_at, due_date, held_working_days,
                outcome, new_outcome, decided_at, quality_review)
            SELECT 'A' || lpad(d.id::text, 12, '0'), d.id, {citizen.pk}, st, '', '', 'NONE', 'EMAIL', 'kk', false, '',
                ({body_ids})[1 + r], ({reviewer_ids})[1 + r], sub, sub, sub,
                (sub AT TIME ZONE 'Asia/Almaty')::date + 28,
                0,
                CASE WHEN st IN ('DECIDED','CLOSED') OR st = 'COUNTERSIGN_PENDING' THEN
                    (ARRAY['DECISION_UPHELD','OVERTURNED','PARTLY_OVERTURNED','DECISION_UPHELD'])[1 + (d.id / 10) % 4]
                    ELSE '' END,
                '',
                CASE WHEN st IN ('DECIDED','CLOSED') THEN sub + make_interval(secs => random() * 50 * 86400) END,
                false
            FROM (
                SELECT id, decided_at + make_interval(secs => random() * 20 * 86400) AS sub,
                       ({states})[1 + (id / 10) % 20] AS st, (id / 10) % 20 AS r
                FROM explanations_decision WHERE id % {APPEAL_EVERY} = 0
            ) d
            """
        )
        c.execute("UPDATE appeals_appeal SET outcome = 'DECISION_UPHELD' WHERE state = 'COUNTERSIGN_PENDING'")
        c.execute(
            """
            INSERT INTO appeals_ground (appeal_id, position, kind, why, feature, correct_value, circumstance)
            SELECT id, 1, (ARRAY['DATA_WRONG','CIRCUMSTANCES_MISSED','RULE_MISAPPLIED','DATA_WRONG','OTHER'])
                   [1 + (id * 3) % 5], 'why', CASE WHEN (id * 3) % 5 IN (0, 3) THEN 'income' ELSE '' END, '', ''
            FROM appeals_appeal
            UNION ALL
            SELECT id, 2, (ARRAY['DISCRIMINATION','PROCEDURAL_FAULT','DATA_WRONG'])[1 + id % 3], 'why',
                   CASE WHEN id % 3 = 2 THEN 'vehicle' ELSE '' END, '', ''
            FROM appeals_appeal WHERE id % 2 = 0
            """
        )
        c.execute(
            """
            INSERT INTO appeals_assessment (appeal_id, reviewer_id, outcome, new_outcome, ground_findings, reasons,
                recorded_at, revealed_at, final_outcome, final_new_outcome, change_justification, decided_at,
                seconds_spent)
            SELECT id, reviewer_id,
                CASE WHEN id % 7 = 0 THEN 'OVERTURNED' ELSE outcome END, '',
                jsonb_build_array(jsonb_build_object('ground', 1, 'finding',
                    CASE WHEN id % 3 = 0 THEN 'ACCEPTED' ELSE 'REJECTED' END, 'reasons', 'r'),
                  jsonb_build_object('ground', 2, 'finding', CASE WHEN id % 2 = 0 THEN 'ACCEPTED' ELSE 'REJECTED' END,
                    'reasons', 'r')),
                'r', submitted_at, submitted_at, outcome, '',
                CASE WHEN id % 7 = 0 AND outcome <> 'OVERTURNED' THEN 'changed' ELSE '' END,
                COALESCE(decided_at, submitted_at), 60 + (id * 37) % 5400
            FROM appeals_appeal WHERE outcome <> ''
            """
        )
        c.execute(
            """
            INSERT INTO appeals_registrycorrection (appeal_id, decision_id, feature, source, recorded_value,
                correct_value, status, created_at)
            SELECT a.id, a.decision_id, g.feature, d.inputs -> g.feature ->> 'source', '1'::jsonb, '0', 'SENT',
                   a.decided_at
            FROM appeals_appeal a JOIN appeals_ground g ON g.appeal_id = a.id
            JOIN explanations_decision d ON d.id = a.decision_id
            JOIN appeals_assessment s ON s.appeal_id = a.id AND s.reviewer_id = a.reviewer_id
            WHERE a.decided_at IS NOT NULL AND g.kind = 'DATA_WRONG'
              AND s.ground_findings @> jsonb_build_array(jsonb_build_object('ground', g.position,
                                                                             'finding', 'ACCEPTED'))
            """
        )
        c.execute("SELECT count(*) FROM appeals_appeal")
        n_appeals = c.fetchone()[0]
        print(f"# fixture: {n_appeals} appeals with grounds, assessments, corrections in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
        c.execute("ANALYZE")
    return {"ombudsman": ombudsman, "systems": ["dfc", "aid", "pmt"], "appeals": n_appeals}


# --- the anchor: the same numbers straight from the base tables ------------------------------------------------

ANCHOR_SQL = [
    # per version: decisions, silent, near threshold (band per version), not reproducible, favourable outcomes
    """SELECT d.model_version_id, count(*), count(*) FILTER (WHERE NOT d.notified),
              count(*) FILTER (WHERE (v.spec->>'kind') = 'scorecard' AND abs(d.score - 30) <= coalesce(s.near_threshold_band, 3.0)
                                  OR (v.spec->>'kind') = 'linear' AND abs(d.score - 200) <= 27),
              count(*) FILTER (WHERE d.reproducibility = 'MISMATCH'),
              count(*) FILTER (WHERE d.reproducibility = 'NOT_REPLAYABLE'),
              count(*) FILTER (WHERE d.outcome IN ('NO_SUPPORT', 'NOT_ELIGIBLE'))
       FROM explanations_decision d JOIN explanations_modelversion v ON v.id = d.model_version_id
       JOIN explanations_algorithmicsystem s ON s.id = d.system_id
       WHERE d.decided_at >= %(start)s AND d.decided_at < %(end)s GROUP BY 1""",
    # per region and per group attribute
    *[
        f"""SELECT {col}, count(*), count(*) FILTER (WHERE NOT notified),
                   count(*) FILTER (WHERE outcome IN ('NO_SUPPORT', 'NOT_ELIGIBLE'))
            FROM explanations_decision WHERE decided_at >= %(start)s AND decided_at < %(end)s GROUP BY 1"""
        for col in ("region", "settlement", "sex", "age_band", "disability")
    ],
    # appeal side per version and per group: appeals, appealed decisions, decided, overturned
    *[
        f"""SELECT d.{col}, count(*), count(DISTINCT a.decision_id),
                   count(*) FILTER (WHERE a.decided_at IS NOT NULL),
                   count(*) FILTER (WHERE a.decided_at IS NOT NULL AND a.outcome IN ('OVERTURNED','PARTLY_OVERTURNED'))
            FROM appeals_appeal a JOIN explanations_decision d ON d.id = a.decision_id
            WHERE a.submitted_at IS NOT NULL AND d.decided_at >= %(start)s AND d.decided_at < %(end)s
            GROUP BY 1"""
        for col in ("model_version_id", "system_id", "region", "settlement", "sex", "age_band", "disability")
    ],
    # time to outcome and deadlines
    """SELECT d.model_version_id, count(*),
              percentile_disc(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM a.decided_at - a.submitted_at) / 86400)),
              percentile_disc(0.9) WITHIN GROUP (ORDER BY floor(extract(epoch FROM a.decided_at - a.submitted_at) / 86400)),
              count(*) FILTER (WHERE (a.decided_at AT TIME ZONE 'Asia/Almaty')::date <= a.due_date)
       FROM appeals_appeal a JOIN explanations_decision d ON d.id = a.decision_id
       WHERE a.decided_at >= %(start)s AND a.decided_at < %(end)s GROUP BY 1""",
    # backlog by age
    """SELECT d.model_version_id, width_bucket(current_date - (a.submitted_at AT TIME ZONE 'Asia/Almaty')::date,
              ARRAY[8, 31, 91]), count(*)
       FROM appeals_appeal a JOIN explanations_decision d ON d.id = a.decision_id
       WHERE a.state IN ('SUBMITTED','ADMISSIBILITY','ASSIGNED','IN_REVIEW','ON_HOLD','ASSESSMENT_RECORDED',
                         'COUNTERSIGN_PENDING') GROUP BY 1, 2""",
    # grounds and data errors by source registry
    """SELECT d.system_id, g.kind, count(*), count(*) FILTER (WHERE a.decided_at IS NOT NULL)
       FROM appeals_ground g JOIN appeals_appeal a ON a.id = g.appeal_id JOIN explanations_decision d ON d.id = a.decision_id
       WHERE a.submitted_at IS NOT NULL AND d.decided_at >= %(start)s AND d.decided_at < %(end)s GROUP BY 1, 2""",
    """SELECT d.inputs -> g.feature ->> 'source', count(*), count(*) FILTER (WHERE a.decided_at IS NOT NULL)
       FROM appeals_ground g JOIN appeals_appeal a ON a.id = g.appeal_id JOIN explanations_decision d ON d.id = a.decision_id
       WHERE g.kind = 'DATA_WRONG' AND d.decided_at >= %(start)s AND d.decided_at < %(end)s GROUP BY 1""",
    """SELECT c.source, count(*) FROM appeals_registrycorrection c JOIN explanations_decision d ON d.id = c.decision_id
       WHERE d.decided_at >= %(start)s AND d.decided_at < %(end)s GROUP BY 1""",
    # reviewer signals
    """SELECT s.reviewer_id, a.review_body_id, count(*), count(*) FILTER (WHERE s.final_outcome = 'DECISION_UPHELD'),
              count(*) FILTER (WHERE s.final_outcome <> s.outcome),
              percentile_disc(0.5) WITHIN GROUP (ORDER BY s.seconds_spent / 60)
       FROM appeals_assessment s JOIN appeals_appeal a ON a.id = s.appeal_id
       WHERE s.decided_at >= %(start)s AND s.decided_at < %(end)s GROUP BY 1, 2""",
]  # fmt: skip


def anchor_seconds(start: dt.datetime, end: dt.datetime) -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as c:
        for sql in ANCHOR_SQL:
            c.execute(sql, {"start": start, "end": end})
            c.fetchall()
    return time.perf_counter() - t0


def use_plain_static_urls() -> None:
    """As bench/bench_urls.py: no collected manifest in a bench run, so plain static URLs (the same work)."""
    from django.conf import settings
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    storages.__dict__.pop("backends", None)
    storages._storages = {}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    env = fresh_database("portal_bench_dashboard")
    setup_django(env)
    use_plain_static_urls()
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone, translation

    from oversight.rollups import rollup_rebuild
    from oversight.selectors import Period, add_months

    fixture = build_fixture()
    t0 = time.perf_counter()
    rollup_rebuild()
    rebuild = time.perf_counter() - t0
    print(f"# rollup rebuild (1st, cold): {rebuild:.1f} s", flush=True)

    cookie = _staff_session(fixture["ombudsman"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = cookie
    with translation.override("en"):
        url = reverse("oversight:dashboard")
    period = Period.last_months(12)
    quarter = Period(add_months(period.to_month, -2), period.to_month)
    queries = [
        {},
        {"period_from": f"{quarter.from_month:%Y-%m}", "period_to": f"{quarter.to_month:%Y-%m}"},
        {"system": "dfc"},
        {"region": "Karaganda"},
    ]

    def get(query: dict[str, str]) -> float:
        t = time.perf_counter()
        response = client.get(url, query)
        elapsed = (time.perf_counter() - t) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}\n{response.content[:500]!r}")
        return elapsed

    for i in range(WARMUP):
        get(queries[i % len(queries)])
    samples = [get(queries[i % len(queries)]) for i in range(REQUESTS)]
    value = p95(samples)

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.from_month, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end_exclusive, dt.time.min, tzinfo=tz)
    anchor_seconds(start, end)  # warm the cache as the pages were
    anchors = [anchor_seconds(start, end) * 1000 for _ in range(5)]
    anchor = statistics.median(anchors)
    report(
        bench_line("dashboard", value, "ms", "full_scan_group_by", anchor),
        median_page_ms=f"{statistics.median(samples):.1f}",
        anchor_runs_ms=", ".join(f"{a:.0f}" for a in anchors),
        rollup_rebuild_s=f"{rebuild:.1f}",
        decisions=DECISIONS,
        appeals=fixture["appeals"],
    )


if __name__ == "__main__":
    main()
