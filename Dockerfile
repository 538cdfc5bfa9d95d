# exporthub: one image for the web server, the worker and the migration step (bin/serve).
#   docker build -t exporthub .
#   docker run --env-file .env exporthub web|worker|migrate
# See "Deploying" in README.md; compose.yaml runs the whole set.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHON=python \
    EXPORTHUB_DATA_DIR=/data \
    EXPORTHUB_STATIC_ROOT=/app/staticfiles \
    EXPORTHUB_BIND=0.0.0.0:8000

RUN groupadd --system --gid 10001 exporthub \
    && useradd --system --uid 10001 --gid exporthub --home-dir /app --shell /usr/sbin/nologin exporthub

WORKDIR /app
# Dependencies first, pinned by the lock, so this layer is rebuilt only when they change.
COPY pyproject.toml requirements.lock README.md ./
COPY exporthub/__init__.py exporthub/__init__.py
RUN pip install -c requirements.lock '.[postgres,redis,beancount,sentry]' \
    && pip uninstall --yes exporthub
# The application itself, installed in place (its templates and static files live beside it).
COPY . .
RUN pip install --no-deps -c requirements.lock -e . \
    && SECRET_KEY=collectstatic-only \
       EXPORTHUB_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWwtayE= \
       DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
       python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /data && chown exporthub:exporthub /data

USER exporthub
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "manage.py", "healthcheck", "--scope", "web"]
ENTRYPOINT ["bin/serve"]
CMD ["web"]
