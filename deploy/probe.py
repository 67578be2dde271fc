"""Container health probe: GET a probe path on this node with a Host the portal serves; exit 0 on 200.

    python deploy/probe.py /healthz      (liveness)    python deploy/probe.py /readyz   (readiness)

Django answers 400 to a Host outside DJANGO_ALLOWED_HOSTS, so the probe sends the first allowed name instead of
127.0.0.1. Standard library only; never follows redirects.
"""

import http.client
import os
import sys


def main(path: str) -> int:
    host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip() or "localhost"
    port = int(os.environ.get("PROBE_PORT", "8000"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        conn.request("GET", path, headers={"Host": host})
        status = conn.getresponse().status
    except OSError as exc:
        print(f"probe {path}: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if status != 200:
        print(f"probe {path}: HTTP {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/healthz"))
