"""Finding the events worth telling someone about, and recording each one once.

A sweep (a scheduled task, every minute) reads what the hub's own tables say — jobs that failed
or ended with errors, jobs nobody has worked on for a while, mappings whose ERP record was
archived, a Pleo connection that needs authorising again — and records each event under a key
that names it (`job:17`, `drift:4:6840`). An event already recorded is not recorded again, so a
subscriber hears of it once however often the sweep runs, and whichever worker runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from exporthub.dashboard.failures import open_failures
from exporthub.notifications.models import Delivery, EventKind, Notification
from exporthub.pleo.models import PleoConnection
from exporthub.sync.mapping_health import items_at_risk, mapping_flags
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus, JobStatus

# Finished jobs older than this are history, not news (e.g. on the first sweep after installing).
RECENT = timedelta(days=1)
# Job failures that mean the ERP refused the hub's credentials.
CREDENTIAL_REASON_TYPES = frozenset(
    {"accounting_system_authentication_failure", "authentication_failure", "authorization_failure"}
)
UNFINISHED = (JobStatus.PENDING, JobStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    count: int
    path: str
    data: dict = field(default_factory=dict)


def sweep(now=None) -> int:
    """Record the events of every enabled integration; returns how many were new."""
    now = now or timezone.now()
    new = 0
    integrations = Integration.objects.filter(enabled=True).select_related("pleo_connection")
    for integration in integrations:
        for event in events_of(integration, now):
            new += record(integration, event, now=now)
    return new


def events_of(integration: Integration, now) -> list[Event]:
    return [
        *finished_job_events(integration, now),
        *stuck_job_events(integration, now),
        *credential_events(integration),
        *drift_events(integration),
    ]


def _job_path(job: ExportJob) -> str:
    return reverse("dashboard:job-detail", args=[job.pk])


def finished_job_events(integration: Integration, now) -> list[Event]:
    since = now - RECENT
    jobs = integration.jobs.filter(
        Q(completed_at__gte=since) | Q(completed_at__isnull=True, last_updated_at__gte=since),
        status__in=[JobStatus.FAILED, JobStatus.COMPLETED_WITH_ERRORS],
        dismissed_at__isnull=True,
    )
    found = []
    for job in jobs:
        data = {"job": str(job.pleo_id), "reason_type": job.failure_reason_type}
        if job.status == JobStatus.COMPLETED_WITH_ERRORS:
            kind, count = EventKind.JOB_COMPLETED_WITH_ERRORS, job.items_failed
        elif job.failure_reason_type in CREDENTIAL_REASON_TYPES:
            kind, count = EventKind.CREDENTIALS_REFUSED, job.number_of_items
            data["system"] = "erp"
        else:
            kind, count = EventKind.JOB_FAILED, job.number_of_items
        found.append(Event(kind, f"job:{job.pk}", count, _job_path(job), data))
    return found


def stuck_job_events(integration: Integration, now) -> list[Event]:
    """Unfinished jobs with no sign of life (claim heartbeat, start, detection) for a while."""
    quiet_since = now - timedelta(minutes=settings.NOTIFY_STUCK_AFTER_MINUTES)
    found = []
    for job in integration.jobs.filter(status__in=UNFINISHED, first_seen_at__lt=quiet_since):
        last_sign = max(t for t in (job.heartbeat_at, job.started_at, job.first_seen_at) if t)
        if last_sign < quiet_since:
            waiting = job.items.filter(status=ItemStatus.PENDING).count()
            minutes = int((now - last_sign).total_seconds() // 60)
            found.append(
                Event(
                    EventKind.JOB_STUCK,
                    f"job:{job.pk}:{last_sign:%Y%m%dT%H%M%S}",
                    waiting,
                    _job_path(job),
                    {"job": str(job.pleo_id), "status": job.status, "quiet_minutes": minutes},
                )
            )
    return found


def credential_events(integration: Integration) -> list[Event]:
    connection = integration.pleo_connection
    if connection.status != PleoConnection.Status.NEEDS_REAUTHORIZATION:
        return []
    return [
        Event(
            EventKind.CREDENTIALS_REFUSED,
            f"pleo:{connection.pk}:{connection.updated_at:%Y%m%dT%H%M%S}",
            integration.queued_entries.count(),
            reverse("dashboard:pleo-connection-edit", args=[connection.pk]),
            {"system": "pleo", "detail": connection.status_detail},
        )
    ]


def drift_events(integration: Integration) -> list[Event]:
    """Mappings whose ERP record the ERP archived or stopped reporting (after a records refresh)."""
    archived = [flag.mapping for flag in mapping_flags(integration) if flag.problem == "archived"]
    if not archived:
        return []
    at_risk = items_at_risk(integration)
    key = ",".join(sorted(f"{m.pk}:{m.erp_key}" for m in archived))
    return [
        Event(
            EventKind.MAPPING_DRIFT,
            f"drift:{key}"[:200],
            sum(at_risk.get(m.pk, 0) for m in archived),
            reverse("dashboard:mapping-list", args=[integration.pk]),
            {"mappings": [f"{m.get_kind_display()} {m.pleo_key} → {m.erp_key}" for m in archived]},
        )
    ]


def digest_event(integration: Integration, now) -> Event:
    items = ExportItem.objects.filter(job__integration=integration)
    unfinished = integration.jobs.filter(status__in=UNFINISHED)
    data = {
        "queued": integration.queued_entries.count(),
        "failed": open_failures(items).count(),
        "waiting_jobs": unfinished.count(),
        "waiting_items": items.filter(job__in=unfinished, status=ItemStatus.PENDING).count(),
    }
    return Event(
        EventKind.DAILY_DIGEST,
        f"digest:{timezone.localdate(now).isoformat()}",
        data["queued"] + data["failed"] + data["waiting_items"],
        reverse("dashboard:queue", args=[integration.pk]),
        data,
    )


def send_digests(now=None) -> int:
    """Scheduled daily: one digest per enabled integration that has a subscriber for it."""
    now = now or timezone.now()
    new = 0
    for integration in Integration.objects.filter(
        enabled=True, subscriptions__active=True
    ).distinct():
        new += record(integration, digest_event(integration, now), now=now)
    return new


def record(integration: Integration, event: Event, *, now=None) -> int:
    """Record `event` once and queue a delivery to each subscriber of its kind; 1 if new."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                integration=integration,
                kind=event.kind,
                key=event.key,
                defaults={"count": event.count, "path": event.path, "data": event.data},
            )
    except IntegrityError:  # another worker recorded it between our look and our insert
        return 0
    if not created:
        return 0
    subscribers = [
        sub for sub in integration.subscriptions.filter(active=True) if event.kind in sub.events
    ]
    Delivery.objects.bulk_create(
        [
            Delivery(notification=notification, subscription=s, next_attempt_at=now)
            for s in subscribers
        ],
        ignore_conflicts=True,
    )
    return 1
