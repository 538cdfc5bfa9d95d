"""Migrations run by one process at a time, however many web and worker processes start at once.

PostgreSQL: a session-level advisory lock on the database itself. SQLite (one machine): an
exclusive file lock next to the database file. Whoever gets the lock second finds the migrations
applied and has nothing left to do.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from django.core.management import call_command
from django.db import connection

# An arbitrary, fixed 64-bit key for pg_advisory_lock: "exporthub migrate".
ADVISORY_LOCK_KEY = 0x6578_706F_7274_6D67


@contextlib.contextmanager
def migration_lock() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    lock_path = Path(f"{connection.settings_dict['NAME']}.migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def migrate_once(verbosity: int = 1) -> None:
    """Apply migrations and declare the recurring schedules, holding the migration lock."""
    from exporthub.notifications.schedules import ensure_notification_schedules
    from exporthub.ops.schedules import ensure_heartbeat_schedule
    from exporthub.sync.schedules import ensure_schedules

    with migration_lock():
        call_command("migrate", interactive=False, verbosity=verbosity)
        ensure_schedules()
        ensure_heartbeat_schedule()
        ensure_notification_schedules()
