#!/usr/bin/env python3
"""A stub SMS provider for tests and the production smoke test (Python standard library only).

It speaks the provider side of portal.sms.HttpSMSGateway: it accepts POST (any path) with a JSON body
{"message_id", "to", "text"}, signed with

    X-Timestamp: <unix seconds>
    X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

and refuses (401) a missing, wrong or stale (over 300 s) signature, 400 a malformed body. An accepted message
is appended once per message_id as one JSON line {"id", "message_id", "to", "text", "received_at"} to the
output file, and answered 200 {"id": "<stub id>", "message_id": ...}; the same message_id again gets the same
id and is not written twice (the provider's idempotency). With --callback it then POSTs a signed delivery
status {"message_id", "id", "status": "delivered"} to the portal's /sms/status/, like a real provider.

Command line (every option also from the environment):

    python3 deploy/sms_stub.py --port 8025 --secret "$SMS_HTTP_SECRET" --out /tmp/sms.jsonl \
        [--host 127.0.0.1] [--callback http://127.0.0.1:8000/sms/status/] [--fail-first N]

    --host        SMS_STUB_HOST      address to listen on (default 127.0.0.1)
    --port        SMS_STUB_PORT      port (default 8025; 0 picks a free one, printed on start)
    --secret      SMS_HTTP_SECRET    the shared secret (required)
    --out         SMS_STUB_OUT       the JSON-lines file of received messages (required)
    --callback    SMS_STUB_CALLBACK  where to POST delivery statuses (default: none)
    --fail-first  SMS_STUB_FAIL_FIRST  answer 503 to the first N valid requests (to exercise retries)

The portal is pointed at it with SMS_GATEWAY=portal.sms.HttpSMSGateway, SMS_HTTP_URL=http://127.0.0.1:8025/
and the same SMS_HTTP_SECRET. On start it prints "sms-stub listening on http://HOST:PORT/" and flushes. The
newest one-time code sent to a number: the last line of the file whose "to" is that number.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_AGE = 300
MAX_BODY = 64 * 1024


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, timestamp: str | None, header: str | None, body: bytes) -> bool:
    if not timestamp or not header or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], *, secret: str, out: str, callback: str = "", fail_first: int = 0
    ) -> None:
        super().__init__(address, _Handler)
        self.secret, self.out, self.callback, self.fail_first = secret, out, callback, fail_first
        self.lock = threading.Lock()
        self.ids: dict[str, str] = {}
        self.requests = 0

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def accept(self, message: dict[str, Any]) -> str:
        """The stub id for this message, writing it to the file the first time only."""
        with self.lock:
            known = self.ids.get(message["message_id"])
            if known is not None:
                return known
            stub_id = f"stub-{len(self.ids) + 1}"
            self.ids[message["message_id"]] = stub_id
            line = {
                "id": stub_id,
                "message_id": message["message_id"],
                "to": message["to"],
                "text": message["text"],
                "received_at": time.time(),
            }
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
            return stub_id

    def report(self, message_id: str, stub_id: str) -> None:
        body = json.dumps({"message_id": message_id, "id": stub_id, "status": "delivered"}).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - an address given on the command line
            self.callback,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Timestamp": timestamp,
                "X-Signature": sign(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310
                pass
        except OSError as exc:
            print(f"sms-stub: status callback failed: {exc}", file=sys.stderr, flush=True)


class _Handler(BaseHTTPRequestHandler):
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:  # no numbers or texts on the console
        pass

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"error": "too large"})
            return
        body = self.rfile.read(length)
        if not signature_ok(
            self.server.secret, self.headers.get("X-Timestamp"), self.headers.get("X-Signature"), body
        ):
            self._answer(401, {"error": "bad signature"})
            return
        try:
            message = json.loads(body)
            fields = [message.get(k) for k in ("message_id", "to", "text")]
        except (ValueError, AttributeError):
            self._answer(400, {"error": "body must be a JSON object"})
            return
        if not all(isinstance(v, str) and v for v in fields):
            self._answer(400, {"error": "message_id, to and text are required strings"})
            return
        with self.server.lock:
            self.server.requests += 1
            failing = self.server.requests <= self.server.fail_first
        if failing:
            self._answer(503, {"error": "try again later"})
            return
        stub_id = self.server.accept(message)
        self._answer(200, {"id": stub_id, "message_id": message["message_id"]})
        if self.server.callback:
            threading.Thread(target=self.server.report, args=(message["message_id"], stub_id)).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("SMS_STUB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SMS_STUB_PORT", "8025")))
    parser.add_argument("--secret", default=os.environ.get("SMS_HTTP_SECRET", ""))
    parser.add_argument("--out", default=os.environ.get("SMS_STUB_OUT", ""))
    parser.add_argument("--callback", default=os.environ.get("SMS_STUB_CALLBACK", ""))
    parser.add_argument("--fail-first", type=int, default=int(os.environ.get("SMS_STUB_FAIL_FIRST", "0")))
    args = parser.parse_args(argv)
    if not args.secret or not args.out:
        parser.error("--secret (or SMS_HTTP_SECRET) and --out (or SMS_STUB_OUT) are required")
    server = StubServer(
        (args.host, args.port),
        secret=args.secret,
        out=args.out,
        callback=args.callback,
        fail_first=args.fail_first,
    )
    print(f"sms-stub listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
