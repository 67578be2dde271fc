#!/usr/bin/env sh
# The release step: run once per deployment, before new web/worker processes start (Procfile `release`,
# compose's `release` service). Safe to repeat: migrations and collectstatic are idempotent.
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-python}
$PY manage.py check --deploy --fail-level WARNING
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput
