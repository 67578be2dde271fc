# The portal's one image: web (gunicorn), worker and beat (Celery) and the release step all run from it.
#   docker build -t appeal-portal .     then     docker compose up    (compose.yaml)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production

# WeasyPrint's Pango, fonts that cover Kazakh Cyrillic, gettext for compilemessages; nothing else.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core \
      fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The locked set first, so that a code change does not reinstall every dependency.
# requirements-prod.lock: the runtime set only (no test, lint or audit tools), every package hash-checked.
COPY requirements-prod.lock pyproject.toml ./
RUN pip install --require-hashes -r requirements-prod.lock
COPY . .
RUN pip install --no-deps --no-build-isolation -e . \
 && python manage.py compilemessages --ignore=.venv >/dev/null \
 && useradd --system --uid 10001 --home /app portal \
 && mkdir -p /app/var/static /app/var/private /app/var/audit \
 && chown -R portal /app/var

USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "deploy/probe.py", "/healthz"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi:application"]
