"""Keeping the ERP's records (accounts, taxes, dimensions, parties) fresh for the mapping page.

The page never calls the ERP: when the cached records are missing or old it asks a worker to read
them (`request_refresh`), and shows them once they are there (the page polls while it waits). The
state comes from the activity log, which records each request and each refresh's outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from exporthub.connectors.models import ConnectorConfig
from exporthub.core.activity import log_activity
from exporthub.core.models import ActivityEntry
from exporthub.sync.models import OperationKind
from exporthub.sync.operations import start_operation

REQUESTED = "dashboard.erp.records_requested"
REFRESHED = "dashboard.erp.records_refreshed"
FAILED = "dashboard.erp.records_failed"
MAX_AGE = dt.timedelta(hours=6)  # older records are read again when someone opens the page
RETRY_FAILED_AFTER = dt.timedelta(minutes=10)  # a failed read is not retried on every visit
GIVE_UP_WAITING_AFTER = dt.timedelta(minutes=5)  # a request no worker took is made again


@dataclass(frozen=True)
class RecordsState:
    reading: bool = False  # a worker was asked to read the records and has not answered yet
    refreshed_at: dt.datetime | None = None  # the last successful read
    failed_at: dt.datetime | None = None  # the last read, if it failed
    error: str = ""

    def due(self, now: dt.datetime) -> bool:
        """Whether the records should be read again now."""
        if self.reading:
            return False
        if self.failed_at is not None:
            return now - self.failed_at > RETRY_FAILED_AFTER
        return self.refreshed_at is None or now - self.refreshed_at > MAX_AGE


def records_state(config: ConnectorConfig, now: dt.datetime | None = None) -> RecordsState:
    """Where the connection's cached records stand, from its newest log rows (one query)."""
    now = now or timezone.now()
    rows = ActivityEntry.objects.filter(
        object_type=config._meta.label_lower,
        object_id=str(config.pk),
        action__in=[REQUESTED, REFRESHED, FAILED],
    ).order_by("-created_at", "-id")[:20]
    reading, refreshed_at, failed_at, error = False, None, None, ""
    for row in rows:
        if row.action == REQUESTED:
            if refreshed_at is None and failed_at is None:
                reading = reading or now - row.created_at < GIVE_UP_WAITING_AFTER
            continue
        if row.action == REFRESHED:
            refreshed_at = row.created_at
            break
        if failed_at is None and refreshed_at is None:
            failed_at, error = row.created_at, str((row.data or {}).get("message", ""))
    if failed_at is not None and refreshed_at is not None and refreshed_at > failed_at:
        failed_at, error = None, ""
    return RecordsState(reading, refreshed_at, failed_at, error)


def request_refresh(config: ConnectorConfig, *, user, integration=None):
    """Ask a worker to read the ERP's records into the cache: a background operation (its
    progress line shows on the page), which logs the outcome this module reads back. Returns
    `start_operation`'s (operation, started)."""
    log_activity(REQUESTED, actor=user, obj=config)
    return start_operation(
        OperationKind.REFRESH_ERP_RECORDS,
        integration=integration,
        erp_connection=config,
        user=user if getattr(user, "pk", None) else None,
    )


def ensure_fresh(config: ConnectorConfig, *, user, integration=None) -> RecordsState:
    """The records' state, after asking for a read when they are missing, old, or failed a
    while ago; never waits for the ERP."""
    now = timezone.now()
    state = records_state(config, now)
    if not state.due(now):
        return state
    request_refresh(config, user=user, integration=integration)
    return RecordsState(True, state.refreshed_at, state.failed_at, state.error)
