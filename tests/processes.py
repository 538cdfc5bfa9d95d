"""Helpers for tests that start other processes (workers, concurrent clients)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the test database this pytest process is using right now."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child process that must see the same test database and settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exporthub.settings",
        "DATABASE_URL": test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "EXPORTHUB_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "EXPORTHUB_SANDBOX_ENABLED": "True",
        "EXPORTHUB_PLEO_WEBHOOK_SECRET": settings.PLEO_WEBHOOK_SECRET,
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


PYTHON = sys.executable


def _process_states() -> dict[int, tuple[int, str]]:
    """Every live process on the machine: pid → (parent pid, state letter), from /proc."""
    states = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (command) state ppid …": the command may contain spaces and parentheses.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        states[int(entry.name)] = (int(ppid), state)
    return states


def descendants(pid: int) -> set[int]:
    """The running (not zombie) processes below `pid`: children, grandchildren and so on."""
    states = _process_states()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {
            child
            for child, (parent, state) in states.items()
            if parent in frontier and state != "Z" and child not in found
        }
        found |= frontier
    return found


def running(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie has stopped; only its exit status is left)."""
    states = _process_states()
    return {pid for pid in pids if pid in states and states[pid][1] != "Z"}


def other_database_sessions() -> list[str]:
    """PostgreSQL sessions on this test database other than ours (empty on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 80) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [" ".join(str(value) for value in row) for row in cursor.fetchall()]


def wait_for_other_sessions_to_end(deadline: float = 60) -> list[str]:
    """Wait until only our session uses the test database; returns any left at the deadline.

    A child process that exited has closed its socket, but its server backend notices and ends
    a moment later; dropping the database before then fails with "being accessed by other
    users". Waiting for that condition, rather than a fixed pause, keeps teardown clean.
    """
    end = time.monotonic() + deadline
    while (sessions := other_database_sessions()) and time.monotonic() < end:
        time.sleep(0.1)
    return sessions


def end_other_sessions() -> None:
    """End every other session on this test database (PostgreSQL; nothing on SQLite)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
