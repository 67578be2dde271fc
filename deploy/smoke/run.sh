#!/usr/bin/env bash
# `make smoke`: production settings for real, then a scripted walk over HTTP that fails on any 5xx.
#
# 1. A fresh PostgreSQL database and Redis database; secrets generated for this run only.
# 2. The release step (deploy/release.sh: check --deploy, migrate, collectstatic) under production settings.
# 3. Demo data loaded with `load_demo` under *local* settings pointed at the same database and keys (the loader
#    refuses production settings: it publishes passwords).
# 4. The Procfile's web (gunicorn, DEBUG off), worker and beat (real Celery on real Redis) started by honcho,
#    with an SMS provider stub (deploy/sms_stub.py, signed HTTP) and an SMTP sink (aiosmtpd) beside them.
# 5. deploy/smoke/walk.py: public pages, citizen sign-in with the code the stub received, explanation, appeal,
#    review and decision, letter PDF, agency outcome poll.
# 6. Every process's log is searched for tracebacks and 5xx; any found fails the run.
#
# The SMS stub does not call the portal's delivery-status endpoint here: a real provider calls the public HTTPS
# address, and this hop is plain HTTP (tests/accounts cover the signed callback).
#
# Needs PostgreSQL (SMOKE_PG, default postgres://postgres@127.0.0.1:5432), Redis (SMOKE_REDIS_URL) and clamd
# (CLAMD_SOCKET, else deploy/clamav/start.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PY=${PY:-$ROOT/.venv/bin/python}
export PATH="$ROOT/.venv/bin:$PATH"

PG=${SMOKE_PG:-postgres://postgres@127.0.0.1:5432}
DB=${SMOKE_DB:-portal_smoke}
REDIS=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/3}
CACHE=${SMOKE_CACHE_URL:-redis://127.0.0.1:6379/4}
case "$DB" in portal_smoke*) ;; *) echo "smoke: SMOKE_DB must start with portal_smoke (it is dropped)" >&2; exit 2;; esac
RUN=$(mktemp -d /tmp/portal-smoke.XXXXXX)
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WEB_PORT=$(free_port)
SMS_PORT=$(free_port)
SMTP_PORT=$(free_port)
pids=()

cleanup() {
  status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 2
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    echo "smoke: FAILED (exit $status); last lines of each log:" >&2
    for f in "$RUN"/*.log; do echo "--- $f" >&2; tail -n 40 "$f" >&2 || true; done
  fi
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  [ -n "${SMOKE_KEEP:-}" ] || rm -rf "$RUN"
  exit "$status"
}
trap cleanup EXIT

# Uploads are scanned by a real clamd (production refuses to start without CLAMD_SOCKET).
CLAMD_SOCKET=${CLAMD_SOCKET:-$(bash deploy/clamav/start.sh | tail -n 1)}

secret() { "$PY" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
SMS_SECRET=$(secret)
cat > "$RUN/env" <<EOF
DJANGO_SETTINGS_MODULE=portal.settings.production
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
FIELD_ENCRYPTION_KEY=$(secret)
IIN_HASH_KEY=$(secret)
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
TRUSTED_PROXIES=127.0.0.1/32
DATABASE_URL=$PG/$DB
CACHE_URL=$CACHE
CELERY_BROKER_URL=$REDIS
EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
EMAIL_HOST=127.0.0.1
EMAIL_PORT=$SMTP_PORT
SMS_GATEWAY=portal.sms.HttpSMSGateway
SMS_HTTP_URL=http://127.0.0.1:$SMS_PORT/messages
SMS_HTTP_SECRET=$SMS_SECRET
PRIVATE_MEDIA_ROOT=$RUN/private
STATIC_ROOT=$RUN/static
AUDIT_CHECKPOINT_DIR=$RUN/audit
CELERY_BEAT_SCHEDULE_FILE=$RUN/celerybeat-schedule
CELERY_CONCURRENCY=2
GUNICORN_BIND=127.0.0.1:$WEB_PORT
WEB_CONCURRENCY=2
FORWARDED_ALLOW_IPS=127.0.0.1
CLAMD_SOCKET=$CLAMD_SOCKET
EOF
set -a; . "$RUN/env"; set +a

echo "smoke: database $DB, web http://127.0.0.1:$WEB_PORT, logs in $RUN"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
"$PY" -c "import redis, sys; [redis.Redis.from_url(u).flushdb() for u in sys.argv[1:]]" "$CELERY_BROKER_URL" "$CACHE_URL"

echo "smoke: release step"
PY="$PY" sh deploy/release.sh > "$RUN/release.log" 2>&1
echo "smoke: demo data"
env -u SMS_GATEWAY DJANGO_SETTINGS_MODULE=portal.settings.local CELERY_TASK_ALWAYS_EAGER=true \
  EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend "$PY" manage.py load_demo > "$RUN/demo.txt" 2> "$RUN/demo.log"

"$PY" deploy/sms_stub.py --host 127.0.0.1 --port "$SMS_PORT" --secret "$SMS_SECRET" --out "$RUN/sms.jsonl" \
  > "$RUN/sms.log" 2>&1 & pids+=($!)
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Debugging stdout > "$RUN/smtp.log" 2>&1 & pids+=($!)
honcho -f Procfile -e "$RUN/env" start web worker beat > "$RUN/processes.log" 2>&1 & pids+=($!)

echo "smoke: waiting for /readyz"
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.5
done
[ -n "${ready:-}" ] || { echo "smoke: /readyz never answered 200" >&2; exit 1; }

"$PY" deploy/smoke/walk.py --base-url "http://127.0.0.1:$WEB_PORT" --sms-log "$RUN/sms.jsonl" \
  --demo-output "$RUN/demo.txt" 2>&1 | tee "$RUN/walk.log"

# Anything the walk did not see: a traceback in any process, a 5xx in gunicorn's access log.
if grep -n "Traceback (most recent call last)" "$RUN"/processes.log "$RUN"/release.log "$RUN"/sms.log; then
  echo "smoke: a process logged a traceback" >&2; exit 1
fi
if grep -nE '" 5[0-9]{2} ' "$RUN/processes.log"; then echo "smoke: gunicorn served a 5xx" >&2; exit 1; fi
echo "smoke: passed"
