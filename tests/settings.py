"""Test settings: the real settings module with a handful of test-only values."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
# A fixed Fernet key for tests only.
os.environ.setdefault("EXPORTHUB_ENCRYPTION_KEYS", "VGVzdHNPbmx5S2V5Rm9yRXhwb3J0aHViMDAwMDAwMDA=")
os.environ.setdefault("EXPORTHUB_PLEO_WEBHOOK_SECRET", "tests-only-webhook-secret")
os.environ.setdefault("EXPORTHUB_SANDBOX_ENABLED", "True")

from exporthub.settings import *  # noqa: E402,F403
from exporthub.settings import DATA_DIR, DATABASES, Q_CLUSTER  # noqa: E402

# One test database per pytest process, so several test runs on one machine never share one.
# SQLite uses a file, not :memory:, so tests that start other processes can open it: give such a
# process `tests.processes.child_env()`, which points DATABASE_URL at the live test database.
_run = os.environ.get("EXPORTHUB_TEST_RUN_ID", str(os.getpid()))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-exporthub-{_run}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_run}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
ALLOWED_HOSTS = ["*"]
# Tests never collect static files; WhiteNoise serves nothing from disk here.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The in-process sandbox transport runs in the caller's thread on the test's database connection
# (inside its transaction), so the engine stays in one thread here; tests over a live server
# switch the threads on (tests/sync/test_concurrency.py).
SYNC_PLEO_THREADS = 0
