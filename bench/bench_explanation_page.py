"""BENCH explanation_page: a citizen's explanation page under concurrent load, against a bare Django view.

Both are served by the same gunicorn (two sync workers per core, as docs/deployment.md runs it; bench
settings: DEBUG off, cached templates, persistent connections, full middleware) in the same run; the bare view
is added by the bench-only URLconf bench/bench_urls.py. The page is requested as a signed-in citizen (with
the cookies a browser holds), after its explanation has been computed and stored once, as every later view of
it is. The bare view is requested without a session (the framework's ceiling, as in
shared/design/reliability.md) and, for comparison, with the same cookies (then the session and user look-ups
every signed-in request makes are in both).

Load: wrk when installed (closed loop, keep-alive), else a Python multi-process closed-loop client. Each
endpoint is measured 3 times, alternating, after a warm-up; the median throughput is reported with its p99.
A second, paced run at 70 % of the page's measured maximum gives the p99 at the load the target refers to.
"""

import datetime as dt
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_line, fresh_database, gunicorn, report, setup_django

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
CONNECTIONS = 16
RUNS = 3
# As docs/deployment.md runs the web process: two workers per core.
WORKERS = 2 * (os.cpu_count() or 1)


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """A citizen with a silent assessment (scorecard) and a session; returns (page path, Cookie header).

    The Cookie header is what a browser that has seen the page before sends: every cookie the portal set
    (the session; the CSRF cookie, without which every response would mint a new CSRF secret)."""
    setup_django(env)
    from django.test import Client

    from explanations.models import Decision
    from explanations.services.explain import explanation_get_or_compute
    from tests.explanations.citizen import builders

    system = builders.system_for("scorecard")
    user, iin = builders.citizen()
    for month in range(1, 4):  # a few decisions about the person, like a real account
        builders.decide(
            system, iin=iin, kind="scorecard", decided_at=dt.datetime(2025, month, 3, 9, tzinfo=dt.UTC)
        )
    decision: Decision = builders.decide(system, iin=iin, kind="scorecard", notified=False)
    explanation_get_or_compute(decision=decision)
    import bench.bench_urls  # noqa: F401  (the URLconf and static storage gunicorn serves with)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    path = f"/en/decisions/{decision.reference}/"
    assert client.get(path).status_code == 200  # as a browser would: it now holds the CSRF cookie too
    from django.db import connection

    connection.close()
    return path, "; ".join(f"{name}={morsel.value}" for name, morsel in sorted(client.cookies.items()))


# --- load generators ---------------------------------------------------------------------------------------


def _cookie_args(cookie: str) -> list[str]:
    return ["-H", f"Cookie: {cookie}"] if cookie else []


def wrk(url: str, cookie: str, duration: float) -> tuple[float, float]:
    """(requests/s, p99 ms) from wrk; fails on any non-2xx answer."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration:.0f}s",
            "--latency",
            *_cookie_args(cookie),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rate, float(p99.group(1)) * scale


def _client(args: tuple[str, str, float, float, int]) -> list[float]:
    """One keep-alive client: closed loop, or paced at `rate` req/s when rate > 0. Returns latencies (ms)."""
    url, cookie, duration, rate, seed = args
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[float] = []
    start = time.perf_counter()
    next_at = start + (seed % 7) * 0.001
    while True:
        now = time.perf_counter()
        if now - start >= duration:
            break
        if rate > 0:
            if now < next_at:
                time.sleep(next_at - now)
            next_at += 1.0 / rate
        t0 = time.perf_counter()
        conn.request("GET", parts.path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
        latencies.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return latencies


def python_load(
    url: str, cookie: str, duration: float, *, rate: float = 0.0, clients: int = CONNECTIONS
) -> tuple[float, float]:
    """(requests/s, p99 ms) from `clients` processes; paced to `rate` in total when rate > 0."""
    per_client = rate / clients if rate > 0 else 0.0
    with multiprocessing.Pool(clients) as pool:
        t0 = time.perf_counter()
        results = pool.map(_client, [(url, cookie, duration, per_client, i) for i in range(clients)])
        elapsed = time.perf_counter() - t0
    latencies = sorted(x for r in results for x in r)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    return len(latencies) / max(elapsed, duration), p99


def measure(url: str, cookie: str, duration: float) -> tuple[float, float]:
    if shutil.which("wrk"):
        return wrk(url, cookie, duration)
    return python_load(url, cookie, duration)


def main() -> None:
    env = fresh_database("portal_bench_page")
    path, cookie = prepare(env)
    generator = "wrk" if shutil.which("wrk") else "python"

    with gunicorn(env, workers=WORKERS, app="bench.bench_urls:application") as (base, _proc):
        page_url, bare_url = f"{base}{path}", f"{base}/bench/bare/"
        _wait_until_workers_answer(bare_url)
        for url, with_cookie in ((page_url, cookie), (bare_url, ""), (bare_url, cookie)):  # warm-up
            measure(url, with_cookie, 3)
        pages, bares, signed_in_bares = [], [], []
        for _ in range(RUNS):
            pages.append(measure(page_url, cookie, DURATION))
            bares.append(measure(bare_url, "", DURATION))
            signed_in_bares.append(measure(bare_url, cookie, DURATION))
        page_rate, page_p99 = _median(pages)
        bare_rate, bare_p99 = _median(bares)
        session_rate, _ = _median(signed_in_bares)
        paced_rate, paced_p99 = python_load(page_url, cookie, DURATION, rate=0.7 * page_rate, clients=8)

    # The target is two numbers (ratio >= 0.3 of the bare view, p99 < 50 ms at 70 % load): the p99 goes in the
    # anchor text, so that the one BENCH line carries both.
    anchor = f"bare_view={bare_rate:.0f}req/s(page_p99_at_70pct_load={paced_p99:.1f}ms)"
    report(
        bench_line("explanation_page", page_rate, "req/s", anchor, bare_rate),
        p99_ms_at_max_load=(
            f"page {page_p99:.1f} ms, bare view {bare_p99:.1f} ms ({generator}, {CONNECTIONS} connections)"
        ),
        p99_ms_at_70pct_load=f"{paced_p99:.1f} ms at {paced_rate:.0f} req/s (target < 50 ms)",
        bare_view_with_the_same_session=(
            f"{session_rate:.0f} req/s: the page is {page_rate / session_rate:.2f} of it "
            "(session and user look-ups are part of every signed-in request)"
        ),
        runs=json.dumps(
            {
                "page": [round(r) for r, _ in pages],
                "bare": [round(r) for r, _ in bares],
                "bare_with_session": [round(r) for r, _ in signed_in_bares],
            }
        ),
    )


def _wait_until_workers_answer(url: str) -> None:
    """gunicorn accepts connections before its workers have loaded Django: wait until both answer quickly."""
    parts = urlsplit(url)
    deadline = time.monotonic() + 60
    fast = 0
    while fast < 50 and time.monotonic() < deadline:
        conn = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        t0 = time.perf_counter()
        conn.request("GET", parts.path)
        conn.getresponse().read()
        conn.close()
        fast = fast + 1 if time.perf_counter() - t0 < 0.05 else 0


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs)


if __name__ == "__main__":
    main()
