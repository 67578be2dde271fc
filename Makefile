# The two commands: `make run` (embedded defaults, demo data, http://127.0.0.1:8000) and `make test`.
PY      ?= .venv/bin/python
PIP     ?= .venv/bin/pip
VENV_OK := .venv/.installed

.PHONY: run test lint typecheck pytest bench install messages check-deploy clean

$(VENV_OK): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $(VENV_OK)

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

typecheck: $(VENV_OK)
	.venv/bin/mypy

check-deploy: $(VENV_OK)
	DJANGO_SETTINGS_MODULE=portal.settings.production DJANGO_SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))') \
	FIELD_ENCRYPTION_KEY=$$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())') \
	IIN_HASH_KEY=$$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())') \
	CLAMD_SOCKET=/run/clamav/clamd.ctl DJANGO_ALLOWED_HOSTS=appeals.example.kz $(PY) manage.py check --deploy --fail-level WARNING

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
