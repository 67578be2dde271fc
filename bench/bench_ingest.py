"""BENCH ingest_api: 100,000 decisions through the HTTP API into PostgreSQL, against a COPY of the same rows.

The server is gunicorn with bench (production-like) settings; the client posts 10 batches of 10,000 from two
threads (an agency's loader uploads several batches at once). The anchor copies the very rows the API stored,
with the same indexes and constraints, in the same run. The server's peak memory is reported too.
"""

import datetime as dt
import io
import json
import random
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    ROOT,
    bench_line,
    children_of,
    fresh_database,
    gunicorn,
    peak_rss_mb,
    report,
    setup_django,
)

TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BATCH = 10_000
CLIENTS = 2


def make_records(spec: dict, n: int, seed: int = 7) -> list[dict]:
    from explanations.spec import compile_spec
    from portal.identifiers import make_iin

    rng = random.Random(seed)
    model = compile_spec(spec)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    records = []
    for i in range(n):
        values = {}
        for f in spec["features"]:
            if f["type"] == "number":
                values[f["name"]] = round(rng.uniform(f["min"], min(f["max"], f["min"] + 500_000)), 2)
            elif f["type"] == "integer":
                values[f["name"]] = rng.randint(f["min"], min(f["max"], f["min"] + 10))
            elif f["type"] == "boolean":
                values[f["name"]] = rng.random() < 0.3
            elif f["type"] == "category":
                values[f["name"]] = rng.choice(f["categories"])
            else:
                values[f["name"]] = "2026-01-01"
        result = model.score(values)
        while True:
            try:
                iin = make_iin(
                    f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                    f"{rng.choice('34')}{rng.randint(0, 9999):04d}"
                )
                break
            except ValueError:
                continue
        records.append(
            {
                "external_id": f"b-{i}",
                "model_version": "1.0",
                "subject_iin": iin,
                "household_id": f"hh-{i // 3}",
                "group": {
                    "region": rng.choice(["Astana", "Almaty", "Shymkent", "Turkestan"]),
                    "settlement": rng.choice(["URBAN", "RURAL"]),
                    "sex": rng.choice("FM"),
                    "age_band": "30-44",
                },
                "decided_at": (start + dt.timedelta(seconds=i)).isoformat(),
                "notified": i % 3 != 0,
                "notified_at": None if i % 3 == 0 else (start + dt.timedelta(seconds=i, days=1)).isoformat(),
                "outcome": result.outcome,
                "score": result.score,
                "inputs": {
                    f["name"]: {
                        "value": values[f["name"]],
                        "source": f["source"],
                        "as_of_date": "2025-12-01",
                        "collection": "registry",
                    }
                    for f in spec["features"]
                },
                "human_involvement": {"kind": "NONE"},
            }
        )
    return records


def main() -> None:
    env = fresh_database("portal_bench_ingest")
    setup_django(env)
    from django.db import connection, transaction

    from explanations.models import Decision
    from explanations.services.model_versions import model_version_register
    from portal.accounts.models import Organisation
    from portal.api.tokens import token_issue
    from tests import factories

    spec = json.loads((ROOT / "docs" / "examples" / "scorecard.json").read_text())
    spec = spec.get("spec", spec)
    org = Organisation.objects.create(code="mlsp", kind="AGENCY", name=factories.i18n("MLSP"))
    system = factories.system(org, code="family-card")
    model_version_register(
        organisation=org,
        system_code=system.code,
        payload=factories.version_payload("1.0", spec),
        actor="bench",
    )
    _, clear = token_issue(organisation_code="mlsp", name="bench", actor="bench")
    records = make_records(spec, TOTAL)
    bodies = [json.dumps({"decisions": records[i : i + BATCH]}).encode() for i in range(0, TOTAL, BATCH)]
    connection.close()

    with gunicorn(env, workers=CLIENTS) as (url, proc):
        workers = children_of(proc.pid)
        idle_rss = peak_rss_mb(workers)
        errors: list[str] = []
        queue = list(enumerate(bodies))
        lock = threading.Lock()

        def client() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    idx, body = queue.pop(0)
                req = urllib.request.Request(
                    f"{url}/api/v1/systems/family-card/decisions/",
                    data=body,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": f"Token {clear}",
                        "Idempotency-Key": f"bench-{idx}",
                    },
                )
                try:
                    with urllib.request.urlopen(req, timeout=600) as resp:
                        if resp.status != 201:
                            errors.append(f"batch {idx}: {resp.status}")
                except Exception as exc:
                    errors.append(f"batch {idx}: {exc}")

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        api_seconds = time.perf_counter() - t0
        peak = peak_rss_mb(workers)
    if errors:
        raise SystemExit(f"ingest failed: {errors[:3]}")
    stored = Decision.objects.count()
    assert stored == TOTAL, stored

    table = Decision._meta.db_table
    with connection.cursor() as cursor:
        buf = io.BytesIO()
        with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
            for chunk in copy:
                buf.write(chunk)
        data = buf.getvalue()
        cursor.execute(
            f"DROP TABLE IF EXISTS anchor_copy; CREATE TABLE anchor_copy (LIKE {table} INCLUDING ALL)"
        )
    connection.commit() if not connection.get_autocommit() else None
    with transaction.atomic(), connection.cursor() as cursor:
        t0 = time.perf_counter()
        with cursor.cursor.copy("COPY anchor_copy FROM STDIN") as copy:
            for i in range(0, len(data), 1 << 20):
                copy.write(data[i : i + (1 << 20)])
        copy_seconds = time.perf_counter() - t0

    api_rate = TOTAL / api_seconds
    copy_rate = TOTAL / copy_seconds
    report(
        bench_line("ingest_api", api_rate, "rows/s", f"pg_copy_same_rows={copy_rate:.0f}rows/s", copy_rate),
        api_seconds=f"{api_seconds:.2f}",
        copy_seconds=f"{copy_seconds:.2f}",
    )
    report(
        bench_line("ingest_api_server_peak_rss", peak, "MB", f"idle_worker_rss={idle_rss:.0f}MB", idle_rss)
    )


if __name__ == "__main__":
    main()
