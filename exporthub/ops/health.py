"""What `/healthz` checks: the database, the broker, the worker's heartbeat and Pleo polling.

Each check answers "ok" or a short code saying what is wrong; nothing names a company, an
integration or a host, since the endpoint answers anyone.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from exporthub.ops.models import WorkerHeartbeat
from exporthub.sync.models import Integration

OK = "ok"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return OK


def check_broker(broker=None) -> str:
    from django_q.brokers import get_broker

    try:
        return OK if (broker or get_broker()).ping() else "unreachable"
    except Exception:  # whatever the broker's client raises: redis, socket or ORM errors
        return "unreachable"


def check_worker() -> str:
    latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if latest is None:
        return "no_heartbeat"
    if timezone.now() - latest > timedelta(seconds=settings.HEALTH_WORKER_MAX_AGE_SECONDS):
        return "stale"
    return OK


def check_polling() -> str:
    """Every enabled integration polled, without error, within its interval plus a grace period."""
    now = timezone.now()
    grace = timedelta(seconds=settings.HEALTH_POLL_GRACE_SECONDS)
    integrations = Integration.objects.filter(enabled=True).values_list(
        "last_polled_at", "last_poll_error", "poll_interval_seconds", "created_at"
    )
    stale = False
    for last_polled_at, last_poll_error, interval, created_at in integrations:
        if last_poll_error:
            return "failing"
        deadline = now - grace - timedelta(seconds=interval)
        stale = stale or (last_polled_at or created_at) < deadline
    return "stale" if stale else OK


def run_checks(scope: str = "all") -> dict[str, str]:
    """`scope="web"`: only what a web process needs (database, broker), for load balancers."""
    checks = {"database": check_database(), "broker": check_broker()}
    if scope == "web" or checks["database"] != OK:
        return checks
    checks["worker"] = check_worker()
    checks["polling"] = check_polling()
    return checks
