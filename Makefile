# The two commands: `make run` (embedded defaults, demo data, http://127.0.0.1:8000) and `make test`.
PY      ?= .venv/bin/python
PIP     ?= .venv/bin/pip
VENV_OK := .venv/.installed

.PHONY: run test lint typecheck pytest bench install messages check-deploy clean smoke audit lock

# The locked set (requirements.lock, every package pinned with its hashes) is what gets installed, here and in CI;
# `make lock` regenerates it after a change to pyproject.toml's dependencies.
$(VENV_OK): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --require-hashes -r requirements.lock
	$(PIP) install -q --no-deps -e .
	touch $(VENV_OK)

# requirements.lock: everything (runtime + dev extra) for development and CI; requirements-prod.lock: the runtime
# set alone, for the image, at the same versions (constrained by the first). Both from pyproject.toml, with hashes.
LOCK_OPTS := -q --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock:
	test -x .venv/bin/pip-compile || $(PIP) install -q pip-tools
	.venv/bin/pip-compile $(LOCK_OPTS) --extra dev --output-file requirements.lock pyproject.toml
	mkdir -p var && sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' requirements.lock > var/lock-constraints.txt
	.venv/bin/pip-compile $(LOCK_OPTS) -c var/lock-constraints.txt --output-file requirements-prod.lock pyproject.toml

# Known vulnerabilities in the locked set; says NOT AUDITED (instead of "no known vulnerabilities") when the
# vulnerability data cannot be reached. AUDIT_STRICT=1 fails the run then too.
audit: $(VENV_OK)
	$(PY) .ci/dependency_audit.py requirements.lock $(if $(AUDIT_STRICT),--strict)

# Production settings for real: release step, gunicorn + Celery worker + beat from the Procfile, a walk over HTTP.
smoke: $(VENV_OK)
	bash deploy/smoke/run.sh

install: $(VENV_OK)

run: $(VENV_OK)
	mkdir -p var
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/docs/)"
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py runserver 127.0.0.1:8000

lint: $(VENV_OK)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check . || (echo "run: .venv/bin/ruff format ." && false)
	.venv/bin/lint-imports

typecheck: $(VENV_OK)
	.venv/bin/mypy

check-deploy: $(VENV_OK)
	DJANGO_SETTINGS_MODULE=portal.settings.production DJANGO_SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))') \
	FIELD_ENCRYPTION_KEY=$$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())') \
	IIN_HASH_KEY=$$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())') \
	CLAMD_SOCKET=/run/clamav/clamd.ctl CACHE_URL=redis://127.0.0.1:6379/1 \
	SMS_GATEWAY=portal.sms.HttpSMSGateway SMS_HTTP_URL=https://sms.example.kz/v1/messages SMS_HTTP_SECRET=check-only \
	DJANGO_ALLOWED_HOSTS=appeals.example.kz $(PY) manage.py check --deploy --fail-level WARNING

pytest: $(VENV_OK)
	$(PY) -m pytest -q

test: lint typecheck check-deploy pytest

bench: $(VENV_OK)
	$(PY) bench/run_all.py

messages: $(VENV_OK)
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py makemessages -l kk -l ru -l en --ignore=.venv --ignore=node_modules --ignore=bench
	DJANGO_SETTINGS_MODULE=portal.settings.local $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
